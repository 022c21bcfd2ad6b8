// Start-up engine checks: all run at once, the first failing engine in configuration order is the one line
// shown, and a check that never answers fails after the timeout instead of hanging start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEngines, openEngines, runCheck } from '../../../src/app/engines.js';
import { loadConfig } from '../../../src/infra/config/index.js';

test('checkEngines: passes when all answer; otherwise throws the first failing line in order', async () => {
  await checkEngines([]);
  await checkEngines([{ name: 'a', check: async () => {} }]);
  await assert.rejects(
    checkEngines([
      { name: 'redis', check: async () => {} },
      { name: 'etcd', check: async () => Promise.reject(new Error('etcd at http://e:2379: no leader\nstack')) },
      { name: 's3', check: async () => Promise.reject(new Error('S3 at http://s: bucket documents: access denied')) },
    ]),
    { message: 'etcd at http://e:2379: no leader' },
  );
});

test('runCheck: a check that never answers fails after the timeout with the engine name', async () => {
  assert.equal(await runCheck({ name: 'redis', check: () => new Promise(() => {}) }, 50), 'redis: no answer within 0.05 s');
  assert.equal(await runCheck({ name: 'x', check: async () => {} }, 50), 'ok');
});

test('openEngines: embedded configuration has nothing to check and nothing to reach', async () => {
  const engines = openEngines(loadConfig({ env: {}, cwd: '/nonexistent' }));
  assert.deepEqual(engines.checks, []);
  assert.equal(engines.blobs, undefined, 'the disk store is made later, with the data dir');
  assert.equal(await engines.registry.claimWorkerId(), 0);
  await engines.close();
});

test('openEngines: Redis, etcd and S3 each bring their check, in that order', async () => {
  const engines = openEngines(
    loadConfig({
      env: { REDIS_HOST: '127.0.0.1:1', ETCD_ENDPOINTS: 'http://127.0.0.1:1', MINIO_ENDPOINT: 'http://127.0.0.1:1', MINIO_ACCESS_KEY: 'a', MINIO_SECRET_KEY: 's' },
      cwd: '/nonexistent',
    }),
  );
  assert.deepEqual(
    engines.checks.map((c) => c.name),
    ['redis', 'etcd', 's3'],
  );
  await engines.close();
});

test('openEngines: Redis through Sentinel or as a Cluster is checked under the name redis, its line naming the form', async () => {
  for (const [env, line] of [
    [{ REDIS_SENTINELS: '127.0.0.1:1', REDIS_SENTINEL_NAME: 'group' }, /^Redis Sentinel group at 127\.0\.0\.1:1: /],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:1,127.0.0.1:2' }, /^Redis Cluster at 127\.0\.0\.1:1,127\.0\.0\.1:2: /],
  ] as const) {
    const engines = openEngines(loadConfig({ env, cwd: '/nonexistent' }));
    try {
      assert.deepEqual(
        engines.checks.map((c) => c.name),
        ['redis'],
      );
      // Nothing listens on ports 1 and 2: the check fails with the form's one line.
      await assert.rejects(checkEngines(engines.checks), (err: Error) => {
        assert.match(err.message, line);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    } finally {
      await engines.close();
    }
  }
});
