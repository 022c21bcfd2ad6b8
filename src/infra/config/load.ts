// Settings come from defaults, then the YAML file and the per-service overlays beside it (overlays.ts), then
// the environment (each overriding the one before).
// Every value is checked here so that a mistake stops start-up with one line naming the key and its source.
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './errors.js';
import { FIELDS, type Durability, type Field, type FieldName, type HostPort, type LogLevel } from './fields.js';
import { serverKeyPath } from '../keys.js';
import { limitsFrom, type LimitsConfig } from './limits.js';
import { overlayFileName, type ServiceOverlay } from './overlays.js';
import { endpointHost, isLoopback, passwordProblem } from './secrets.js';

export const DEFAULT_CONFIG_FILE = 'etc/echod.yaml';

export interface EchoConfig {
  /** The YAML file that was read, or null when there was none. */
  configFile: string | null;
  /** The per-service overlay files merged over it, in the order applied (absolute). */
  overlayFiles: string[];
  /** Absolute. */
  dataDir: string;
  /** The server RSA key file (absolute): ECHO_SERVER_KEY, else `<dataDir>/server-key.pem`. */
  serverKeyFile: string;
  /** True when ECHO_SERVER_KEY named the file: it must exist (a node never invents a DC's key). */
  serverKeyGiven: boolean;
  /** Address advertised to clients (help.getConfig dc_options, client-config). */
  host: string;
  /** Bind address of the MTProto TCP and HTTP listeners. */
  listen: string;
  /** 0 means "any free port". */
  tcpPorts: number[];
  httpPort: number;
  /** Set: the HTTP port serves HTTPS and WSS. Absolute paths. */
  tls: { certFile: string; keyFile: string } | null;
  logLevel: LogLevel;
  dcId: number;
  /** Auth key handshake threads; 0: on the main event loop. */
  handshakeWorkers: number;
  /** Gateway processes holding the client TCP sockets; 0: the main process holds them. */
  workers: number;
  /** all: connections and core; core: no client listener, gateways link to it; gateway: connections only. */
  role: 'all' | 'core' | 'gateway';
  /** The links between gateway nodes and core nodes (README "Several nodes"). */
  links: { listen: HostPort | null; cores: HostPort[]; secret: string | null };
  /** Handshakes per client address (token bucket); null = unlimited. */
  handshakeRate: { burst: number; perSecond: number } | null;
  /** What an acknowledged write survives: `full` (power loss too) or `process` (a process crash only). */
  durability: Durability;
  /** Least time between the starts of two message-send transactions, in ms. */
  commitWindowMs: number;
  adminListen: HostPort;
  /** Connection, slow-client, back-pressure, session and RPC flood limits (limits.* in the file). */
  limits: LimitsConfig;
  /** Bearer token of the admin API; null = API disabled. */
  adminToken: string | null;
  sql:
    | { engine: 'sqlite' }
    | { engine: 'mysql'; host: string; port: number; user: string; password: string; database: string; poolSize: number; readHosts: HostPort[] };
  cache: { engine: 'memory' } | RedisConfig;
  bus: { engine: 'memory' } | { engine: 'kafka'; brokers: HostPort[]; partitions: number; topicPrefix: string };
  discovery: { engine: 'single' } | { engine: 'etcd'; endpoints: string[] };
  blob: { engine: 'disk' } | { engine: 's3'; endpoint: string; accessKey: string; secretKey: string };
  /** Set: login codes are POSTed there as JSON instead of being logged. */
  codeWebhook?: string;
  /** Set: every login code is this (test set-ups only). */
  fixedCode?: string;
  /** Largest accepted upload in bytes; unset: the media area's default (2 GiB). */
  maxFileSize?: number;
  /** Per-user upload rate in MB (token bucket); null = unlimited, unset = the media area's default. */
  uploadRate?: { burstMb: number; perSecondMb: number } | null;
}

/**
 * Redis in one of its three forms, each as ioredis connects to it: one server (host), a master found through
 * Sentinel (sentinels + sentinelName), or a Cluster (some of its nodes; no database but 0).
 */
export type RedisConfig = { engine: 'redis'; password?: string } & (
  | { host: string; port: number; db: number }
  | { sentinels: HostPort[]; sentinelName: string; db: number }
  | { clusterNodes: HostPort[] }
);

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** YAML file; wins over ECHO_CONFIG. When given (either way) it must exist. */
  file?: string;
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string;
}

/** One YAML document: the main file or an overlay. */
interface Layer {
  doc: Record<string, unknown>;
  /** As shown in messages (relative when given so). */
  file: string;
  /** Absolute. */
  path: string;
}

type Source = { kind: 'default' } | { kind: 'env'; name: string } | { kind: 'file'; file: string; key: string };
type Raw = { value: unknown; source: Source };

export function loadConfig(options: LoadConfigOptions = {}): EchoConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? nonEmpty(env.ECHO_CONFIG);
  const fileName = explicit ?? DEFAULT_CONFIG_FILE;
  const filePath = resolve(cwd, fileName);
  const yaml = readYaml(filePath, fileName, explicit !== undefined);
  const layers: Layer[] = yaml ? [{ doc: yaml, file: fileName, path: filePath }] : [];
  layers.push(...readOverlays(layers, env, cwd, fileName));

  const raw = new Map<FieldName, Raw>();
  for (const [name, field] of Object.entries(FIELDS) as [FieldName, Field][]) {
    const fromEnv = nonEmpty(env[field.env]);
    const fromFile = valueInLayers(layers, field);
    if (fromEnv !== undefined) raw.set(name, { value: fromEnv, source: { kind: 'env', name: field.env } });
    else if (fromFile !== undefined) raw.set(name, { value: fromFile.value, source: { kind: 'file', file: fromFile.file, key: field.path.join('.') } });
    else if (field.default !== undefined) raw.set(name, { value: field.default, source: { kind: 'default' } });
  }

  // Every value given is checked, including those of engines not selected (a wrong DB_PORT is reported even
  // without DB_HOST: it is a mistake either way).
  const parsed = new Map<FieldName, unknown>();
  for (const name of Object.keys(FIELDS) as FieldName[]) parsed.set(name, parseField(name, raw.get(name)));
  const get = (name: FieldName) => parsed.get(name);
  const sourceOf = (name: FieldName) => describe(raw.get(name)?.source, FIELDS[name]);
  const fail = (message: string, name: FieldName): never => {
    throw new ConfigError(message, keyOf(raw.get(name)?.source, FIELDS[name]));
  };

  const tcpPorts = get('tcpPorts') as number[];
  const httpPort = get('httpPort') as number;
  if (httpPort !== 0 && tcpPorts.includes(httpPort))
    fail(`${sourceOf('httpPort')}: port ${httpPort} is also one of the TCP ports (${sourceOf('tcpPorts')})`, 'httpPort');

  const config: EchoConfig = {
    configFile: yaml ? filePath : null,
    overlayFiles: layers.slice(yaml ? 1 : 0).map((l) => l.path),
    dataDir: resolve(cwd, get('dataDir') as string),
    serverKeyFile: raw.has('serverKey') ? resolve(cwd, get('serverKey') as string) : serverKeyPath(resolve(cwd, get('dataDir') as string)),
    serverKeyGiven: raw.has('serverKey'),
    host: get('host') as string,
    listen: get('listen') as string,
    tcpPorts,
    httpPort,
    tls: tlsFiles(get('tlsCert') as string | undefined, get('tlsKey') as string | undefined, cwd, sourceOf, fail),
    logLevel: get('logLevel') as LogLevel,
    dcId: get('dcId') as number,
    handshakeWorkers: (get('handshakeWorkers') as number | undefined) ?? Math.min(4, Math.max(1, availableParallelism() - 1)),
    workers: (get('workers') as number | undefined) ?? 0,
    role: get('role') as EchoConfig['role'],
    links: linksFrom(get, raw, sourceOf, fail),
    handshakeRate: get('handshakeRate') as EchoConfig['handshakeRate'],
    durability: get('durability') as Durability,
    commitWindowMs: get('commitWindowMs') as number,
    adminListen: get('adminListen') as HostPort,
    limits: limitsFrom(get, (name) => raw.has(name)),
    adminToken: (get('adminToken') as string | undefined) ?? null,
    sql: sqlEngine(get),
    cache: cacheEngine(get, raw, sourceOf, fail),
    bus: raw.has('kafkaBrokers')
      ? { engine: 'kafka', brokers: get('kafkaBrokers') as HostPort[], partitions: get('kafkaPartitions') as number, topicPrefix: get('kafkaTopicPrefix') as string }
      : { engine: 'memory' },
    discovery: raw.has('etcdEndpoints') ? { engine: 'etcd', endpoints: get('etcdEndpoints') as string[] } : { engine: 'single' },
    blob: blobEngine(get, raw, sourceOf, fail),
    // Present only when set, so a config without them equals one from before they existed.
    ...(raw.has('codeWebhook') ? { codeWebhook: get('codeWebhook') as string } : {}),
    ...(raw.has('fixedCode') ? { fixedCode: get('fixedCode') as string } : {}),
    ...(raw.has('maxFileSize') ? { maxFileSize: get('maxFileSize') as number } : {}),
    ...(raw.has('uploadRate') ? { uploadRate: get('uploadRate') as EchoConfig['uploadRate'] } : {}),
  };
  checkPasswords(config, sourceOf, fail);
  return config;
}

function linksFrom(get: (name: FieldName) => unknown, raw: Map<FieldName, Raw>, sourceOf: (n: FieldName) => string, fail: Fail): EchoConfig['links'] {
  const role = get('role') as EchoConfig['role'];
  const listen = (get('gatewayLinkListen') as HostPort | undefined) ?? null;
  const cores = (get('coreLinks') as HostPort[] | undefined) ?? [];
  const secret = (get('linkSecret') as string | undefined) ?? null;
  if (role === 'core' && !listen) fail(`${sourceOf('gatewayLinkListen')}: required with ${sourceOf('role')} core (gateway nodes link to it there)`, 'gatewayLinkListen');
  if (role === 'gateway' && cores.length === 0) fail(`${sourceOf('coreLinks')}: required with ${sourceOf('role')} gateway (the core nodes it links to)`, 'coreLinks');
  if (role === 'gateway' && raw.has('gatewayLinkListen')) fail(`${sourceOf('gatewayLinkListen')}: a gateway node takes no links; set it on the core nodes`, 'gatewayLinkListen');
  const offLoopback = [...(listen ? [listen.host] : []), ...(role === 'gateway' ? cores.map((c) => c.host) : [])].find((h) => !isLoopback(h));
  if (secret === null && offLoopback !== undefined) fail(`${sourceOf('linkSecret')}: required, since a gateway link uses ${offLoopback}, which is not loopback`, 'linkSecret');
  return { listen, cores, secret };
}

/** Refuses published example passwords anywhere, and empty ones for an engine off this machine. */
function checkPasswords(config: EchoConfig, sourceOf: (n: FieldName) => string, fail: Fail): void {
  const refuse = (name: FieldName, problem: string | null) => {
    if (problem !== null) fail(`${sourceOf(name)}: ${problem}`, name);
  };
  const { sql, cache, blob } = config;
  if (sql.engine === 'mysql') refuse('dbPassword', passwordProblem(sql.password, [sql.host, ...sql.readHosts.map((h) => h.host)], 'the MySQL host'));
  if (cache.engine === 'redis') {
    const hosts = 'host' in cache ? [cache.host] : 'sentinels' in cache ? cache.sentinels.map((h) => h.host) : cache.clusterNodes.map((h) => h.host);
    refuse('redisPassword', passwordProblem(cache.password, hosts, 'the Redis host'));
  }
  if (blob.engine === 's3') refuse('minioSecretKey', passwordProblem(blob.secretKey, [endpointHost(blob.endpoint)], 'the S3 endpoint'));
}

/** A copy safe to log: secrets replaced. */
export function redactConfig(config: EchoConfig): EchoConfig {
  const copy = structuredClone(config);
  if (copy.sql.engine === 'mysql' && copy.sql.password) copy.sql.password = '[redacted]';
  if (copy.blob.engine === 's3') copy.blob.secretKey = '[redacted]';
  if (copy.cache.engine === 'redis' && copy.cache.password) copy.cache.password = '[redacted]';
  if (copy.adminToken !== null) copy.adminToken = '[redacted]';
  if (copy.links.secret !== null) copy.links = { ...copy.links, secret: '[redacted]' };
  return copy;
}

function sqlEngine(get: (name: FieldName) => unknown): EchoConfig['sql'] {
  const host = get('dbHost') as string | undefined;
  if (host === undefined) return { engine: 'sqlite' };
  return {
    engine: 'mysql',
    host,
    port: get('dbPort') as number,
    user: get('dbUser') as string,
    password: get('dbPassword') as string,
    database: get('dbName') as string,
    poolSize: get('dbPoolSize') as number,
    readHosts: (get('dbReadHosts') as HostPort[] | undefined) ?? [],
  };
}

const REDIS_FORMS = ['redisHost', 'redisSentinels', 'redisClusterNodes'] as const;

function cacheEngine(
  get: (name: FieldName) => unknown,
  raw: Map<FieldName, Raw>,
  sourceOf: (n: FieldName) => string,
  fail: Fail,
): EchoConfig['cache'] {
  const given = REDIS_FORMS.filter((name) => raw.has(name));
  // A key with a default counts as set only when the file or the environment gave it.
  const explicit = (name: FieldName) => raw.has(name) && raw.get(name)!.source.kind !== 'default';
  if (given.length > 1)
    fail(`${given.map(sourceOf).join(' and ')}: choose one form of Redis (single server, Sentinel or Cluster)`, given[1]!);
  const form = given[0];
  if (form !== 'redisSentinels' && explicit('redisSentinelName'))
    fail(`${sourceOf('redisSentinelName')}: set, but ${FIELDS.redisSentinels.env} (redis.sentinels) is not`, 'redisSentinelName');
  if (form === undefined) return { engine: 'memory' };
  if (form !== 'redisHost' && raw.has('redisPort'))
    fail(`${sourceOf('redisPort')}: applies to ${FIELDS.redisHost.env} only; give the ports in ${sourceOf(form)}`, 'redisPort');
  const password = get('redisPassword') as string | undefined;
  const auth = password ? { password } : {};
  const db = get('redisDb') as number;
  if (form === 'redisSentinels')
    return { engine: 'redis', sentinels: get('redisSentinels') as HostPort[], sentinelName: get('redisSentinelName') as string, ...auth, db };
  if (form === 'redisClusterNodes') {
    if (explicit('redisDb') && db !== 0) fail(`${sourceOf('redisDb')}: Redis Cluster has only database 0, got ${db}`, 'redisDb');
    return { engine: 'redis', clusterNodes: get('redisClusterNodes') as HostPort[], ...auth };
  }
  const { host, port } = get('redisHost') as HostPort;
  return { engine: 'redis', host, port: (get('redisPort') as number | undefined) ?? port, ...auth, db };
}

type Fail = (message: string, name: FieldName) => never;

function blobEngine(
  get: (name: FieldName) => unknown,
  raw: Map<FieldName, Raw>,
  sourceOf: (n: FieldName) => string,
  fail: Fail,
): EchoConfig['blob'] {
  const endpoint = get('minioEndpoint') as string | undefined;
  const accessKey = get('minioAccessKey') as string | undefined;
  const secretKey = get('minioSecretKey') as string | undefined;
  if (endpoint === undefined) {
    for (const name of ['minioAccessKey', 'minioSecretKey'] as const)
      if (raw.has(name)) fail(`${sourceOf(name)}: set, but ${FIELDS.minioEndpoint.env} (minio.endpoint) is not`, name);
    return { engine: 'disk' };
  }
  if (accessKey === undefined) fail(`${sourceOf('minioAccessKey')}: required when ${sourceOf('minioEndpoint')} is set`, 'minioAccessKey');
  if (secretKey === undefined) fail(`${sourceOf('minioSecretKey')}: required when ${sourceOf('minioEndpoint')} is set`, 'minioSecretKey');
  const useSsl = get('minioUseSsl') as boolean | undefined;
  const scheme = /^(https?):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
  if (scheme && useSsl !== undefined && (scheme === 'https') !== useSsl)
    fail(`${sourceOf('minioUseSsl')}: ${useSsl} contradicts the ${scheme}:// of ${sourceOf('minioEndpoint')}`, 'minioUseSsl');
  const url = scheme ? endpoint : `${useSsl ? 'https' : 'http'}://${endpoint}`;
  return { engine: 's3', endpoint: url, accessKey, secretKey };
}

function tlsFiles(
  cert: string | undefined,
  key: string | undefined,
  cwd: string,
  sourceOf: (n: FieldName) => string,
  fail: Fail,
): EchoConfig['tls'] {
  if (cert === undefined && key === undefined) return null;
  if (cert === undefined) fail(`${sourceOf('tlsCert')}: required when ${sourceOf('tlsKey')} is set (give both or neither)`, 'tlsCert');
  if (key === undefined) fail(`${sourceOf('tlsKey')}: required when ${sourceOf('tlsCert')} is set (give both or neither)`, 'tlsKey');
  const certFile = resolve(cwd, cert);
  const keyFile = resolve(cwd, key);
  for (const [name, path] of [['tlsCert', certFile], ['tlsKey', keyFile]] as const) {
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      // reported below
    }
    if (!isFile) fail(`${sourceOf(name)}: no such file: ${path}`, name);
  }
  return { certFile, keyFile };
}

function parseField(name: FieldName, raw: Raw | undefined): unknown {
  if (raw === undefined) return undefined;
  const field: Field = FIELDS[name];
  const result = field.schema.safeParse(raw.value);
  if (result.success) return result.data;
  // A refinement carries its own wording ("a port is listed twice"); anything else gets the generic one.
  const custom = result.error.issues.find((i) => i.code === 'custom' && i.params?.own === true)?.message;
  const got = field.secret ? '(hidden)' : show(raw.value);
  const detail = custom ? `${custom}, got ${got}` : `expected ${field.expected}, got ${got}`;
  throw new ConfigError(`${describe(raw.source, field)}: ${detail}`, keyOf(raw.source, field));
}

function keyOf(source: Source | undefined, field: Field): string {
  if (source?.kind === 'env') return source.name;
  if (source?.kind === 'file') return source.key;
  return field.env;
}

function describe(source: Source | undefined, field: Field): string {
  if (source?.kind === 'env') return source.name;
  if (source?.kind === 'file') return `${source.key} (${source.file})`;
  return `${field.env} / ${field.path.join('.')}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The overlays chosen by `overlays` (environment, else the main file, else all) that exist beside the main
 * file. An overlay may set any key but `overlays`; two overlays giving one key different values is an
 * error, since which one should win depends on which service the operator had in mind.
 */
function readOverlays(base: Layer[], env: NodeJS.ProcessEnv, cwd: string, mainFile: string): Layer[] {
  const field = FIELDS.overlays;
  const fromEnv = nonEmpty(env[field.env]);
  const fromFile = valueInLayers(base, field);
  const given: Raw =
    fromEnv !== undefined
      ? { value: fromEnv, source: { kind: 'env', name: field.env } }
      : fromFile !== undefined
        ? { value: fromFile.value, source: { kind: 'file', file: fromFile.file, key: 'overlays' } }
        : { value: field.default, source: { kind: 'default' } };
  const services = parseField('overlays', given) as ServiceOverlay[];
  const dir = dirname(mainFile);
  const overlays: Layer[] = [];
  for (const service of services) {
    const file = dir === '.' ? overlayFileName(service) : join(dir, overlayFileName(service));
    const path = resolve(cwd, file);
    const doc = readYaml(path, file, false);
    if (doc === null) continue;
    if (lookup(doc, field.path) !== undefined) failFile(`overlays (${file}): only ${mainFile} or ${field.env} choose the overlays`, 'overlays');
    overlays.push({ doc, file, path });
  }
  for (const f of Object.values(FIELDS) as Field[]) {
    const setting = overlays.filter((o) => present(lookup(o.doc, f.path)));
    const first = setting[0];
    const other = setting.find((o) => JSON.stringify(lookup(o.doc, f.path)) !== JSON.stringify(lookup(first!.doc, f.path)));
    if (first && other)
      failFile(`${f.path.join('.')}: ${first.file} and ${other.file} set different values; keep one, or put it in ${mainFile}`, f.path.join('.'));
  }
  return overlays;
}

/** The value of a field in the last layer that sets it (overlays come after the main file). */
function valueInLayers(layers: Layer[], field: Field): { value: unknown; file: string } | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const value = lookup(layers[i]!.doc, field.path);
    if (present(value)) return { value, file: layers[i]!.file };
  }
  return undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function failFile(message: string, key?: string): never {
  throw new ConfigError(message, key);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readYaml(path: string, shownName: string, required: boolean): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    failFile(`${shownName}: cannot read the configuration file (${code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    failFile(`${shownName}: not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMapping(doc)) failFile(`${shownName}: expected a mapping of settings at the top level`);
  checkUnknownKeys(doc, shownName);
  return doc;
}

/** Catches typos: a misspelt key would otherwise be silently ignored. */
function checkUnknownKeys(doc: Record<string, unknown>, shownName: string): void {
  const known = Object.values(FIELDS as Record<string, Field>).map((f) => f.path);
  const walk = (node: Record<string, unknown>, prefix: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      const path = [...prefix, key];
      const isLeaf = known.some((k) => k.length === path.length && k.every((p, i) => p === path[i]));
      const isGroup = known.some((k) => k.length > path.length && path.every((p, i) => p === k[i]));
      if (isLeaf) continue;
      if (isGroup) {
        if (value === null) continue;
        if (!isMapping(value)) failFile(`${path.join('.')} (${shownName}): expected a mapping`, path.join('.'));
        walk(value, path);
        continue;
      }
      failFile(`${path.join('.')} (${shownName}): unknown setting`, path.join('.'));
    }
  };
  walk(doc, []);
}

function lookup(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = doc;
  for (const key of path) {
    if (!isMapping(node)) return undefined;
    node = node[key];
  }
  return node;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
