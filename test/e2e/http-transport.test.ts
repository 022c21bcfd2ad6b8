// MTProto over HTTP (/api, /apiw1) and the TLS variants of the HTTP port (HTTPS, WSS), against a real echod.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { EchoClient } from '../../src/client/mtproto-client.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';
import type { TlObject } from '../../src/tl/index.js';

const getConfig = { _: 'help.getConfig' } as TlObject;

async function keyOf(echod: EchodProcess): Promise<RsaPublicKey & { fingerprint: bigint }> {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  return { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
}

function assertConfig(result: unknown, echod: EchodProcess): void {
  const config = result as { _: string; dcOptions: { port: number }[] };
  assert.equal(config._, 'config');
  assert.equal(config.dcOptions[0]!.port, echod.tcpPorts[0]);
}

describe('MTProto over HTTP', () => {
  let echod: EchodProcess;
  before(async () => {
    echod = await startEchod();
  });
  after(() => echod.dispose());

  for (const path of ['/api', '/apiw1']) {
    test(`handshake and help.getConfig through POST ${path}`, async () => {
      const client = await EchoClient.open({ httpUrl: `http://127.0.0.1:${echod.httpPort}${path}` });
      await client.createAuthKey(await keyOf(echod));
      assertConfig(await client.invoke(getConfig), echod);
      client.close();
    });
  }

  test('an unknown auth key answers HTTP 404, garbage 400, and other paths 404', async () => {
    const post = (path: string, body: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: echod.httpPort, path, method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    assert.equal(await post('/api', Buffer.alloc(88, 7)), 404);
    assert.equal(await post('/api', Buffer.from('hello')), 400);
    assert.equal(await post('/nope', Buffer.alloc(88)), 404);
  });
});

describe('TLS on the HTTP port (ECHO_TLS_CERT / ECHO_TLS_KEY)', () => {
  let echod: EchodProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'echo-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    echod = await startEchod({ env: { ECHO_TLS_CERT: cert, ECHO_TLS_KEY: key } });
  });
  after(async () => {
    await echod.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('WSS /apiws with a self-signed certificate', async () => {
    const client = await EchoClient.open({ url: `wss://127.0.0.1:${echod.httpPort}/apiws`, rejectUnauthorized: false });
    await client.createAuthKey(await keyOf(echod));
    assertConfig(await client.invoke(getConfig), echod);
    client.close();
  });

  test('HTTPS /api with a self-signed certificate', async () => {
    const client = await EchoClient.open({ httpUrl: `https://127.0.0.1:${echod.httpPort}/api`, rejectUnauthorized: false });
    await client.createAuthKey(await keyOf(echod));
    assertConfig(await client.invoke(getConfig), echod);
    client.close();
  });

  test('plain ws:// is refused on a TLS port', async () => {
    await assert.rejects(EchoClient.open({ url: `ws://127.0.0.1:${echod.httpPort}/apiws` }));
  });
});
