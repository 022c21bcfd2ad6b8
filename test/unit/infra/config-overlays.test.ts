// Per-service overlays (deploy/etc/<service>.yaml merged over echod.yaml) and the refusal of passwords
// that protect nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/infra/config/index.js';
import { isLoopback } from '../../../src/infra/config/secrets.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A working directory with etc/<name> for each file given. */
function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-overlays-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'etc'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'etc', name), text);
  return dir;
}

function rejects(fn: () => unknown, message: string | RegExp, key?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (key !== undefined) assert.equal(err.key, key);
    return true;
  });
}

test('each overlay that exists is merged over echod.yaml, key by key, in the architecture order', () => {
  const cwd = workdir({
    'echod.yaml': 'logLevel: warn\nhttpPort: 9000\nlimits:\n  connections: 500\n  idleTimeout: 100\n',
    'gnetway.yaml': 'limits:\n  connections: 2000\n',
    'dfs.yaml': 'media:\n  maxFileSize: 4096\n',
  });
  const c = loadConfig({ env: {}, cwd });
  assert.equal(c.configFile, join(cwd, 'etc/echod.yaml'));
  assert.deepEqual(c.overlayFiles, [join(cwd, 'etc/gnetway.yaml'), join(cwd, 'etc/dfs.yaml')]);
  assert.equal(c.logLevel, 'warn', 'from echod.yaml');
  assert.equal(c.limits.connections, 2000, 'the overlay wins over echod.yaml');
  assert.equal(c.limits.idleMs, 100_000, 'a sibling key of the same section stays as echod.yaml gives it');
  assert.equal(c.maxFileSize, 4096);
});

test('the environment still wins over every overlay', () => {
  const cwd = workdir({ 'echod.yaml': '', 'session.yaml': 'limits:\n  sessionsPerAuthKey: 8\n' });
  assert.equal(loadConfig({ env: { ECHO_MAX_SESSIONS_PER_AUTH_KEY: '9' }, cwd }).limits.sessionsPerAuthKey, 9);
  assert.equal(loadConfig({ env: {}, cwd }).limits.sessionsPerAuthKey, 8);
});

test('overlays are found beside the file ECHO_CONFIG names, and apply without echod.yaml too', () => {
  const cwd = workdir({ 'bff.yaml': 'logLevel: debug\n' });
  mkdirSync(join(cwd, 'conf'));
  writeFileSync(join(cwd, 'conf/main.yaml'), 'logLevel: error\n');
  writeFileSync(join(cwd, 'conf/biz.yaml'), 'dcId: 4\n');
  const named = loadConfig({ env: { ECHO_CONFIG: 'conf/main.yaml' }, cwd });
  assert.deepEqual(named.overlayFiles, [join(cwd, 'conf/biz.yaml')]);
  assert.equal(named.logLevel, 'error', 'etc/bff.yaml is not beside conf/main.yaml');
  assert.equal(named.dcId, 4);
  const none = loadConfig({ env: {}, cwd });
  assert.equal(none.configFile, null);
  assert.equal(none.logLevel, 'debug', 'etc/bff.yaml applies over the defaults');
});

test('`overlays` (file or ECHO_OVERLAYS) chooses which overlays apply; none turns them off', () => {
  const files = { 'gnetway.yaml': 'logLevel: debug\n', 'msg.yaml': 'dcId: 5\n' };
  const only = loadConfig({ env: {}, cwd: workdir({ ...files, 'echod.yaml': 'overlays: [msg]\n' }) });
  assert.equal(only.logLevel, 'info');
  assert.equal(only.dcId, 5);
  const fromEnv = loadConfig({ env: { ECHO_OVERLAYS: 'gnetway' }, cwd: workdir({ ...files, 'echod.yaml': 'overlays: [msg]\n' }) });
  assert.equal(fromEnv.logLevel, 'debug');
  assert.equal(fromEnv.dcId, 2);
  assert.deepEqual(loadConfig({ env: { ECHO_OVERLAYS: 'none' }, cwd: workdir(files) }).overlayFiles, []);
  rejects(() => loadConfig({ env: { ECHO_OVERLAYS: 'gateway' }, cwd: workdir(files) }), /^ECHO_OVERLAYS: expected all, none, or a comma-separated list of gnetway, session, authsession, bff, biz, msg, sync, dfs, got "gateway"$/, 'ECHO_OVERLAYS');
  rejects(() => loadConfig({ env: {}, cwd: workdir({ 'echod.yaml': 'overlays: [msg, msg]\n' }) }), /^overlays \(etc\/echod\.yaml\): expected all, none/, 'overlays');
});

test('an overlay is checked as echod.yaml is: unknown keys, bad values and choosing overlays are errors naming it', () => {
  rejects(() => loadConfig({ env: {}, cwd: workdir({ 'sync.yaml': 'limts:\n  connections: 1\n' }) }), 'limts (etc/sync.yaml): unknown setting', 'limts');
  rejects(() => loadConfig({ env: {}, cwd: workdir({ 'sync.yaml': 'httpPort: http\n' }) }), 'httpPort (etc/sync.yaml): expected a port number 0-65535, got "http"', 'httpPort');
  rejects(() => loadConfig({ env: {}, cwd: workdir({ 'authsession.yaml': 'overlays: none\n' }) }), 'overlays (etc/authsession.yaml): only etc/echod.yaml or ECHO_OVERLAYS choose the overlays', 'overlays');
  rejects(() => loadConfig({ env: {}, cwd: workdir({ 'biz.yaml': '- 1\n' }) }), 'etc/biz.yaml: expected a mapping of settings at the top level');
});

test('two overlays giving one key different values stop echod; equal values are fine', () => {
  rejects(
    () => loadConfig({ env: {}, cwd: workdir({ 'gnetway.yaml': 'limits:\n  connections: 10\n', 'session.yaml': 'limits:\n  connections: 20\n' }) }),
    'limits.connections: etc/gnetway.yaml and etc/session.yaml set different values; keep one, or put it in etc/echod.yaml',
    'limits.connections',
  );
  const same = loadConfig({ env: {}, cwd: workdir({ 'gnetway.yaml': 'limits:\n  connections: 10\n', 'session.yaml': 'limits:\n  connections: 10\n' }) });
  assert.equal(same.limits.connections, 10);
});

test('loopback hosts: localhost, 127/8 and ::1 only', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'db.localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['10.0.0.5', 'mysql', 'db.internal', '0.0.0.0', '::', '128.0.0.1', 'localhost.example.com']) assert.ok(!isLoopback(h), h);
});

test('an empty MySQL, Redis or MinIO password is refused when the engine is not on loopback', () => {
  const cwd = workdir({});
  rejects(() => loadConfig({ env: { DB_HOST: 'mysql' }, cwd }), 'DB_PASSWORD / db.password: empty, but the MySQL host mysql is not on loopback; set a password', 'DB_PASSWORD');
  rejects(
    () => loadConfig({ env: { DB_HOST: '127.0.0.1', DB_READ_HOSTS: 'replica1' }, cwd }),
    'DB_PASSWORD / db.password: empty, but the MySQL host replica1 is not on loopback; set a password',
  );
  rejects(() => loadConfig({ env: { REDIS_HOST: '10.0.0.7:6379' }, cwd }), 'REDIS_PASSWORD / redis.password: empty, but the Redis host 10.0.0.7 is not on loopback; set a password', 'REDIS_PASSWORD');
  rejects(() => loadConfig({ env: { REDIS_CLUSTER_NODES: '127.0.0.1:7000,r2:7001' }, cwd }), /^REDIS_PASSWORD \/ redis\.password: empty, but the Redis host r2 is not/);
  const yaml = workdir({ 'echod.yaml': 'db:\n  host: db.internal\n  password: ""\n' });
  rejects(() => loadConfig({ env: {}, cwd: yaml }), 'db.password (etc/echod.yaml): empty, but the MySQL host db.internal is not on loopback; set a password', 'db.password');
});

test('on loopback an empty password is accepted (a developer machine)', () => {
  const c = loadConfig({ env: { DB_HOST: '127.0.0.1', REDIS_HOST: 'localhost', MINIO_ENDPOINT: 'http://[::1]:9000', MINIO_ACCESS_KEY: 'ak', MINIO_SECRET_KEY: 'sk' }, cwd: workdir({}) });
  assert.equal(c.sql.engine === 'mysql' && c.sql.password, '');
  assert.equal(c.cache.engine === 'redis' && c.cache.password, undefined);
});

test("the seed's example password my_root_secret (and MinIO's minioadmin) is refused everywhere", () => {
  const cwd = workdir({});
  const why = 'is a published example password; choose your own (e.g. openssl rand -hex 24)';
  rejects(() => loadConfig({ env: { DB_HOST: '127.0.0.1', DB_PASSWORD: 'my_root_secret' }, cwd }), `DB_PASSWORD: "my_root_secret" ${why}`, 'DB_PASSWORD');
  rejects(() => loadConfig({ env: { REDIS_HOST: 'redis', REDIS_PASSWORD: 'my_root_secret' }, cwd }), `REDIS_PASSWORD: "my_root_secret" ${why}`);
  const s3 = { MINIO_ENDPOINT: 'http://minio:9000', MINIO_ACCESS_KEY: 'minioadmin' };
  rejects(() => loadConfig({ env: { ...s3, MINIO_SECRET_KEY: 'minioadmin' }, cwd }), `MINIO_SECRET_KEY: "minioadmin" ${why}`, 'MINIO_SECRET_KEY');
  rejects(() => loadConfig({ env: { ...s3, MINIO_SECRET_KEY: 'my_root_secret' }, cwd }), `MINIO_SECRET_KEY: "my_root_secret" ${why}`);
  const yaml = workdir({ 'echod.yaml': 'db:\n  host: mysql\n  password: my_root_secret\n' });
  rejects(() => loadConfig({ env: {}, cwd: yaml }), `db.password (etc/echod.yaml): "my_root_secret" ${why}`, 'db.password');
  // The environment's own password replaces the file's example one.
  assert.equal(loadConfig({ env: { DB_PASSWORD: 'a-real-one' }, cwd: yaml }).sql.engine, 'mysql');
});
