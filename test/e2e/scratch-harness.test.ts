// SCRATCH: verifies the harness against a stand-in server; deleted afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startEchod, repoRoot } from '../support/echod.js';
import { createGramjsClient, GRAMJS_TRANSPORTS } from '../support/gramjs.js';
import { createMtcuteClient } from '../support/mtcute.js';

const cliPath = join(repoRoot(), 'scratch-fake-echod.mjs');

test('harness: early exit rejects with stderr', async () => {
  await assert.rejects(startEchod({ cliPath, env: { FAKE_FAIL: 'bad config ECHO_X' } }), /boom: bad config ECHO_X/);
});

test('harness: start, logs, client-config, restart on same ports, stop', async (t) => {
  const echod = await startEchod({ cliPath, scope: t });
  assert.equal(echod.tcpPorts.length, 2);
  assert.ok(echod.httpPort > 0);
  const ready = await echod.waitForLog((l) => l.msg === 'echod ready');
  assert.deepEqual(ready.env, { host: '127.0.0.1', level: 'debug' });
  const cfg = await echod.clientConfig();
  assert.equal(cfg.port, echod.tcpPorts[0]);
  assert.match(cfg.publicKey, /BEGIN RSA PUBLIC KEY/);
  const ports = [...echod.tcpPorts], http = echod.httpPort, pid = echod.pid, dir = echod.dataDir;
  await echod.restart();
  assert.deepEqual(echod.tcpPorts, ports);
  assert.equal(echod.httpPort, http);
  assert.notEqual(echod.pid, pid);
  assert.equal(echod.previousLogs.length, 1);
  assert.equal(echod.countLogs((l) => l.msg === 'shutting down'), 0);
  assert.equal(echod.previousLogs[0]!.filter((l) => l.msg === 'shutting down').length, 1);
  assert.equal((await echod.clientConfig()).publicKey, cfg.publicKey);
  await assert.rejects(echod.waitForLog((l) => l.msg === 'never', 200), /no matching echod log line/);
  await echod.dispose();
  assert.equal(existsSync(dir), false);
});

for (const transport of GRAMJS_TRANSPORTS) {
  test(`gramjs ${transport}: first packet`, async (t) => {
    const echod = await startEchod({ cliPath, scope: t });
    const cfg = await echod.clientConfig();
    const h = createGramjsClient({ ...cfg, httpPort: echod.httpPort }, { transport, connectionRetries: 1 });
    t.after(() => h.close());
    const connecting = h.client.connect();
    const line = await echod.waitForLog((l) => l.msg === 'first packet');
    console.log(transport, JSON.stringify(line), JSON.stringify(echod.logs.find((l) => l.msg === 'ws upgrade')));
    assert.equal(line.ctor, 'be7e8ef1');
    assert.equal(line.authKeyId, '0000000000000000');
    assert.equal(await connecting, false);
  });
}

test('mtcute: first packet, reconnects after drop', async (t) => {
  const echod = await startEchod({ cliPath, scope: t });
  const cfg = await echod.clientConfig();
  const h = await createMtcuteClient(cfg);
  t.after(() => h.close());
  const call = h.client.call({ _: 'help.getConfig' }).catch((e: unknown) => e);
  const line = await echod.waitForLog((l) => l.msg === 'first packet');
  console.log('mtcute', JSON.stringify(line));
  assert.equal(line.ctor, 'be7e8ef1');
  await h.waitForConnections(2);
  await echod.waitForLogCount((l) => l.msg === 'first packet', 2);
  await h.close();
  console.log('mtcute call after close ->', String(await call).slice(0, 100));
});

test('gramjs: retries go to the forced port', async (t) => {
  const echod = await startEchod({ cliPath, scope: t });
  const cfg = await echod.clientConfig();
  const h = createGramjsClient(cfg, { transport: 'abridged', connectionRetries: 3, retryDelayMs: 50 });
  t.after(() => h.close());
  const ok = await h.client.connect();
  assert.equal(ok, false);
  assert.equal(h.connections, 3);
  assert.equal(echod.countLogs((l) => l.msg === 'first packet'), 3);
});
