// The Redis KV adapter in its two other forms, each on servers of the test's own: a master found through
// Sentinel, and a 3-master Redis Cluster. The whole KeyValueStore contract runs through each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { kvContract } from '../support/contracts/kv-contract.js';
import { PrivateRedisSet } from './private-redis.js';

const servers = PrivateRedisSet.create();
let sentinelPort = 0;
let masterPort = 0;
let clusterPorts: number[] = [];

before(async () => {
  ({ masterPort, sentinelPort } = await servers.sentinel('mymaster'));
  clusterPorts = await servers.cluster();
});
after(() => servers.close());

const local = (port: number) => ({ host: '127.0.0.1', port });

kvContract('redis sentinel', async () => {
  const store = new RedisKeyValueStore({ sentinels: [local(sentinelPort)], sentinelName: 'mymaster', db: 1 });
  await store.check();
  return store;
});

kvContract('redis cluster', async () => {
  const store = new RedisKeyValueStore({ clusterNodes: [local(clusterPorts[0]!)] });
  await store.check();
  return store;
});

test('sentinel: the data lands on the master the sentinel names, in the database asked for', async () => {
  const viaSentinel = new RedisKeyValueStore({ sentinels: [local(sentinelPort)], sentinelName: 'mymaster', db: 1 });
  const direct = new RedisKeyValueStore({ ...local(masterPort), db: 1 });
  try {
    await viaSentinel.set('forms:sentinel', 'through the sentinel', 60_000);
    assert.equal(await direct.get('forms:sentinel'), 'through the sentinel');
  } finally {
    await viaSentinel.close();
    await direct.close();
  }
});

test('cluster: keys() lists keys from every master, not only the node it asked', async () => {
  const store = new RedisKeyValueStore({ clusterNodes: [local(clusterPorts[0]!)] });
  try {
    const keys = Array.from({ length: 30 }, (_, i) => `forms:spread:${i}`);
    for (const k of keys) await store.set(k, 'v', 60_000);
    // The 30 keys hash to slots of all three masters; each master holds some of them.
    for (const port of clusterPorts) {
      const node = new RedisKeyValueStore(local(port));
      try {
        assert.ok((await node.keys('forms:spread:')).length > 0, `master ${port} holds some of the keys`);
      } finally {
        await node.close();
      }
    }
    assert.deepEqual((await store.keys('forms:spread:')).sort(), [...keys].sort());
  } finally {
    await store.close();
  }
});

test('check() names the form and its addresses, with the reason, in one line', async () => {
  const cases: [RedisKeyValueStore, RegExp][] = [
    [new RedisKeyValueStore({ sentinels: [local(1)], sentinelName: 'mymaster' }), /^Redis Sentinel mymaster at 127\.0\.0\.1:1: All sentinels are unreachable/],
    [new RedisKeyValueStore({ sentinels: [local(sentinelPort)], sentinelName: 'nosuch' }), new RegExp(`^Redis Sentinel nosuch at 127\\.0\\.0\\.1:${sentinelPort}: .*No such master with that name`)],
    [new RedisKeyValueStore({ clusterNodes: [local(1), local(2)] }), /^Redis Cluster at 127\.0\.0\.1:1,127\.0\.0\.1:2: None of startup nodes is available/],
  ];
  for (const [store, expected] of cases) {
    try {
      await assert.rejects(store.check(2000), (err: Error) => {
        assert.match(err.message, expected);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    } finally {
      await store.close();
    }
  }
});
