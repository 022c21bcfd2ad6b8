// deploy/etc: the configuration of the compose deployment. It must load as echod loads it in the container
// (ECHO_CONFIG=/etc/echo/echod.yaml, secrets from deploy/.env), document every setting, and hold one
// overlay per service of the architecture document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/infra/config/index.js';
import { FIELDS } from '../../../src/infra/config/fields.js';
import { SERVICE_OVERLAYS } from '../../../src/infra/config/overlays.js';
import { repoRoot } from '../../support/echod.js';

const etc = () => join(repoRoot(), 'deploy/etc');
/** What deploy/.env gives the container (test values, not the example's placeholders). */
const SECRETS = { DB_PASSWORD: 'db-pw-for-test', REDIS_PASSWORD: 'redis-pw-for-test', MINIO_ACCESS_KEY: 'echo', MINIO_SECRET_KEY: 'minio-pw-for-test' };

function load(env: Record<string, string>) {
  return loadConfig({ env: { ECHO_CONFIG: join(etc(), 'echod.yaml'), ...env }, cwd: repoRoot() });
}

test('deploy/etc holds echod.yaml and one overlay per service of the architecture document, nothing else', () => {
  const files = readdirSync(etc()).sort();
  assert.deepEqual(files, ['echod.yaml', ...SERVICE_OVERLAYS.map((s) => `${s}.yaml`)].sort());
});

test('deploy/etc/echod.yaml documents every setting: its key and its environment variable', () => {
  const text = readFileSync(join(etc(), 'echod.yaml'), 'utf8');
  const lines = text.split('\n');
  for (const [name, field] of Object.entries(FIELDS)) {
    assert.ok(new RegExp(`\\b${field.env}\\b`).test(text), `${name}: ${field.env} is not mentioned`);
    const [top, key] = field.path;
    const keyLine = (nested: boolean, k: string) => (l: string) => new RegExp(nested ? `^\\s*(#\\s*)?${k}:` : `^(# ?)?${k}:`).test(l);
    const section = lines.findIndex(keyLine(false, top!));
    assert.ok(section >= 0, `${name}: no \`${top}:\` line (active or commented)`);
    if (key === undefined) continue;
    let end = section + 1;
    while (end < lines.length && /^(#)?\s{2,}\S/.test(lines[end]!)) end++;
    assert.ok(lines.slice(section + 1, end).some(keyLine(true, key)), `${name}: no \`${key}:\` under \`${top}:\``);
  }
});

test('with the secrets of deploy/.env, the deployment config selects every scale-out engine at its compose service', () => {
  const c = load(SECRETS);
  assert.deepEqual(
    c.overlayFiles,
    SERVICE_OVERLAYS.map((s) => join(etc(), `${s}.yaml`)),
  );
  assert.deepEqual(c.sql, { engine: 'mysql', host: 'mysql', port: 3306, user: 'echo', password: SECRETS.DB_PASSWORD, database: 'echo', poolSize: 10, readHosts: [] });
  assert.deepEqual(c.cache, { engine: 'redis', host: 'redis', port: 6379, password: SECRETS.REDIS_PASSWORD, db: 0 });
  assert.deepEqual(c.bus, { engine: 'kafka', brokers: [{ host: 'kafka', port: 9092 }], partitions: 6, topicPrefix: '' });
  assert.deepEqual(c.discovery, { engine: 'etcd', endpoints: ['http://etcd:2379'] });
  assert.deepEqual(c.blob, { engine: 's3', endpoint: 'http://minio:9000', accessKey: 'echo', secretKey: SECRETS.MINIO_SECRET_KEY });
  assert.equal(c.listen, '0.0.0.0');
  assert.deepEqual(c.tcpPorts, [10443, 5222]);
  assert.deepEqual(c.adminListen, { host: '0.0.0.0', port: 8802 });
  assert.equal(c.dataDir, '/var/lib/echo');
  // The overlays' values arrive (bff.yaml's rates, dfs.yaml's upload rate).
  assert.deepEqual(c.limits.rpcRates?.send, { burst: 300, perSecond: 30 });
  assert.deepEqual(c.uploadRate, { burstMb: 512, perSecondMb: 128 });
});

test('without deploy/.env the deployment config refuses to start, naming the missing secret', () => {
  const fails = (env: Record<string, string>, key: string) =>
    assert.throws(
      () => load(env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.key, key, err.message);
        assert.ok(!err.message.includes('\n'));
        return true;
      },
    );
  fails({}, 'MINIO_ACCESS_KEY');
  fails({ ...SECRETS, DB_PASSWORD: '' }, 'DB_PASSWORD');
  fails({ ...SECRETS, REDIS_PASSWORD: '' }, 'REDIS_PASSWORD');
  fails({ ...SECRETS, MINIO_SECRET_KEY: '' }, 'MINIO_SECRET_KEY');
  fails({ ...SECRETS, DB_PASSWORD: 'my_root_secret' }, 'DB_PASSWORD');
});

test('each overlay alone is a valid configuration', () => {
  for (const service of SERVICE_OVERLAYS) {
    const c = load({ ...SECRETS, ECHO_OVERLAYS: service });
    assert.deepEqual(c.overlayFiles, [join(etc(), `${service}.yaml`)], service);
  }
});
