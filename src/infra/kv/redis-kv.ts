// The KeyValueStore on Redis (ioredis), for state several echod nodes must share. Every key that is
// written with a TTL gets it in the same command (SET PX, or the increment script), so a node that dies
// between two commands cannot leave a key without expiry behind.
//
// Three forms, all through ioredis's own support: one server, a master found through Sentinel (ioredis asks
// the sentinels and follows a failover), or a Cluster. Cluster-safe by construction: every command and both
// scripts touch exactly one key (so no CROSSSLOT), and keys() scans every master instead of one node.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { KeyValueStore } from './kv.js';
import type { EngineMetrics } from '../metrics/metrics.js';

export interface RedisAddress {
  host: string;
  port: number;
}

/** Where Redis is: one server, the sentinels of a master group, or some nodes of a Cluster. */
export type RedisTarget = RedisAddress | { sentinels: RedisAddress[]; sentinelName: string } | { clusterNodes: RedisAddress[] };

export type RedisKvOptions = RedisTarget & {
  /** The data nodes' password (with Sentinel: the master's; the sentinels themselves without one). */
  password?: string;
  /** Not with a Cluster (it has only database 0). */
  db?: number;
  /** Per-command latency and failures (echo_engine_request_*{engine="redis"}). */
  metrics?: EngineMetrics;
  /** Extra ioredis options (tests: shorter timeouts); with a Cluster they apply to each node's connection. */
  redis?: Partial<RedisOptions>;
};

// INCRBY, and a new counter (one that did not exist before) starts its window: both in one atomic step.
const INCREMENT_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

// A token bucket on Redis's own clock (TIME), so every node refills it alike. Stored as "tokens/updatedMs";
// it expires once it would be full again, so idle users leave nothing behind.
const TAKE_TOKENS_SCRIPT = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = burst
local stored = redis.call('GET', KEYS[1])
if stored then
  local sep = string.find(stored, '/', 1, true)
  tokens = math.min(burst, tonumber(string.sub(stored, 1, sep - 1)) + (now - tonumber(string.sub(stored, sep + 1))) / 1000 * rate)
end
local wait = 0
if tokens < cost then wait = (cost - tokens) / rate else tokens = tokens - cost end
redis.call('SET', KEYS[1], tostring(tokens) .. '/' .. tostring(now), 'PX', math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)`;

type Scripts = {
  echoIncrement(key: string, by: string, ttlMs: string): Promise<number>;
  echoTakeTokens(key: string, burst: string, perSecond: string, cost: string): Promise<string>;
};
type Client = (Redis | Cluster) & Scripts;

const SCAN_BATCH = 500;

export class RedisKeyValueStore implements KeyValueStore {
  private readonly client: Client;
  /** Names Redis in every error line: its form and addresses. */
  readonly where: string;
  private lastError: string | undefined;

  constructor(private readonly options: RedisKvOptions) {
    this.where = describeTarget(options);
    const common = {
      ...(options.password ? { password: options.password } : {}),
      connectTimeout: 5000,
      // Commands issued while (re)connecting wait in the offline queue and fail only after this many attempts.
      maxRetriesPerRequest: 20,
    };
    // Keep reconnecting (capped backoff) so a restarted Redis, or a failed-over master, is picked up again.
    const retry = (times: number) => Math.min(50 * times, 1000);
    if ('clusterNodes' in options) {
      const { retryStrategy: _unused, ...redisOptions } = options.redis ?? {};
      this.client = new Cluster(options.clusterNodes, {
        lazyConnect: true,
        clusterRetryStrategy: retry,
        redisOptions: { ...common, ...redisOptions },
      }) as Client;
    } else {
      const target =
        'sentinels' in options
          ? { sentinels: options.sentinels, name: options.sentinelName, sentinelRetryStrategy: retry }
          : { host: options.host, port: options.port };
      this.client = new Redis({ ...target, ...common, db: options.db ?? 0, lazyConnect: true, retryStrategy: retry, ...options.redis }) as Client;
    }
    this.client.defineCommand('echoIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.client.defineCommand('echoTakeTokens', { numberOfKeys: 1, lua: TAKE_TOKENS_SCRIPT });
    // ioredis reports connection trouble as 'error' events; without a listener Node would treat them as
    // unhandled. The last one is kept so check() can say why Redis cannot be reached.
    this.client.on('error', (err: Error) => {
      this.lastError = err.message;
    });
  }

  /** The connection itself, for the Redis-only helpers built on it (presence map, broadcast). */
  get connection(): Redis | Cluster {
    return this.client;
  }

  /** Connects and PINGs; throws one line naming Redis and the reason. */
  async check(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(this.lastError ?? `no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      if (this.client.status === 'wait') await Promise.race([this.client.connect(), timeout]);
      const pong = await Promise.race([this.client.ping(), timeout]);
      if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${String(pong)}`);
      // ioredis selects the database on connect but only logs a failure; asking again surfaces it.
      if (this.client instanceof Redis) await Promise.race([this.client.select(this.options.db ?? 0), timeout]);
    } catch (err) {
      // ioredis rejects connect() with a generic "Connection is closed."; the socket error says why.
      const message = oneLine(err);
      throw new Error(`${this.where}: ${this.lastError && /Connection is closed|writeable/.test(message) ? oneLine(this.lastError) : message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.timed('get', () => this.client.get(key));
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.timed('set', () => (ttlMs === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', ttlMsOf(ttlMs))));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const ok = await this.timed('set', () =>
      ttlMs === undefined ? this.client.set(key, value, 'NX') : this.client.set(key, value, 'PX', ttlMsOf(ttlMs), 'NX'),
    );
    return ok === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.timed('del', () => this.client.del(key))) > 0;
  }

  async increment(key: string, ttlMs?: number, by = 1): Promise<number> {
    const value = await this.timed('incr', () => this.client.echoIncrement(key, String(by), ttlMs === undefined ? '' : String(ttlMsOf(ttlMs))));
    return Number(value);
  }

  async takeTokens(key: string, cost: number, limit: { burst: number; perSecond: number }): Promise<number> {
    const wait = await this.timed('tokens', () => this.client.echoTakeTokens(key, String(limit.burst), String(limit.perSecond), String(cost)));
    return Number(wait);
  }

  async keys(prefix: string): Promise<string[]> {
    const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
    const out = new Set<string>();
    // A Cluster's keys are spread over its masters, and SCAN sees one node's keys only: scan each master.
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await this.timed('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH));
        for (const k of batch) out.add(k);
        cursor = next;
      } while (cursor !== '0');
    }
    return [...out];
  }

  async close(): Promise<void> {
    // QUIT only on a live connection: on one that is (re)connecting it would wait for a server that is not there.
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async timed<T>(op: string, run: () => Promise<T>): Promise<T> {
    const metrics = this.options.metrics;
    if (!metrics) return run();
    const started = performance.now();
    try {
      const result = await run();
      metrics.engineRequest('redis', op, (performance.now() - started) / 1000, false);
      return result;
    } catch (err) {
      metrics.engineRequest('redis', op, (performance.now() - started) / 1000, true);
      throw err;
    }
  }
}

function describeTarget(target: RedisTarget): string {
  const list = (nodes: RedisAddress[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if ('sentinels' in target) return `Redis Sentinel ${target.sentinelName} at ${list(target.sentinels)}`;
  if ('clusterNodes' in target) return `Redis Cluster at ${list(target.clusterNodes)}`;
  return `Redis at ${target.host}:${target.port}`;
}

/** Redis rejects PX 0 and fractions; a TTL under 1 ms is 1 ms. */
function ttlMsOf(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
