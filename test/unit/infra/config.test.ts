import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, redactConfig, type EchoConfig } from '../../../src/infra/config/index.js';
import { FIELDS } from '../../../src/infra/config/fields.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh working directory, optionally with etc/echod.yaml. */
function workdir(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-config-'));
  dirs.push(dir);
  if (yaml !== undefined) {
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc/echod.yaml'), yaml);
  }
  return dir;
}

function load(env: Record<string, string> = {}, yaml?: string): EchoConfig {
  return loadConfig({ env, cwd: workdir(yaml) });
}

/** Asserts a ConfigError with exactly this one-line message and key. */
function rejects(fn: () => unknown, message: string | RegExp, key?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message must be one line: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (key !== undefined) assert.equal(err.key, key);
    return true;
  });
}

test('defaults with no file and no environment', () => {
  const cwd = workdir();
  const c = loadConfig({ env: {}, cwd });
  assert.deepEqual(c, {
    configFile: null,
    overlayFiles: [],
    dataDir: join(cwd, 'data'),
    serverKeyFile: join(cwd, 'data', 'server-key.pem'),
    serverKeyGiven: false,
    host: '127.0.0.1',
    listen: '127.0.0.1',
    tcpPorts: [10443, 5222],
    httpPort: 8801,
    tls: null,
    logLevel: 'info',
    dcId: 2,
    handshakeRate: { burst: 100, perSecond: 20 },
    durability: 'full',
    adminListen: { host: '127.0.0.1', port: 8802 },
    limits: {
      connectionsPerAddress: 1000,
      connections: 100_000,
      firstFrameMs: 10_000,
      handshakeMs: 30_000,
      unauthorizedIdleMs: 120_000,
      idleMs: 600_000,
      outboundHigh: 2 * 1024 * 1024,
      outboundMax: 16 * 1024 * 1024,
      drainMs: 30_000,
      sessionsPerAuthKey: 64,
      sessionIdleMs: 1_800_000,
      authKeysPerAddressPerHour: 1000,
      rpcRates: {},
    },
    adminToken: null,
    handshakeWorkers: Math.min(4, Math.max(1, availableParallelism() - 1)),
    workers: 0,
    commitWindowMs: 4,
    role: 'all',
    links: { listen: null, cores: [], secret: null },
    sql: { engine: 'sqlite' },
    cache: { engine: 'memory' },
    bus: { engine: 'memory' },
    discovery: { engine: 'single' },
    blob: { engine: 'disk' },
  } satisfies EchoConfig);
});

test('handshakeWorkers: 0 runs handshakes on the main thread; a bad count names the key', () => {
  assert.equal(loadConfig({ env: { ECHO_HANDSHAKE_WORKERS: '0' }, cwd: workdir() }).handshakeWorkers, 0);
  assert.equal(loadConfig({ env: { ECHO_HANDSHAKE_WORKERS: '3' }, cwd: workdir() }).handshakeWorkers, 3);
  assert.throws(() => loadConfig({ env: { ECHO_HANDSHAKE_WORKERS: 'many' }, cwd: workdir() }), /ECHO_HANDSHAKE_WORKERS: expected a number of threads/);
});

test('commitWindowMs: from ECHO_COMMIT_WINDOW_MS or the file, 0 for none; a bad value names the key', () => {
  assert.equal(loadConfig({ env: { ECHO_COMMIT_WINDOW_MS: '0' }, cwd: workdir() }).commitWindowMs, 0);
  assert.equal(loadConfig({ env: {}, cwd: workdir('commitWindowMs: 10\n') }).commitWindowMs, 10);
  assert.throws(() => loadConfig({ env: { ECHO_COMMIT_WINDOW_MS: '500' }, cwd: workdir() }), /ECHO_COMMIT_WINDOW_MS: expected a number of milliseconds 0-100/);
});

test('workers: gateway processes from ECHO_WORKERS or the file; a bad count names the key', () => {
  assert.equal(loadConfig({ env: { ECHO_WORKERS: '2' }, cwd: workdir() }).workers, 2);
  assert.equal(loadConfig({ env: {}, cwd: workdir('workers: 3\n') }).workers, 3);
  assert.throws(() => loadConfig({ env: { ECHO_WORKERS: '-1' }, cwd: workdir() }), /ECHO_WORKERS: expected a number of gateway processes/);
});

test('roles: a core needs its link listener, a gateway its cores, and a link off loopback the secret', () => {
  assert.throws(() => loadConfig({ env: { ECHO_ROLE: 'core' }, cwd: workdir() }), /ECHO_GATEWAY_LINK_LISTEN.*: required with ECHO_ROLE core/);
  assert.throws(() => loadConfig({ env: { ECHO_ROLE: 'gateway' }, cwd: workdir() }), /ECHO_CORE_LINKS.*: required with ECHO_ROLE gateway/);
  assert.throws(() => loadConfig({ env: { ECHO_ROLE: 'edge' }, cwd: workdir() }), /ECHO_ROLE: expected all, core or gateway/);
  assert.throws(() => loadConfig({ env: { ECHO_ROLE: 'core', ECHO_GATEWAY_LINK_LISTEN: '10.0.0.5:10500' }, cwd: workdir() }), /ECHO_LINK_SECRET.*: required, since a gateway link uses 10.0.0.5/);
  assert.throws(() => loadConfig({ env: { ECHO_ROLE: 'gateway', ECHO_CORE_LINKS: '127.0.0.1:10500,core2:10500' }, cwd: workdir() }), /ECHO_LINK_SECRET.*: required, since a gateway link uses core2/);
  const gateway = loadConfig({ env: { ECHO_ROLE: 'gateway', ECHO_CORE_LINKS: 'core1:10500,core2:10501', ECHO_LINK_SECRET: 'a-long-enough-secret' }, cwd: workdir() });
  assert.equal(gateway.role, 'gateway');
  assert.deepEqual(gateway.links, { listen: null, cores: [{ host: 'core1', port: 10500 }, { host: 'core2', port: 10501 }], secret: 'a-long-enough-secret' });
  assert.deepEqual(loadConfig({ env: { ECHO_ROLE: 'core', ECHO_GATEWAY_LINK_LISTEN: '127.0.0.1:0' }, cwd: workdir() }).links, { listen: { host: '127.0.0.1', port: 0 }, cores: [], secret: null });
});

test('limits: seconds with fractions, rpcRates as a list or a YAML mapping, 0 turns off; bad values name the key', () => {
  const cwd = workdir('limits:\n  firstFrameTimeout: 0.5\n  rpcRates:\n    search: 3/0.5\n');
  const c = loadConfig({ env: { ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0' }, cwd });
  assert.equal(c.limits.firstFrameMs, 500);
  assert.deepEqual(c.limits.rpcRates, { search: { burst: 3, perSecond: 0.5 } });
  assert.equal(c.limits.authKeysPerAddressPerHour, null);
  assert.deepEqual(loadConfig({ env: { ECHO_RPC_RATES: 'search=30/1, history=200/20' }, cwd: workdir() }).limits.rpcRates, {
    search: { burst: 30, perSecond: 1 },
    history: { burst: 200, perSecond: 20 },
  });
  assert.equal(loadConfig({ env: { ECHO_RPC_RATES: '0' }, cwd: workdir() }).limits.rpcRates, null);
  assert.throws(() => loadConfig({ env: { ECHO_RPC_RATES: 'search=fast' }, cwd: workdir() }), /ECHO_RPC_RATES: expected group=burst\/perSecond pairs/);
  assert.throws(() => loadConfig({ env: { ECHO_FIRST_FRAME_TIMEOUT: '0' }, cwd: workdir() }), /ECHO_FIRST_FRAME_TIMEOUT: expected seconds/);
  assert.throws(() => loadConfig({ env: {}, cwd: workdir('limits:\n  connections: -1\n') }), /limits.connections/);
});

test('YAML overrides defaults and the environment overrides YAML', () => {
  const cwd = workdir('host: echo.example.org\nhttpPort: 9000\ntcpPorts: [1000, 2000]\nlogLevel: debug\ndb:\n  name: other\n');
  const c = loadConfig({ env: { ECHO_HTTP_PORT: '9001', ECHO_LOG_LEVEL: 'WARN' }, cwd });
  assert.equal(c.configFile, join(cwd, 'etc/echod.yaml'));
  assert.equal(c.host, 'echo.example.org');
  assert.deepEqual(c.tcpPorts, [1000, 2000]);
  assert.equal(c.httpPort, 9001);
  assert.equal(c.logLevel, 'warn');
  // db.name alone does not select MySQL: DB_HOST does.
  assert.deepEqual(c.sql, { engine: 'sqlite' });
});

test('environment values are parsed: port lists, port 0, relative data dir, empty variables count as unset', () => {
  const cwd = workdir();
  const c = loadConfig({
    env: { ECHO_TCP_PORTS: ' 0 , 0 ', ECHO_HTTP_PORT: '0', ECHO_DATA_DIR: 'var/echo', ECHO_HOST: '', ECHO_ADMIN_LISTEN: '[::1]:0', ECHO_DC_ID: '5' },
    cwd,
  });
  assert.deepEqual(c.tcpPorts, [0, 0]);
  assert.equal(c.httpPort, 0);
  assert.equal(c.dataDir, join(cwd, 'var/echo'));
  assert.equal(c.host, '127.0.0.1');
  assert.deepEqual(c.adminListen, { host: '::1', port: 0 });
  assert.equal(c.dcId, 5);
});

test('ECHO_CONFIG names the file; an explicit file argument wins; a named file must exist', () => {
  const cwd = workdir('httpPort: 1111\n');
  writeFileSync(join(cwd, 'other.yaml'), 'httpPort: 2222\n');
  writeFileSync(join(cwd, 'third.yaml'), 'httpPort: 3333\n');
  assert.equal(loadConfig({ env: {}, cwd }).httpPort, 1111);
  assert.equal(loadConfig({ env: { ECHO_CONFIG: 'other.yaml' }, cwd }).httpPort, 2222);
  assert.equal(loadConfig({ env: { ECHO_CONFIG: 'other.yaml' }, cwd, file: 'third.yaml' }).httpPort, 3333);
  rejects(() => loadConfig({ env: { ECHO_CONFIG: 'missing.yaml' }, cwd }), 'missing.yaml: cannot read the configuration file (ENOENT)');
});

test('an empty YAML file means defaults', () => {
  assert.equal(load({}, '').httpPort, 8801);
  assert.equal(load({}, '# nothing set\n').httpPort, 8801);
});

test('TLS: both files give https settings', () => {
  const cwd = workdir();
  writeFileSync(join(cwd, 'cert.pem'), 'x');
  writeFileSync(join(cwd, 'key.pem'), 'x');
  const c = loadConfig({ env: { ECHO_TLS_CERT: 'cert.pem', ECHO_TLS_KEY: 'key.pem' }, cwd });
  assert.deepEqual(c.tls, { certFile: join(cwd, 'cert.pem'), keyFile: join(cwd, 'key.pem') });
});

test('MySQL pool size and read replicas', () => {
  const c = load({ DB_HOST: 'primary', DB_PASSWORD: 'pw', DB_POOL_SIZE: '32', DB_READ_HOSTS: 'r1, r2:3307' });
  assert.ok(c.sql.engine === 'mysql');
  assert.equal(c.sql.poolSize, 32);
  assert.deepEqual(c.sql.readHosts, [
    { host: 'r1', port: 3306 },
    { host: 'r2', port: 3307 },
  ]);
  assert.throws(() => load({ DB_HOST: 'primary', DB_POOL_SIZE: '0' }), /DB_POOL_SIZE: expected a number of connections 1-1000, got "0"/);
  assert.throws(() => load({ DB_HOST: 'primary', DB_READ_HOSTS: 'r1:99999' }), /DB_READ_HOSTS/);
});

test('scale-out engines are selected by their host or endpoint, with defaults for the rest', () => {
  const c = load({
    DB_HOST: 'db.internal',
    DB_PASSWORD: 's3cret',
    REDIS_HOST: 'redis.internal',
    REDIS_PASSWORD: 'rpw',
    KAFKA_BROKERS: 'k1:9092,k2',
    ETCD_ENDPOINTS: 'http://e1:2379,http://e2:2379',
    MINIO_ENDPOINT: 'http://minio:9000',
    MINIO_ACCESS_KEY: 'ak',
    MINIO_SECRET_KEY: 'sk',
  });
  assert.deepEqual(c.sql, { engine: 'mysql', host: 'db.internal', port: 3306, user: 'echo', password: 's3cret', database: 'echo', poolSize: 10, readHosts: [] });
  assert.deepEqual(c.cache, { engine: 'redis', host: 'redis.internal', port: 6379, password: 'rpw', db: 0 });
  assert.deepEqual(c.bus, { engine: 'kafka', brokers: [{ host: 'k1', port: 9092 }, { host: 'k2', port: 9092 }], partitions: 6, topicPrefix: '' });
  assert.deepEqual(c.discovery, { engine: 'etcd', endpoints: ['http://e1:2379', 'http://e2:2379'] });
  assert.deepEqual(c.blob, { engine: 's3', endpoint: 'http://minio:9000', accessKey: 'ak', secretKey: 'sk' });

  const redacted = redactConfig(c);
  assert.equal(redacted.sql.engine === 'mysql' && redacted.sql.password, '[redacted]');
  assert.equal(redacted.blob.engine === 's3' && redacted.blob.secretKey, '[redacted]');
  assert.equal(c.sql.engine === 'mysql' && c.sql.password, 's3cret', 'the original is not modified');
});

test('MINIO_USE_SSL picks the scheme of an endpoint given as host:port and must not contradict an explicit one', () => {
  const keys = { MINIO_ACCESS_KEY: 'ak', MINIO_SECRET_KEY: 'sk' };
  assert.deepEqual(load({ ...keys, MINIO_ENDPOINT: 'minio:9000', MINIO_USE_SSL: 'true' }).blob, { engine: 's3', endpoint: 'https://minio:9000', accessKey: 'ak', secretKey: 'sk' });
  assert.deepEqual(load({ ...keys, MINIO_ENDPOINT: 'minio:9000' }).blob, { engine: 's3', endpoint: 'http://minio:9000', accessKey: 'ak', secretKey: 'sk' });
  assert.throws(() => load({ ...keys, MINIO_ENDPOINT: 'http://minio:9000', MINIO_USE_SSL: 'true' }), /MINIO_USE_SSL/);
  assert.throws(() => load({ ...keys, MINIO_ENDPOINT: 'minio:9000', MINIO_USE_SSL: 'yes' }), /MINIO_USE_SSL/);
});

test('REDIS_PORT wins over the port in REDIS_HOST; REDIS_PASSWORD and REDIS_DB are passed on, the password redacted', () => {
  const c = load({ REDIS_HOST: 'redis.internal:7000', REDIS_PORT: '16379', REDIS_PASSWORD: 'pw', REDIS_DB: '3' });
  assert.deepEqual(c.cache, { engine: 'redis', host: 'redis.internal', port: 16379, password: 'pw', db: 3 });
  const redacted = redactConfig(c).cache;
  assert.equal(redacted.engine === 'redis' && redacted.password, '[redacted]');
  assert.throws(() => load({ REDIS_HOST: 'r', REDIS_DB: '300' }), /REDIS_DB/);
});

test('REDIS_SENTINELS selects Sentinel (master group mymaster unless REDIS_SENTINEL_NAME), with password and db', () => {
  assert.deepEqual(load({ REDIS_SENTINELS: 's1:26380, s2', REDIS_PASSWORD: 'pw' }).cache, {
    engine: 'redis',
    sentinels: [
      { host: 's1', port: 26380 },
      { host: 's2', port: 26379 },
    ],
    sentinelName: 'mymaster',
    password: 'pw',
    db: 0,
  });
  const c = load({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'echo-main', REDIS_PASSWORD: 'pw', REDIS_DB: '2' });
  assert.deepEqual(c.cache, { engine: 'redis', sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'echo-main', password: 'pw', db: 2 });
  const redacted = redactConfig(c).cache;
  assert.equal(redacted.engine === 'redis' && redacted.password, '[redacted]');
});

test('REDIS_CLUSTER_NODES selects Cluster, with a password; no database but 0', () => {
  assert.deepEqual(load({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001', REDIS_PASSWORD: 'pw' }).cache, {
    engine: 'redis',
    clusterNodes: [
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ],
    password: 'pw',
  });
  assert.deepEqual(load({ REDIS_CLUSTER_NODES: 'n1', REDIS_DB: '0', REDIS_PASSWORD: 'pw' }).cache, { engine: 'redis', clusterNodes: [{ host: 'n1', port: 6379 }], password: 'pw' });
  rejects(() => load({ REDIS_CLUSTER_NODES: 'n1', REDIS_DB: '3' }), 'REDIS_DB: Redis Cluster has only database 0, got 3', 'REDIS_DB');
  rejects(() => load({}, 'redis:\n  clusterNodes: [n1:7000]\n  db: 1\n'), 'redis.db (etc/echod.yaml): Redis Cluster has only database 0, got 1', 'redis.db');
});

test('Sentinel and Cluster from YAML', () => {
  assert.deepEqual(load({}, 'redis:\n  sentinels: [s1:1, s2:2]\n  sentinelName: group\n  password: pw\n').cache, {
    engine: 'redis',
    sentinels: [
      { host: 's1', port: 1 },
      { host: 's2', port: 2 },
    ],
    sentinelName: 'group',
    password: 'pw',
    db: 0,
  });
  assert.deepEqual(load({}, 'redis:\n  clusterNodes: n1:7000\n  password: pw\n').cache, { engine: 'redis', clusterNodes: [{ host: 'n1', port: 7000 }], password: 'pw' });
});

test('more than one form of Redis is a config error naming the keys', () => {
  const choose = 'choose one form of Redis (single server, Sentinel or Cluster)';
  rejects(() => load({ REDIS_HOST: 'r', REDIS_SENTINELS: 's1' }), `REDIS_HOST and REDIS_SENTINELS: ${choose}`, 'REDIS_SENTINELS');
  rejects(() => load({ REDIS_HOST: 'r', REDIS_CLUSTER_NODES: 'n1' }), `REDIS_HOST and REDIS_CLUSTER_NODES: ${choose}`, 'REDIS_CLUSTER_NODES');
  rejects(() => load({ REDIS_SENTINELS: 's1', REDIS_CLUSTER_NODES: 'n1' }), `REDIS_SENTINELS and REDIS_CLUSTER_NODES: ${choose}`, 'REDIS_CLUSTER_NODES');
  rejects(
    () => load({ REDIS_CLUSTER_NODES: 'n1' }, 'redis:\n  host: r\n  sentinels: [s1]\n'),
    `redis.host (etc/echod.yaml) and redis.sentinels (etc/echod.yaml) and REDIS_CLUSTER_NODES: ${choose}`,
  );
});

test('settings of one Redis form given with another are errors, not silently ignored', () => {
  rejects(() => load({ REDIS_SENTINEL_NAME: 'g' }), 'REDIS_SENTINEL_NAME: set, but REDIS_SENTINELS (redis.sentinels) is not', 'REDIS_SENTINEL_NAME');
  rejects(() => load({ REDIS_HOST: 'r', REDIS_SENTINEL_NAME: 'g' }), 'REDIS_SENTINEL_NAME: set, but REDIS_SENTINELS (redis.sentinels) is not');
  rejects(() => load({ REDIS_SENTINELS: 's1', REDIS_PORT: '6380' }), 'REDIS_PORT: applies to REDIS_HOST only; give the ports in REDIS_SENTINELS', 'REDIS_PORT');
  rejects(() => load({ REDIS_CLUSTER_NODES: 'n1', REDIS_PORT: '6380' }), 'REDIS_PORT: applies to REDIS_HOST only; give the ports in REDIS_CLUSTER_NODES');
});

test('scale-out engines from YAML', () => {
  const c = load({}, 'db:\n  host: 10.0.0.5\n  port: 3307\n  password: pw\nkafka:\n  brokers: [k1:1, k2:2]\n  partitions: 12\n  topicPrefix: staging.\netcd:\n  endpoints: http://e:2379\n');
  assert.deepEqual(c.sql, { engine: 'mysql', host: '10.0.0.5', port: 3307, user: 'echo', password: 'pw', database: 'echo', poolSize: 10, readHosts: [] });
  assert.deepEqual(c.bus, { engine: 'kafka', brokers: [{ host: 'k1', port: 1 }, { host: 'k2', port: 2 }], partitions: 12, topicPrefix: 'staging.' });
  assert.deepEqual(c.discovery, { engine: 'etcd', endpoints: ['http://e:2379'] });
});

// Every wrong environment value: [variable, value, exact message].
const badEnv: [string, string, string][] = [
  ['ECHO_HTTP_PORT', 'abc', 'ECHO_HTTP_PORT: expected a port number 0-65535, got "abc"'],
  ['ECHO_HTTP_PORT', '70000', 'ECHO_HTTP_PORT: expected a port number 0-65535, got "70000"'],
  ['ECHO_HTTP_PORT', '-1', 'ECHO_HTTP_PORT: expected a port number 0-65535, got "-1"'],
  ['ECHO_HTTP_PORT', '80.5', 'ECHO_HTTP_PORT: expected a port number 0-65535, got "80.5"'],
  ['ECHO_HTTP_PORT', '10443', 'ECHO_HTTP_PORT: port 10443 is also one of the TCP ports (ECHO_TCP_PORTS / tcpPorts)'],
  ['ECHO_TCP_PORTS', '10443,abc', 'ECHO_TCP_PORTS: expected a comma-separated list of port numbers 0-65535, got "10443,abc"'],
  ['ECHO_TCP_PORTS', ',', 'ECHO_TCP_PORTS: expected a comma-separated list of port numbers 0-65535, got ","'],
  ['ECHO_TCP_PORTS', '10443,10443', 'ECHO_TCP_PORTS: a port is listed twice, got "10443,10443"'],
  ['ECHO_HOST', 'bad host!', 'ECHO_HOST: expected an IP address or host name that clients can reach, got "bad host!"'],
  ['ECHO_LISTEN', '-x-', 'ECHO_LISTEN: expected an IP address or host name to bind to, got "-x-"'],
  ['ECHO_LOG_LEVEL', 'loud', 'ECHO_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ['ECHO_DURABILITY', 'fast', 'ECHO_DURABILITY: expected one of full, process, got "fast"'],
  ['ECHO_DURABILITY', 'off', 'ECHO_DURABILITY: expected one of full, process, got "off"'],
  ['ECHO_DC_ID', '0', 'ECHO_DC_ID: expected a DC number 1-255, got "0"'],
  ['ECHO_DC_ID', '256', 'ECHO_DC_ID: expected a DC number 1-255, got "256"'],
  ['ECHO_DC_ID', 'two', 'ECHO_DC_ID: expected a DC number 1-255, got "two"'],
  ['ECHO_ADMIN_LISTEN', '8802', 'ECHO_ADMIN_LISTEN: expected host:port (e.g. 127.0.0.1:8802), got "8802"'],
  ['ECHO_ADMIN_LISTEN', '127.0.0.1:99999', 'ECHO_ADMIN_LISTEN: expected host:port (e.g. 127.0.0.1:8802), got "127.0.0.1:99999"'],
  ['DB_HOST', 'no such host', 'DB_HOST: expected the MySQL host name or IP address, got "no such host"'],
  ['DB_PORT', '0', 'DB_PORT: expected a port number 1-65535, got "0"'],
  ['DB_NAME', 'echo-db', 'DB_NAME: expected a database name (letters, digits, _ and $), got "echo-db"'],
  ['REDIS_HOST', 'a:b:c', 'REDIS_HOST: expected host or host:port, got "a:b:c"'],
  ['REDIS_SENTINELS', 's1:26379,,s2', 'REDIS_SENTINELS: expected a comma-separated list of Sentinel host:port, got "s1:26379,,s2"'],
  ['REDIS_SENTINELS', 's1:99999', 'REDIS_SENTINELS: expected a comma-separated list of Sentinel host:port, got "s1:99999"'],
  ['REDIS_SENTINEL_NAME', 'my master', 'REDIS_SENTINEL_NAME: expected the name of the master group the sentinels monitor (no spaces), got "my master"'],
  ['REDIS_CLUSTER_NODES', 'n1:7000;n2:7001', 'REDIS_CLUSTER_NODES: expected a comma-separated list of Redis Cluster host:port (some of the nodes are enough), got "n1:7000;n2:7001"'],
  ['KAFKA_BROKERS', 'k1:9092,,k2', 'KAFKA_BROKERS: expected a comma-separated list of host:port, got "k1:9092,,k2"'],
  ['KAFKA_PARTITIONS', '0', 'KAFKA_PARTITIONS: expected the partition count of the topics Echo creates, 1-1000, got "0"'],
  ['KAFKA_PARTITIONS', 'six', 'KAFKA_PARTITIONS: expected the partition count of the topics Echo creates, 1-1000, got "six"'],
  ['KAFKA_TOPIC_PREFIX', 'a b', 'KAFKA_TOPIC_PREFIX: expected letters, digits, ".", "_" and "-" (prepended to topic and group names), got "a b"'],
  ['ETCD_ENDPOINTS', 'http://a b', 'ETCD_ENDPOINTS: expected a comma-separated list of endpoints (http://host:2379), got "http://a b"'],
  ['MINIO_ENDPOINT', 'http://m:9000', 'MINIO_ACCESS_KEY / minio.accessKey: required when MINIO_ENDPOINT is set'],
  ['MINIO_SECRET_KEY', 'sk', 'MINIO_SECRET_KEY: set, but MINIO_ENDPOINT (minio.endpoint) is not'],
  ['ECHO_TLS_CERT', 'cert.pem', 'ECHO_TLS_KEY / tlsKey: required when ECHO_TLS_CERT is set (give both or neither)'],
  ['ECHO_TLS_KEY', 'key.pem', 'ECHO_TLS_CERT / tlsCert: required when ECHO_TLS_KEY is set (give both or neither)'],
];

test('ECHO_DURABILITY / durability: full by default, process when chosen, from the environment or YAML', () => {
  assert.equal(load().durability, 'full');
  assert.equal(load({ ECHO_DURABILITY: 'process' }).durability, 'process');
  assert.equal(load({ ECHO_DURABILITY: ' FULL ' }).durability, 'full');
  assert.equal(load({}, 'durability: process\n').durability, 'process');
  assert.equal(load({ ECHO_DURABILITY: 'full' }, 'durability: process\n').durability, 'full');
  rejects(() => load({}, 'durability: none\n'), 'durability (etc/echod.yaml): expected one of full, process, got "none"', 'durability');
});

for (const [name, value, message] of badEnv) {
  test(`${name}=${JSON.stringify(value)} is rejected with one line naming it`, () => {
    rejects(() => load({ [name]: value }), message);
  });
}

test('each error carries the offending key', () => {
  rejects(() => load({ ECHO_HTTP_PORT: 'abc' }), /^ECHO_HTTP_PORT: /, 'ECHO_HTTP_PORT');
  rejects(() => load({}, 'httpPort: abc\n'), /^httpPort /, 'httpPort');
  rejects(() => load({}, 'db:\n  port: x\n'), /^db\.port /, 'db.port');
});

test('TLS files that do not exist are named', () => {
  const cwd = workdir();
  writeFileSync(join(cwd, 'cert.pem'), 'x');
  rejects(
    () => loadConfig({ env: { ECHO_TLS_CERT: 'cert.pem', ECHO_TLS_KEY: 'nokey.pem' }, cwd }),
    `ECHO_TLS_KEY: no such file: ${join(cwd, 'nokey.pem')}`,
    'ECHO_TLS_KEY',
  );
});

test('MINIO_ENDPOINT needs the secret key as well', () => {
  rejects(
    () => load({ MINIO_ENDPOINT: 'http://m:9000', MINIO_ACCESS_KEY: 'ak' }),
    'MINIO_SECRET_KEY / minio.secretKey: required when MINIO_ENDPOINT is set',
  );
});

test('wrong YAML values name the key and the file', () => {
  rejects(() => load({}, 'httpPort: abc\n'), 'httpPort (etc/echod.yaml): expected a port number 0-65535, got "abc"');
  rejects(() => load({}, 'tcpPorts: [1, "x"]\n'), 'tcpPorts (etc/echod.yaml): expected a comma-separated list of port numbers 0-65535, got [1,"x"]');
  rejects(() => load({}, 'dcId: 2.5\n'), 'dcId (etc/echod.yaml): expected a DC number 1-255, got 2.5');
  rejects(() => load({}, 'host: [a, b]\n'), 'host (etc/echod.yaml): expected an IP address or host name that clients can reach, got ["a","b"]');
});

test('a wrong environment value is reported even when YAML is right, and YAML errors are not masked by env', () => {
  rejects(() => load({ ECHO_HTTP_PORT: 'x' }, 'httpPort: 9000\n'), /^ECHO_HTTP_PORT: /);
  // The env wins for httpPort, so the bad YAML value is never used.
  assert.equal(load({ ECHO_HTTP_PORT: '9000' }, 'httpPort: x\n').httpPort, 9000);
});

test('secret values are never echoed in messages', () => {
  rejects(() => load({}, 'db:\n  password: [hunter2]\n'), 'db.password (etc/echod.yaml): expected a password, got (hidden)');
});

test('unknown YAML keys are errors, at the top level and inside groups', () => {
  rejects(() => load({}, 'httpport: 8801\n'), 'httpport (etc/echod.yaml): unknown setting', 'httpport');
  rejects(() => load({}, 'db:\n  hots: x\n'), 'db.hots (etc/echod.yaml): unknown setting', 'db.hots');
  rejects(() => load({}, 'db: 5\n'), 'db (etc/echod.yaml): expected a mapping', 'db');
  rejects(() => load({}, 'httpPort:\n  port: 1\n'), /^httpPort \(etc\/echod\.yaml\): expected a port number/);
});

test('a YAML file that is not a mapping or not YAML at all is one clear line', () => {
  rejects(() => load({}, '- 1\n- 2\n'), 'etc/echod.yaml: expected a mapping of settings at the top level');
  rejects(() => load({}, 'httpPort: [1\n'), /^etc\/echod\.yaml: not valid YAML at line \d+: /);
  rejects(() => load({}, 'a: 1\na: 2\n'), /^etc\/echod\.yaml: not valid YAML/);
});

test('the documented example names every setting: its YAML key under its section, and its environment variable', () => {
  const example = readFileSync(join(root, 'etc/echod.example.yaml'), 'utf8');
  const lines = example.split('\n');
  for (const [name, field] of Object.entries(FIELDS)) {
    assert.ok(new RegExp(`\\b${field.env}\\b`).test(example), `${name}: ${field.env} is not mentioned`);
    const [top, key] = field.path;
    if (key === undefined) {
      assert.ok(lines.some((l) => l.startsWith(`# ${top}:`)), `${name}: no commented \`${top}\` line`);
      continue;
    }
    // A nested key: among the indented lines right below its section's line.
    const section = lines.findIndex((l) => l.startsWith(`# ${top}:`));
    assert.ok(section >= 0, `${name}: no commented \`${top}:\` section`);
    let end = section + 1;
    while (end < lines.length && lines[end]!.startsWith('#   ')) end++;
    assert.ok(lines.slice(section + 1, end).some((l) => l.startsWith(`#   ${key}:`)), `${name}: no commented \`${key}\` under \`${top}:\``);
  }
});

test('the documented example matches the defaults when its top-level settings are uncommented', () => {
  const example = readFileSync(join(root, 'etc/echod.example.yaml'), 'utf8');
  // Uncomment `# key: value` lines at the top level, except TLS and the server key (example paths that do not exist here).
  const uncommented = example
    .split('\n')
    .map((line) => (/^# (?!tls|serverKey)[a-zA-Z]+: /.test(line) ? line.slice(2) : line))
    .join('\n');
  assert.notEqual(uncommented, example);
  const cwd = workdir(uncommented);
  const defaults = loadConfig({ env: {}, cwd: workdir() });
  const fromExample = loadConfig({ env: {}, cwd });
  assert.equal(fromExample.configFile, join(cwd, 'etc/echod.yaml'));
  assert.deepEqual({ ...fromExample, configFile: null, dataDir: 'x', serverKeyFile: 'x' }, { ...defaults, dataDir: 'x', serverKeyFile: 'x' });
});

test('ECHO_SERVER_KEY names the key file (relative to the working directory); unset, the data dir holds it', () => {
  const cwd = workdir();
  const named = loadConfig({ env: { ECHO_SERVER_KEY: 'keys/dc.pem', ECHO_DATA_DIR: '/srv/echo' }, cwd });
  assert.equal(named.serverKeyFile, join(cwd, 'keys/dc.pem'));
  assert.equal(named.serverKeyGiven, true);
  const fromFile = loadConfig({ env: {}, cwd: workdir('serverKey: /etc/echo/key.pem\n') });
  assert.equal(fromFile.serverKeyFile, '/etc/echo/key.pem');
  const unset = loadConfig({ env: { ECHO_DATA_DIR: '/srv/echo' }, cwd });
  assert.equal(unset.serverKeyFile, '/srv/echo/server-key.pem');
  assert.equal(unset.serverKeyGiven, false);
  rejects(() => loadConfig({ env: {}, cwd: workdir('serverKey: [a]\n') }), /^serverKey \(etc\/echod\.yaml\): expected the path of a PEM RSA private key file/);
});
