// The scale-out engines of one node (Redis, etcd, S3; the SQL database and the bus are opened elsewhere),
// chosen by configuration, each behind the interface its embedded sibling implements. `echod start` opens
// them, checks every one before anything listens (one line naming the first that fails), and /readyz asks
// them again on every probe.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EchoConfig } from '../infra/config/index.js';
import type { KeyValueStore } from '../infra/kv/kv.js';
import { MemoryKeyValueStore } from '../infra/kv/memory-kv.js';
import { RedisKeyValueStore } from '../infra/kv/redis-kv.js';
import { RedisPresenceMap, type NodePresenceMap } from '../infra/kv/presence-map.js';
import { RedisBroadcast } from '../infra/kv/redis-broadcast.js';
import type { Broadcast } from '../infra/kv/broadcast.js';
import { DEVICE_ROUTE_KEY_PREFIX, ROUTE_KEY_PREFIX } from '../messenger/sync-routes.js';
import { EtcdNodeRegistry, SingleNodeRegistry, type NodeRegistry } from '../infra/discovery/index.js';
import { S3BlobStore, createS3Client, measuredS3, type BlobStore } from '../infra/blob/index.js';
import type { EngineMetrics } from '../infra/metrics/index.js';
import { S3PartStore, PARTS_BUCKET, type PartStore } from '../service/dfs/index.js';

/** A configured engine as start-up and /readyz see it. */
export interface EngineCheck {
  /** "redis", "etcd", "s3" (and the sql/kafka helpers' "mysql", "kafka"). */
  name: string;
  /** Throws an Error whose message is one line naming the engine and why it cannot be used. */
  check(): Promise<void>;
}

export interface NodeEngines {
  nodeId: string;
  kv: KeyValueStore;
  /** With Redis: which node holds which user (presence across nodes); absent: presence is this node's. */
  presenceMap?: NodePresenceMap;
  /** With Redis: which nodes hold a connection of each user (`route:<userId>`), where its pushes go. */
  routeMap?: NodePresenceMap;
  /** With Redis: which nodes a device waiting for a push by its key is on (`route:key:<permKeyId>`; QR login). */
  deviceRouteMap?: NodePresenceMap;
  /** With Redis: cache invalidations for every node; absent: caches are this node's alone. */
  broadcast?: Broadcast;
  registry: NodeRegistry;
  /** S3 when configured; absent: the data dir's files/ (made later, with the data dir). */
  blobs?: BlobStore;
  /** With S3: upload parts in S3 too, where every node finds them; absent: the data dir's uploads/. */
  parts?: PartStore;
  /** The configured scale-out engines (none when everything is embedded). */
  checks: EngineCheck[];
  close(): Promise<void>;
}

export interface OpenEnginesOptions {
  metrics?: EngineMetrics;
  now?: () => number;
  /** Told when the etcd lease is lost (etcd unreachable past the lease TTL). */
  onLeaseLost?: (err: Error) => void;
}

export function openEngines(config: EchoConfig, opts: OpenEnginesOptions = {}): NodeEngines {
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const checks: EngineCheck[] = [];
  const closers: (() => Promise<void>)[] = [];

  let kv: KeyValueStore;
  let presenceMap: NodePresenceMap | undefined;
  let routeMap: NodePresenceMap | undefined;
  let deviceRouteMap: NodePresenceMap | undefined;
  let broadcast: Broadcast | undefined;
  if (config.cache.engine === 'redis') {
    const redis = new RedisKeyValueStore({ ...config.cache, ...(opts.metrics ? { metrics: opts.metrics } : {}) });
    checks.push({ name: 'redis', check: () => redis.check() });
    kv = redis;
    presenceMap = new RedisPresenceMap(redis.connection);
    routeMap = new RedisPresenceMap(redis.connection, ROUTE_KEY_PREFIX);
    deviceRouteMap = new RedisPresenceMap(redis.connection, DEVICE_ROUTE_KEY_PREFIX);
    const shared = new RedisBroadcast(redis.connection);
    closers.push(() => shared.close());
    broadcast = shared;
  } else {
    kv = new MemoryKeyValueStore(opts.now);
  }
  closers.push(() => kv.close());

  let registry: NodeRegistry;
  if (config.discovery.engine === 'etcd') {
    const etcd = new EtcdNodeRegistry({
      endpoints: config.discovery.endpoints,
      nodeId,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.onLeaseLost ? { onLeaseLost: opts.onLeaseLost } : {}),
    });
    checks.push({ name: 'etcd', check: () => etcd.check() });
    registry = etcd;
  } else {
    registry = new SingleNodeRegistry();
  }
  closers.push(() => registry.close());

  let blobs: S3BlobStore | undefined;
  let parts: PartStore | undefined;
  if (config.blob.engine === 's3') {
    const client = measuredS3(createS3Client(config.blob), opts.metrics);
    const s3 = new S3BlobStore(client);
    const where = `S3 at ${config.blob.endpoint}`;
    checks.push({ name: 's3', check: () => s3.check(where) });
    blobs = s3;
    // A client's parts may reach several nodes before the file is used on any of them.
    parts = new S3PartStore(client, { bucket: PARTS_BUCKET, now: opts.now ?? Date.now, maxFileSize: config.maxFileSize });
  }

  return {
    nodeId,
    kv,
    ...(presenceMap ? { presenceMap } : {}),
    ...(routeMap ? { routeMap } : {}),
    ...(deviceRouteMap ? { deviceRouteMap } : {}),
    ...(broadcast ? { broadcast } : {}),
    registry,
    ...(blobs ? { blobs } : {}),
    ...(parts ? { parts } : {}),
    checks,
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}

/**
 * Runs every check at once; throws the one line of the first engine (in configuration order) that fails.
 * A check that hangs counts as failed after `timeoutMs`.
 */
export async function checkEngines(checks: readonly EngineCheck[], timeoutMs = 15_000): Promise<void> {
  const results = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)));
  const failed = results.find((r) => r !== 'ok');
  if (failed) throw new Error(failed);
}

/** "ok" or the engine's one-line reason. */
export async function runCheck(c: EngineCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${c.name}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  } finally {
    clearTimeout(timer);
  }
}
