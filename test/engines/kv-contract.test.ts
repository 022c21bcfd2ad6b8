// The KeyValueStore contract on both implementations: the embedded map and Redis (scripts/engines.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyValueStore } from '../../src/infra/kv/memory-kv.js';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { kvContract } from '../support/contracts/kv-contract.js';
import { engineEnv } from '../support/engines-env.js';
import { Metrics } from '../../src/infra/metrics/index.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const redis = () => ({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });

kvContract('memory', async () => new MemoryKeyValueStore());
kvContract('redis', async () => {
  const store = new RedisKeyValueStore(redis());
  await store.check();
  return store;
});

test('redis: check() names Redis and the reason when nothing listens or the database does not exist', async () => {
  const closed = new RedisKeyValueStore({ host: '127.0.0.1', port: 1 });
  try {
    await assert.rejects(closed.check(2000), (err: Error) => {
      assert.match(err.message, /^Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  } finally {
    await closed.close();
  }
  const noDb = new RedisKeyValueStore({ ...redis(), db: 200 });
  try {
    await assert.rejects(noDb.check(2000), (err: Error) => {
      assert.match(err.message, new RegExp(`^Redis at ${env.REDIS_HOST}:${env.REDIS_PORT}: .*DB index is out of range`));
      return true;
    });
  } finally {
    await noDb.close();
  }
});

test('redis: commands are measured in echo_engine_request_* by operation', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  const store = new RedisKeyValueStore({ ...redis(), metrics });
  await store.set('contract:metrics', 'v', 10_000);
  await store.get('contract:metrics');
  await store.close();
  const body = (await metrics.render()).body;
  assert.match(body, /echo_engine_request_duration_seconds_count\{engine="redis",op="set"\} 1/);
  assert.match(body, /echo_engine_request_duration_seconds_count\{engine="redis",op="get"\} 1/);
});
