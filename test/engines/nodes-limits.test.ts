// Limits behind a load balancer: two echod nodes on loopback share MariaDB, Redis, etcd and Kafka and one RSA
// key (as test/engines/nodes.test.ts sets them up), so a client spreading its calls over the nodes must get one
// budget, not one per node. An RPC flood spread over both nodes is refused with FLOOD_WAIT_X at the same count
// as on one node (GramJS on node 1, mtcute on node 2, one user); QR login works across nodes (a device waiting
// on node 1 gets updateLoginToken when a device on node 2 accepts its token, then signs in); and the gateway's
// per-address handshake and auth-key-creation rates hold across both nodes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import { Api, createGramjsClient, connectGramjs, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import type { MtcuteHandle } from '../support/mtcute.js';
import { signInGramjs, signInMtcute, testPhone } from '../support/accounts.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { engineEnv } from '../support/engines-env.js';
import { loadOrCreateServerKey } from '../../src/infra/keys.js';
import { EchoClient } from '../../src/client/mtproto-client.js';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { ScratchDatabases } from './mysql-env.js';
import { sharedNodeEnv } from './node-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT', 'ETCD_ENDPOINTS', 'KAFKA_BROKERS');
const TIMEOUT = 600_000;
const run = randomBytes(3).toString('hex');
// Phones of this run only: sign-in flood counters live in Redis across runs, keyed by phone.
const phoneBase = 6_000_000 + (randomBytes(3).readUIntLE(0, 3) % 300_000) * 10;
const phone = (n: number) => testPhone(phoneBase + n);
/** The search group's budget on these nodes: SEARCH_BURST at once, then one token every 500 s (never within a test). */
const SEARCH_BURST = 6;

const databases = new ScratchDatabases();
const keyDir = mkdtempSync(join(tmpdir(), 'echo-limits-key-'));
const keyFile = join(keyDir, 'dc2-server-key.pem');
loadOrCreateServerKey(keyFile);
/**
 * A Redis database for a pair of nodes, its rate buckets emptied first: they are named by user id (the scratch
 * MySQL database numbers users from the same floor every run) and by address (127.0.0.1), so a bucket an
 * earlier run drained would still be drained for this one.
 */
async function redisDb(): Promise<number> {
  const db = 8 + (randomBytes(1)[0]! % 8);
  const kv = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT), db });
  try {
    for (const key of await kv.keys('rate:')) await kv.delete(key);
  } finally {
    await kv.close();
  }
  return db;
}
const closers: (() => Promise<unknown>)[] = [];

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await databases.dropAll();
  rmSync(keyDir, { recursive: true, force: true });
});

/** The seconds of a FLOOD_WAIT_X as GramJS (FloodWaitError: code 420, seconds) or mtcute (RpcError FLOOD_WAIT_X) reports it. */
function floodSeconds(err: unknown): number {
  const e = err as { code?: unknown; seconds?: unknown; text?: unknown; errorMessage?: unknown };
  assert.equal(e?.code, 420, `expected 420 FLOOD_WAIT_X, got ${String((err as Error)?.stack ?? err)}`);
  if (typeof e.seconds === 'number') return e.seconds;
  const m = /^FLOOD_WAIT_(\d+)$/.exec(String(e.text ?? e.errorMessage));
  assert.ok(m, `FLOOD_WAIT_X expected, got ${String(e.text ?? e.errorMessage)}`);
  return Number(m[1]);
}

/** Calls `search` until it is refused: how many passed, and the X of the refusal. */
async function searchUntilRefused(search: (i: number) => Promise<unknown>): Promise<{ passed: number; wait: number }> {
  for (let i = 0; i < SEARCH_BURST * 3; i++) {
    try {
      await search(i);
    } catch (err) {
      return { passed: i, wait: floodSeconds(err) };
    }
  }
  return assert.fail(`no FLOOD_WAIT after ${SEARCH_BURST * 3} searches`);
}

describe('two nodes on the engines: limits and QR login across nodes', { timeout: TIMEOUT }, () => {
  let node1: EchodProcess;
  let node2: EchodProcess;
  let at1: EchoTarget;
  let at2: EchoTarget;

  before(async () => {
    const shared = sharedNodeEnv({ keyFile, redisDb: await redisDb(), topicPrefix: `limits-${run}.`, database: databases.next(), extra: { ECHO_RPC_RATES: `search=${SEARCH_BURST}/0.002` } });
    node1 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
    closers.push(() => node1.dispose());
    node2 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
    closers.push(() => node2.dispose());
    at1 = await echoTarget(node1);
    at2 = await echoTarget(node2);
  });

  test('a search flood spread over two nodes is refused with FLOOD_WAIT_X at the same count as on one node', async () => {
    // One node: Alice (GramJS) on node 1.
    const alice = await signInGramjs(at1, { phone: phone(1), firstName: 'Alice' });
    closers.push(() => alice.handle.close());
    const gramjsSearch = (h: GramjsHandle) => () => h.client.invoke(new Api.contacts.Search({ q: `nobody ${run}`, limit: 5 }));
    const alone = await searchUntilRefused(gramjsSearch(alice.handle));
    assert.equal(alone.passed, SEARCH_BURST, 'one node: the configured burst');

    // Two nodes: Bob's GramJS device on node 1 and his mtcute device on node 2, taking turns.
    const bob1 = await signInGramjs(at1, { phone: phone(2), firstName: 'Bob' });
    closers.push(() => bob1.handle.close());
    const bob2 = await signInMtcute(at2, { phone: phone(2) });
    closers.push(() => bob2.handle.close());
    assert.equal(bob2.userId, bob1.userId, 'one user, a device on each node');
    const mtcuteSearch = (h: MtcuteHandle) => () => h.client.call({ _: 'contacts.search', q: `nobody ${run}`, limit: 5 });
    const onNode = [gramjsSearch(bob1.handle), mtcuteSearch(bob2.handle)];
    const spread = await searchUntilRefused((i) => onNode[i % 2]!());
    assert.equal(spread.passed, alone.passed, 'two nodes: the same count, not twice it');
    assert.ok(spread.wait > 0 && spread.wait <= 500, `FLOOD_WAIT_${spread.wait}: the seconds until one token at 0.002/s`);
    // The node that did not refuse refuses too: the bucket is one, in Redis.
    const other = onNode[(spread.passed + 1) % 2]!;
    assert.ok(floodSeconds(await other().then(() => undefined, (err: unknown) => err)) > 0);
  });

  test('QR login across nodes: A exports a token on node 1, Bob accepts it on node 2, A gets updateLoginToken and signs in', async () => {
    const bob = await signInMtcute(at2, { phone: phone(3), firstName: 'Bob QR' });
    closers.push(() => bob.handle.close());
    const device: GramjsHandle = createGramjsClient(at1, { apiId: 4242 });
    closers.push(() => device.close());
    await connectGramjs(device);
    let loginToken: () => void;
    let timer: NodeJS.Timeout | undefined;
    const gotLoginToken = new Promise<void>((resolve, reject) => {
      loginToken = resolve;
      timer = setTimeout(() => reject(new Error('the device on node 1 got no updateLoginToken within 60 s')), 60_000);
    }).finally(() => clearTimeout(timer));
    device.client.addEventHandler((update: Api.TypeUpdate) => {
      if (update instanceof Api.UpdateLoginToken) loginToken();
    });
    const exportToken = () => device.client.invoke(new Api.auth.ExportLoginToken({ apiId: 4242, apiHash: '0123456789abcdef0123456789abcdef', exceptIds: [] }));

    const exported = await exportToken();
    assert.ok(exported instanceof Api.auth.LoginToken, exported.className);
    const accepted: any = await bob.handle.client.call({ _: 'auth.acceptLoginToken', token: exported.token });
    assert.equal(accepted._, 'authorization');
    assert.equal(accepted.apiId, 4242, 'Bob sees the new device as it introduced itself');
    // Bob's node (2) has no connection of the device: the push went to node 1, where it waits.
    await gotLoginToken;
    const success = await exportToken();
    assert.ok(success instanceof Api.auth.LoginTokenSuccess, success.className);
    assert.ok(success.authorization instanceof Api.auth.Authorization);
    assert.equal((success.authorization.user as Api.User).id.toString(), bob.userId.toString());
    const me = (await device.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })))[0] as Api.User;
    assert.equal(me.id.toString(), bob.userId.toString(), 'the device is signed in as Bob');
  });
});

describe('two nodes on Redis: the per-address auth-key-creation rate holds across both', { timeout: TIMEOUT }, () => {
  let node1: EchodProcess;
  let node2: EchodProcess;
  let publicKey: Parameters<EchoClient['createAuthKey']>[0];
  const open = (node: EchodProcess) => EchoClient.open({ host: '127.0.0.1', port: node.tcpPorts[0]! });

  before(async () => {
    // 2 keys per address per hour: neither node alone sees enough of this test's 4 to refuse one. (The handshake
    // rate goes through the same shared buckets; its refill of at least 1/s would make a test of it timed.)
    const shared = { ECHO_SERVER_KEY: keyFile, ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '2', REDIS_HOST: env.REDIS_HOST, REDIS_PORT: env.REDIS_PORT, REDIS_DB: String(await redisDb()) };
    node1 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
    closers.push(() => node1.dispose());
    node2 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
    closers.push(() => node2.dispose());
    const parts = readRsaPublicKey((await node1.clientConfig()).publicKey);
    publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  });

  test('a key created on node 1 and one on node 2 use up the address\'s budget: the next, on either node, is refused with -429', async () => {
    for (const node of [node1, node2]) {
      const client = await open(node);
      await client.createAuthKey(publicKey);
      client.close();
    }
    for (const node of [node1, node2]) {
      const client = await open(node);
      await assert.rejects(client.createAuthKey(publicKey), /handshake interrupted: (transportError|closed)/);
      client.close();
      const closed = await node.waitForLog((l) => l.msg === 'connection closed by server' && /too many auth keys created from this address/.test(String(l.reason)), 15_000);
      assert.equal(closed.code, -429);
    }
  });
});
