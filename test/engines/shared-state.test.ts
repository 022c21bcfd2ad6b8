// State that several echod nodes must share goes through Redis when it is configured: two "nodes" (two
// service instances on one Redis, as two echod processes would have) see one flood counter and one upload
// budget per user. On the embedded store each node counts for itself, as before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { FloodGate } from '../../src/service/authsession/flood.js';
import { UploadRate } from '../../src/service/dfs/upload-rate.js';
import { RpcError } from '../../src/common/rpc-error.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const nodeA = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
const nodeB = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
after(() => Promise.all([nodeA.close(), nodeB.close()]));

const isFloodWait = (err: unknown) => err instanceof RpcError && /^FLOOD_WAIT_\d+$/.test(err.errorMessage);

test('a flood limit counted on one node holds on the other', async () => {
  const rule = { name: `test-${randomBytes(4).toString('hex')}`, limit: 3, windowMs: 60_000 };
  const a = new FloodGate(nodeA, Date.now);
  const b = new FloodGate(nodeB, Date.now);
  await a.take(rule, 'phone');
  await b.take(rule, 'phone');
  await a.take(rule, 'phone');
  await assert.rejects(b.take(rule, 'phone'), isFloodWait);
  await assert.rejects(a.check(rule, 'phone'), isFloodWait);
});

test('the upload budget of a user is one across nodes with Redis, one per node embedded', async () => {
  const user = BigInt(randomBytes(4).readUInt32LE());
  const limit = { burstBytes: 1000, bytesPerSecond: 1 };
  const a = new UploadRate(limit, Date.now, nodeA);
  const b = new UploadRate(limit, Date.now, nodeB);
  await a.take(user, 600);
  await assert.rejects(Promise.resolve().then(() => b.take(user, 600)), isFloodWait);
  await b.take(user, 300);

  const memA = new UploadRate(limit, Date.now, undefined);
  const memB = new UploadRate(limit, Date.now, undefined);
  assert.equal(memA.take(user, 600), undefined, 'the embedded path answers synchronously');
  assert.equal(memB.take(user, 600), undefined);
  assert.throws(() => memA.take(user, 600), isFloodWait);
});
