// The table of settings: where each one lives in the YAML file and in the environment, what it accepts,
// and what it defaults to. Raw values come either from YAML (numbers, strings, lists) or from the environment
// (always strings), so every schema accepts both shapes.
import { isIP } from 'node:net';
import { z } from 'zod';
import { SERVICE_OVERLAYS, type ServiceOverlay } from './overlays.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What an acknowledged message survives. `full`: a process crash and an operating-system crash or power loss
 * (SQLite synchronous=FULL: every commit waits for fsync). `process`: a process crash only; a power loss may
 * roll back the last commits before the WAL was synced (SQLite synchronous=NORMAL).
 */
export const DURABILITY_MODES = ['full', 'process'] as const;
export type Durability = (typeof DURABILITY_MODES)[number];

export interface HostPort {
  host: string;
  port: number;
}

export interface Field {
  /** Path in the YAML file, e.g. ['db', 'host']. */
  path: readonly string[];
  env: string;
  /** Completes "expected ..." in an error message. */
  expected: string;
  schema: z.ZodType;
  /** Used when neither the file nor the environment sets the key; undefined means "unset". */
  default?: unknown;
  /** Never echoed back in error messages. */
  secret?: boolean;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isHostname(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (value.length > 253) return false;
  return value.split('.').every((label) => LABEL.test(label));
}

const port = z
  .union([z.number(), z.string().trim().regex(/^\d{1,5}$/).transform(Number)])
  .pipe(z.int().min(0).max(65535));

/** A comma-separated string in the environment, a list (or a lone value) in YAML. */
function list<O>(item: z.ZodType<O, any>) {
  return z
    .union([z.array(z.union([z.string(), z.number()])), z.string(), z.number()])
    .transform((v) => (Array.isArray(v) ? v : typeof v === 'number' ? [v] : v.split(',').map((s) => s.trim())))
    .pipe(z.array(item).min(1));
}

const portList = list(port).refine((ports: number[]) => ports.filter((p) => p !== 0).length === new Set(ports.filter((p) => p !== 0)).size, {
  message: 'a port is listed twice',
  params: { own: true },
});

const host = z.string().trim().min(1).refine(isHostname);

/** `host:port`, `[v6]:port`; the port may be left out when a default exists. */
function hostPort(defaultPort?: number) {
  return z
    .string()
    .trim()
    .transform((value, ctx): HostPort => {
      const m = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(value) ?? /^([^:\s]+)(?::(\d{1,5}))?$/.exec(value);
      const p = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
      if (!m || p === undefined || p > 65535 || !isHostname(m[1]!)) {
        ctx.addIssue({ code: 'custom', message: 'not host:port' });
        return z.NEVER;
      }
      return { host: m[1]!, port: p };
    });
}

const nonEmpty = z.string().trim().min(1);
const endpoint = z.string().trim().regex(/^\S+$/);

/** A whole number at least `min`. */
function count(min: number) {
  return z.union([z.number(), z.string().trim().regex(/^\d{1,15}$/).transform(Number)]).pipe(z.int().min(min));
}

/** Seconds, fractions allowed (tests use short deadlines). */
const seconds = z
  .union([z.number(), z.string().trim().regex(/^\d{1,9}(\.\d{1,3})?$/).transform(Number)])
  .pipe(z.number().gt(0).max(30 * 24 * 3600));

/** A rate as "burst/perSecond": burst a whole number, perSecond possibly a fraction (0.5 = one every 2 s). */
const RATE = /^(\d{1,9})\/(\d{1,9}(?:\.\d{1,6})?)$/;

/** "group=burst/perSecond,..." (a YAML mapping of group: "burst/perSecond" too), or 0: every group off. */
function rpcRates() {
  return z
    .union([z.number(), z.string(), z.record(z.string(), z.union([z.string(), z.number()]))])
    .transform((value, ctx): Record<string, { burst: number; perSecond: number }> | null => {
      if (value === 0 || value === '0') return null;
      const pairs: [string, string][] =
        typeof value === 'object'
          ? Object.entries(value).map(([k, v]) => [k, String(v)])
          : String(value)
              .split(',')
              .map((p) => p.trim().split('=') as [string, string]);
      const rates: Record<string, { burst: number; perSecond: number }> = {};
      for (const [group, rate] of pairs) {
        const m = RATE.exec(rate?.trim() ?? '');
        if (!/^[a-z][a-z0-9_]{0,31}$/.test(group?.trim() ?? '') || !m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
          ctx.addIssue({ code: 'custom', message: 'not group=burst/perSecond' });
          return z.NEVER;
        }
        rates[group.trim()] = { burst: Number(m[1]), perSecond: Number(m[2]) };
      }
      return rates;
    });
}

export const FIELDS = {
  dataDir: { path: ['dataDir'], env: 'ECHO_DATA_DIR', expected: 'a directory path', schema: nonEmpty, default: './data' },
  // The server's RSA key file; every node of a DC names a copy of one file so they all present one key.
  serverKey: { path: ['serverKey'], env: 'ECHO_SERVER_KEY', expected: 'the path of a PEM RSA private key file', schema: nonEmpty },
  host: {
    path: ['host'],
    env: 'ECHO_HOST',
    expected: 'an IP address or host name that clients can reach',
    schema: host,
    default: '127.0.0.1',
  },
  listen: { path: ['listen'], env: 'ECHO_LISTEN', expected: 'an IP address or host name to bind to', schema: host, default: '127.0.0.1' },
  tcpPorts: {
    path: ['tcpPorts'],
    env: 'ECHO_TCP_PORTS',
    expected: 'a comma-separated list of port numbers 0-65535',
    schema: portList,
    default: '10443,5222',
  },
  httpPort: { path: ['httpPort'], env: 'ECHO_HTTP_PORT', expected: 'a port number 0-65535', schema: port, default: 8801 },
  tlsCert: { path: ['tlsCert'], env: 'ECHO_TLS_CERT', expected: 'the path of a PEM certificate file', schema: nonEmpty },
  tlsKey: { path: ['tlsKey'], env: 'ECHO_TLS_KEY', expected: 'the path of a PEM private key file', schema: nonEmpty },
  logLevel: {
    path: ['logLevel'],
    env: 'ECHO_LOG_LEVEL',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    schema: z.string().trim().toLowerCase().pipe(z.enum(LOG_LEVELS)),
    default: 'info',
  },
  // GramJS's StringSession stores the DC id in one byte.
  dcId: {
    path: ['dcId'],
    env: 'ECHO_DC_ID',
    expected: 'a DC number 1-255',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.int().min(1).max(255)),
    default: 2,
  },
  // Auth key creations per client address: "burst/perSecond"; 0 turns the limit off (benchmarks).
  handshakeRate: {
    path: ['handshakeRate'],
    env: 'ECHO_HANDSHAKE_RATE',
    expected: 'burst/perSecond (e.g. 100/20), or 0 for no limit',
    schema: z
      .union([z.number(), z.string()])
      .transform((v) => String(v).trim())
      .pipe(z.string().regex(/^(0|\d{1,6}\/\d{1,6})$/))
      .transform((v) => (v === '0' ? null : { burst: Number(v.split('/')[0]), perSecond: Number(v.split('/')[1]) })),
    default: '100/20',
  },
  // Threads running auth key handshakes (RSA and DH, ~5 ms each) off the main event loop; 0 runs them on it.
  // Absent: one per core but the main thread's, at least 1 and at most 4.
  handshakeWorkers: {
    path: ['handshakeWorkers'],
    env: 'ECHO_HANDSHAKE_WORKERS',
    expected: 'a number of threads 0-64',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,2}$/).transform(Number)]).pipe(z.int().min(0).max(64)),
  },
  // Gateway processes holding the client TCP sockets (framing, obfuscation, MTProto encryption) on the other
  // cores; 0 keeps every connection in the main process. Absent: 0 for now (see README "Every core").
  workers: {
    path: ['workers'],
    env: 'ECHO_WORKERS',
    expected: 'a number of gateway processes 0-64',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,2}$/).transform(Number)]).pipe(z.int().min(0).max(64)),
  },
  // What this node runs: `all` (connections and the core), `core` (sessions, handlers, storage: clients come
  // through gateway nodes linked to it), `gateway` (client connections only, linked to core nodes).
  role: { path: ['role'], env: 'ECHO_ROLE', expected: 'all, core or gateway', schema: z.enum(['all', 'core', 'gateway']), default: 'all' },
  // Where a core node takes links from gateway nodes (required with role core; optional with all).
  gatewayLinkListen: { path: ['gatewayLinkListen'], env: 'ECHO_GATEWAY_LINK_LISTEN', expected: 'host:port (e.g. 10.0.0.5:10500)', schema: hostPort() },
  // The core nodes a gateway node links to (required with role gateway); each client connection goes to one.
  coreLinks: { path: ['coreLinks'], env: 'ECHO_CORE_LINKS', expected: 'a comma-separated list of host:port', schema: list(hostPort()) },
  // Proves a gateway to a core (HMAC of a challenge): required unless every link stays on loopback.
  linkSecret: {
    path: ['linkSecret'],
    env: 'ECHO_LINK_SECRET',
    expected: 'a secret of at least 16 characters without spaces',
    schema: z.string().trim().regex(/^\S{16,512}$/),
    secret: true,
  },
  // What an acknowledged write survives; README "Durability" explains what `process` risks.
  durability: {
    path: ['durability'],
    env: 'ECHO_DURABILITY',
    expected: `one of ${DURABILITY_MODES.join(', ')}`,
    schema: z.string().trim().toLowerCase().pipe(z.enum(DURABILITY_MODES)),
    default: 'full',
  },
  // Least time between the starts of two message-send transactions: under a moderate load, sends arriving a
  // few milliseconds apart share one commit instead of paying one each (README "Performance"). 0: none.
  commitWindowMs: {
    path: ['commitWindowMs'],
    env: 'ECHO_COMMIT_WINDOW_MS',
    expected: 'a number of milliseconds 0-100',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.int().min(0).max(100)),
    default: 4,
  },
  adminListen: {
    path: ['adminListen'],
    env: 'ECHO_ADMIN_LISTEN',
    expected: 'host:port (e.g. 127.0.0.1:8802)',
    schema: hostPort(),
    default: '127.0.0.1:8802',
  },
  // Bearer token of the admin HTTP API; unset, the API is off (metrics and health checks stay open).
  adminToken: {
    path: ['adminToken'],
    env: 'ECHO_ADMIN_TOKEN',
    expected: 'a token of at least 16 characters without spaces',
    schema: z.string().trim().regex(/^\S{16,512}$/),
    secret: true,
  },

  // Per-service overlay files merged over the main file (overlays.ts): `all` (those that exist), `none`, or a list.
  // Read from the main file or the environment only: an overlay cannot choose the overlays.
  overlays: {
    path: ['overlays'],
    env: 'ECHO_OVERLAYS',
    expected: `all, none, or a comma-separated list of ${SERVICE_OVERLAYS.join(', ')}`,
    schema: z
      .union([z.array(z.string()), z.string()])
      .transform((v) => (Array.isArray(v) ? v.map((s) => s.trim()) : v.split(',').map((s) => s.trim())))
      .refine((names) => names.length > 0)
      .transform((names): ServiceOverlay[] | null => {
        if (names.length === 1 && names[0] === 'all') return [...SERVICE_OVERLAYS];
        if (names.length === 1 && names[0] === 'none') return [];
        if (!names.every((n) => (SERVICE_OVERLAYS as readonly string[]).includes(n)) || new Set(names).size !== names.length) return null;
        // Always the architecture's order, whatever order the list gives.
        return SERVICE_OVERLAYS.filter((s) => names.includes(s));
      })
      .pipe(z.array(z.enum(SERVICE_OVERLAYS))),
    default: 'all',
  },

  // Sign-in: where login codes go (unset: the log and `echod codes`), and a fixed code for test set-ups.
  codeWebhook: {
    path: ['auth', 'codeWebhook'],
    env: 'ECHO_CODE_WEBHOOK',
    expected: 'an http:// or https:// URL',
    schema: z.string().trim().regex(/^https?:\/\/\S+$/i),
  },
  fixedCode: {
    path: ['auth', 'fixedCode'],
    env: 'ECHO_FIXED_CODE',
    expected: 'exactly 5 digits (quote it in YAML)',
    schema: z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().regex(/^\d{5}$/)),
  },

  // Files: the largest upload accepted (bytes; unset: 2 GiB) and the per-user upload rate ("burstMB/perSecondMB", 0 = off).
  maxFileSize: {
    path: ['media', 'maxFileSize'],
    env: 'ECHO_MAX_FILE_SIZE',
    expected: 'a size in bytes (at least 1024)',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,15}$/).transform(Number)]).pipe(z.int().min(1024)),
  },
  uploadRate: {
    path: ['media', 'uploadRate'],
    env: 'ECHO_UPLOAD_RATE',
    expected: 'burstMB/perSecondMB (e.g. 512/128), or 0 for no limit',
    schema: z
      .union([z.number(), z.string()])
      .transform((v) => String(v).trim())
      .pipe(z.string().regex(/^(0|\d{1,6}\/\d{1,6})$/))
      .transform((v) => (v === '0' ? null : { burstMb: Number(v.split('/')[0]), perSecondMb: Number(v.split('/')[1]) })),
  },

  // Limits for the open internet (issue 16; docs: etc/echod.example.yaml, README "Limits"). Times in seconds.
  maxConnectionsPerAddress: {
    path: ['limits', 'connectionsPerAddress'],
    env: 'ECHO_MAX_CONNECTIONS_PER_ADDRESS',
    expected: 'a number of connections (at least 1)',
    schema: count(1),
    default: 1000,
  },
  maxConnections: { path: ['limits', 'connections'], env: 'ECHO_MAX_CONNECTIONS', expected: 'a number of connections (at least 1)', schema: count(1), default: 100_000 },
  firstFrameTimeout: { path: ['limits', 'firstFrameTimeout'], env: 'ECHO_FIRST_FRAME_TIMEOUT', expected: 'seconds (more than 0)', schema: seconds, default: 10 },
  handshakeTimeout: { path: ['limits', 'handshakeTimeout'], env: 'ECHO_HANDSHAKE_TIMEOUT', expected: 'seconds (more than 0)', schema: seconds, default: 30 },
  unauthorizedIdleTimeout: {
    path: ['limits', 'unauthorizedIdleTimeout'],
    env: 'ECHO_UNAUTHORIZED_IDLE_TIMEOUT',
    expected: 'seconds (more than 0)',
    schema: seconds,
    default: 120,
  },
  idleTimeout: { path: ['limits', 'idleTimeout'], env: 'ECHO_IDLE_TIMEOUT', expected: 'seconds (more than 0)', schema: seconds, default: 600 },
  outboundBufferHigh: {
    path: ['limits', 'outboundBufferHigh'],
    env: 'ECHO_OUTBOUND_BUFFER_HIGH',
    expected: 'a size in bytes (at least 1024)',
    schema: count(1024),
    default: 2 * 1024 * 1024,
  },
  outboundBufferMax: {
    path: ['limits', 'outboundBufferMax'],
    env: 'ECHO_OUTBOUND_BUFFER_MAX',
    expected: 'a size in bytes (at least 1024)',
    schema: count(1024),
    default: 16 * 1024 * 1024,
  },
  drainTimeout: { path: ['limits', 'drainTimeout'], env: 'ECHO_DRAIN_TIMEOUT', expected: 'seconds (more than 0)', schema: seconds, default: 30 },
  maxSessionsPerAuthKey: {
    path: ['limits', 'sessionsPerAuthKey'],
    env: 'ECHO_MAX_SESSIONS_PER_AUTH_KEY',
    expected: 'a number of sessions (at least 1)',
    schema: count(1),
    default: 64,
  },
  sessionIdleTimeout: { path: ['limits', 'sessionIdleTimeout'], env: 'ECHO_SESSION_IDLE_TIMEOUT', expected: 'seconds (more than 0)', schema: seconds, default: 1800 },
  // 0 turns it off (benchmarks creating thousands of keys from one address).
  authKeysPerAddressPerHour: {
    path: ['limits', 'authKeysPerAddressPerHour'],
    env: 'ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR',
    expected: 'a number of auth keys, or 0 for no limit',
    schema: count(0),
    default: 1000,
  },
  // Per-user RPC rates by method group (src/bff/flood-limits.ts): "group=burst/perSecond,..." overrides those
  // groups; 0 turns every group off. Unset: the table's defaults.
  rpcRates: {
    path: ['limits', 'rpcRates'],
    env: 'ECHO_RPC_RATES',
    expected: 'group=burst/perSecond pairs (e.g. search=30/1,history=200/20), or 0 for no limit',
    schema: rpcRates(),
  },

  // Scale-out engines: unset means the embedded adapter.
  dbHost: { path: ['db', 'host'], env: 'DB_HOST', expected: 'the MySQL host name or IP address', schema: host },
  dbPort: { path: ['db', 'port'], env: 'DB_PORT', expected: 'a port number 1-65535', schema: port.pipe(z.int().min(1)), default: 3306 },
  dbUser: { path: ['db', 'user'], env: 'DB_USER', expected: 'a user name', schema: nonEmpty, default: 'echo' },
  dbPassword: { path: ['db', 'password'], env: 'DB_PASSWORD', expected: 'a password', schema: z.string(), default: '', secret: true },
  dbName: {
    path: ['db', 'name'],
    env: 'DB_NAME',
    expected: 'a database name (letters, digits, _ and $)',
    schema: z.string().trim().regex(/^[A-Za-z0-9_$]{1,64}$/),
    default: 'echo',
  },
  dbPoolSize: {
    path: ['db', 'poolSize'],
    env: 'DB_POOL_SIZE',
    expected: 'a number of connections 1-1000',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,4}$/).transform(Number)]).pipe(z.int().min(1).max(1000)),
    default: 10,
  },
  dbReadHosts: { path: ['db', 'readHosts'], env: 'DB_READ_HOSTS', expected: 'a comma-separated list of host:port (read replicas)', schema: list(hostPort(3306)) },
  redisHost: { path: ['redis', 'host'], env: 'REDIS_HOST', expected: 'host or host:port', schema: hostPort(6379) },
  // REDIS_PORT wins over a port given in REDIS_HOST.
  redisPort: { path: ['redis', 'port'], env: 'REDIS_PORT', expected: 'a port number 1-65535', schema: port.pipe(z.int().min(1)) },
  redisPassword: { path: ['redis', 'password'], env: 'REDIS_PASSWORD', expected: 'a password', schema: z.string(), secret: true },
  redisDb: {
    path: ['redis', 'db'],
    env: 'REDIS_DB',
    expected: 'a database number 0-255',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.int().min(0).max(255)),
    default: 0,
  },
  // The two other forms of Redis (ioredis's own support); at most one of host, sentinels and clusterNodes.
  redisSentinels: {
    path: ['redis', 'sentinels'],
    env: 'REDIS_SENTINELS',
    expected: 'a comma-separated list of Sentinel host:port',
    schema: list(hostPort(26379)),
  },
  redisSentinelName: {
    path: ['redis', 'sentinelName'],
    env: 'REDIS_SENTINEL_NAME',
    expected: 'the name of the master group the sentinels monitor (no spaces)',
    schema: z.string().trim().regex(/^\S{1,200}$/),
    default: 'mymaster',
  },
  redisClusterNodes: {
    path: ['redis', 'clusterNodes'],
    env: 'REDIS_CLUSTER_NODES',
    expected: 'a comma-separated list of Redis Cluster host:port (some of the nodes are enough)',
    schema: list(hostPort(6379)),
  },
  kafkaBrokers: { path: ['kafka', 'brokers'], env: 'KAFKA_BROKERS', expected: 'a comma-separated list of host:port', schema: list(hostPort(9092)) },
  kafkaPartitions: {
    path: ['kafka', 'partitions'],
    env: 'KAFKA_PARTITIONS',
    expected: 'the partition count of the topics Echo creates, 1-1000',
    schema: z.union([z.number(), z.string().trim().regex(/^\d{1,4}$/).transform(Number)]).pipe(z.int().min(1).max(1000)),
    default: 6,
  },
  kafkaTopicPrefix: {
    path: ['kafka', 'topicPrefix'],
    env: 'KAFKA_TOPIC_PREFIX',
    expected: 'letters, digits, ".", "_" and "-" (prepended to topic and group names)',
    schema: z.string().trim().regex(/^[A-Za-z0-9._-]{0,100}$/),
    default: '',
  },
  etcdEndpoints: {
    path: ['etcd', 'endpoints'],
    env: 'ETCD_ENDPOINTS',
    expected: 'a comma-separated list of endpoints (http://host:2379)',
    schema: list(endpoint),
  },
  minioEndpoint: { path: ['minio', 'endpoint'], env: 'MINIO_ENDPOINT', expected: 'an S3 endpoint (http://host:9000)', schema: endpoint },
  minioAccessKey: { path: ['minio', 'accessKey'], env: 'MINIO_ACCESS_KEY', expected: 'an access key', schema: nonEmpty },
  minioSecretKey: { path: ['minio', 'secretKey'], env: 'MINIO_SECRET_KEY', expected: 'a secret key', schema: nonEmpty, secret: true },
  // Only for an endpoint given without a scheme (host:port, as MinIO's own clients take it).
  minioUseSsl: {
    path: ['minio', 'useSsl'],
    env: 'MINIO_USE_SSL',
    expected: 'true or false',
    schema: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]),
  },
} as const satisfies Record<string, Field>;

export type FieldName = keyof typeof FIELDS;
