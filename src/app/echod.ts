// Wires one echod node: storage -> session layer -> API handlers -> listeners.
import { createHash } from 'node:crypto';
import { createRandomPool } from '../common/random-pool.js';
import type { EchoConfig } from '../infra/config/index.js';
import type { Database } from '../infra/db/index.js';
import { KafkaBus, type EventBus } from '../infra/bus/index.js';
import { componentLogger, type Logger } from '../infra/log.js';
import { DhServer } from '../mtproto/crypto/dh.js';
import type { ServerRsaKey } from '../mtproto/crypto/rsa.js';
import { ServerMsgIdGenerator } from '../mtproto/session/msg-id.js';
import { SaltSchedule } from '../mtproto/session/salts.js';
import { registerApi } from '../bff/index.js';
import { RpcDispatcher } from '../bff/registry.js';
import type { ServerIdentity } from '../contracts/server-identity.js';
import { SqlIdGenerator, TimeOrderedIds } from '../service/idgen.js';
import { openEngines, runCheck, type NodeEngines } from './engines.js';
import { cachedDcNodes } from './dc-nodes.js';
import { RedisSyncRoutes, RoutedPusher } from '../messenger/sync-routes.js';
import { SharedPresenceDirectory } from '../service/users/presence-directory.js';
import { AccessHashes } from '../service/access-hash.js';
import { UserStore, USER_ID_FLOOR } from '../service/users/user-store.js';
import { AccountEvents } from '../service/events.js';
import type { CoreServices } from '../service/core.js';
import { DeviceSignIns } from '../interface/session/sign-in-control.js';
import { createAppServices } from './services.js';
import { AuthKeyRegistry } from '../interface/session/auth-keys.js';
import { SessionService } from '../interface/session/session-service.js';
import { PacketRouter } from '../interface/gateway/packet-router.js';
import { HandshakePool, InlineHandshakes, type HandshakeRunner } from '../interface/gateway/handshake-runner.js';
import { ConnectionRegistry } from '../interface/gateway/connection-registry.js';
import { TcpGateway } from '../interface/gateway/tcp-gateway.js';
import { HttpServer } from '../interface/httpserver/http-server.js';
import { tokenBuckets } from '../infra/kv/shared-rate-limiter.js';
import { sql } from 'kysely';
import { Metrics } from '../infra/metrics/index.js';
import { AdminServer } from '../interface/admin/admin-server.js';
import { AdminService, signOutLive } from '../service/admin/index.js';
import { DeviceDirectory } from '../service/authsession/device-directory.js';
import { ConnectionLimits, connectionLimitsConfig } from '../interface/gateway/connection-limits.js';
import { GatewayProcesses } from '../interface/gateway/link/gateway-processes.js';
import { GatewayLinkServer } from '../interface/gateway/link/link-server.js';
import { RpcFloodLimits } from '../bff/flood-limits.js';

export interface StartEchodOptions {
  config: EchoConfig;
  logger: Logger;
  db: Database;
  serverKey: ServerRsaKey;
  /** The process's metrics (shared with the database's query log); a fresh registry when absent. */
  metrics?: Metrics;
  /** The event bus (opened and checked by the caller, which also closes it); in process when absent. */
  bus?: EventBus;
  /** Redis / etcd / S3 or their embedded siblings, already checked (echod start); opened here when absent. Closed by close(). */
  engines?: NodeEngines;
}

export interface RunningEchod {
  tcpPorts: number[];
  httpPort: number;
  /** The admin listener: /metrics, /healthz, /readyz, /admin/... */
  adminPort: number;
  /** Where gateway nodes link to this core (ECHO_GATEWAY_LINK_LISTEN), when it takes links. */
  gatewayLinkPort?: number;
  /** Graceful: stops accepting, lets in-flight RPCs finish (bounded), flushes their answers, then closes. */
  close(): Promise<void>;
}

/** How long shutdown waits for running RPCs before closing connections under them. */
const SHUTDOWN_RPC_WAIT_MS = 10_000;

/** How often idle sessions and expired temp keys are swept. */
const SWEEP_INTERVAL_MS = 60_000;

/** How long /readyz waits for one engine's check. */
const READY_CHECK_TIMEOUT_MS = 5000;

export async function startEchod({ config, logger, db, serverKey, metrics = new Metrics(), bus, engines: given }: StartEchodOptions): Promise<RunningEchod> {
  const now = () => Date.now();
  const engines = given ?? openEngines(config, { metrics, now });
  try {
    return await startNode({ config, logger, db, serverKey, metrics, bus, engines, now });
  } catch (err) {
    await engines.close();
    throw err;
  }
}

async function startNode({ config, logger, db, serverKey, metrics, bus, engines, now }: Required<Omit<StartEchodOptions, 'engines' | 'bus'>> & { bus: EventBus | undefined; engines: NodeEngines; now: () => number }): Promise<RunningEchod> {
  const random = createRandomPool();
  const msgIds = new ServerMsgIdGenerator(now);
  // Secrets (salts, access hashes, tokens) derive from the server key, so every node sharing the key agrees.
  const keyDer = serverKey.keyObject.export({ type: 'pkcs1', format: 'der' });
  const secret = (label: string) => createHash('sha256').update(`echo ${label}\0`).update(keyDer).digest();
  const keys = new AuthKeyRegistry(db.authKeys);
  const identity: ServerIdentity = {
    dcId: config.dcId,
    host: config.host,
    tcpPorts: [],
    nodes: cachedDcNodes(engines.registry, now, (err) => logger.warn({ err: err.message }, 'node registry unreadable; help.getConfig lists the nodes it last saw')),
  };
  const rpc = new RpcDispatcher();

  const { limits } = config;
  const sessions = new SessionService({ keys, salts: new SaltSchedule(secret('server salts')), rpc, log: componentLogger(logger, 'session'), now, random, msgIds, metrics, limits, limitMetrics: metrics });
  const kv = engines.kv;
  // With Redis the limits a client could multiply by spreading over nodes are counted there, once for all nodes.
  const sharedLimits = config.cache.engine === 'redis' ? kv : undefined;
  if (limits.rpcRates) rpc.useFloodLimits(new RpcFloodLimits(limits.rpcRates, now, (group) => metrics.limitHit(group), sharedLimits));
  const pushRouter = engines.routeMap && engines.deviceRouteMap && engines.broadcast ? routedPusher(engines, sessions, now, logger) : undefined;
  const workerId = await engines.registry.claimWorkerId();
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR, chat: 1_000_000n, channel: 1_000_000_000n });
  const serviceLog = componentLogger(logger, 'service');
  const users = new UserStore(db.kysely, ids, { now, onBroadcastError: (err, userId) => serviceLog.warn({ err: err.message, userId: userId.toString() }, 'users cache invalidation not broadcast') });
  const core: CoreServices = {
    config,
    identity,
    db: db.kysely,
    reader: db.reader,
    kv,
    ids,
    timeIds: new TimeOrderedIds(workerId, now),
    users,
    accessHashes: new AccessHashes(secret('access hashes')),
    push: pushRouter ?? sessions,
    signIns: new DeviceSignIns(keys, sessions),
    events: new AccountEvents(componentLogger(logger, 'events')),
    log: serviceLog,
    now,
    random,
    secret,
  };
  const services = createAppServices(core, {
    metrics,
    bus,
    inboxOverBus: config.bus.engine === 'kafka',
    commitWindowMs: config.commitWindowMs,
    ...(engines.presenceMap ? { sharedPresence: { map: engines.presenceMap, nodeId: engines.nodeId } } : {}),
    ...(engines.broadcast ? { broadcast: engines.broadcast } : {}),
    ...(pushRouter ? { router: pushRouter, localPush: sessions } : {}),
    ...(engines.blobs ? { blobs: engines.blobs } : {}),
    ...(engines.parts ? { parts: engines.parts } : {}),
  });
  registerApi(rpc, services);
  metrics.setKnownMethods((m) => rpc.has(m) || m === 'auth.bindTempAuthKey');
  metrics.bindRuntime({ inFlightRpcs: () => sessions.inFlightRpcs, sessions: () => sessions.sessionCount, pendingOutbound: () => sessions.pendingOutbound() });
  const handshakeLog = componentLogger(logger, 'handshake');
  const handshakeSettings = { rsaKeys: [serverKey], dcId: config.dcId, random, now };
  const handshakes: HandshakeRunner =
    config.handshakeWorkers > 0
      ? new HandshakePool(handshakeSettings, { size: config.handshakeWorkers, log: handshakeLog })
      : new InlineHandshakes(handshakeSettings, new DhServer());
  handshakeLog.info({ threads: config.handshakeWorkers }, config.handshakeWorkers > 0 ? 'handshakes run on worker threads' : 'handshakes run on the main thread');
  const router = new PacketRouter({
    sessions,
    keys,
    handshakes,
    msgIds,
    log: handshakeLog,
    now,
    handshakeLimiter: config.handshakeRate ? tokenBuckets('handshake', config.handshakeRate, now, sharedLimits) : undefined,
    keyCreationLimiter: limits.authKeysPerAddressPerHour
      ? tokenBuckets('authkeys', { burst: limits.authKeysPerAddressPerHour, perSecond: limits.authKeysPerAddressPerHour / 3600 }, now, sharedLimits)
      : undefined,
    metrics,
    limits: metrics,
  });
  const gatewayLog = componentLogger(logger, 'gateway');
  const connections = new ConnectionRegistry(sessions, { metrics, log: gatewayLog });
  const connectionLimits = new ConnectionLimits(limits, { isSignedIn: (id) => sessions.isSignedInConnection(id), metrics, log: gatewayLog });
  const linkDeps = { router, sessions, keys, connections, metrics, log: gatewayLog };
  // A core node has no client TCP listener: clients come through gateway nodes (ECHO_ROLE=core).
  const tcp =
    config.role === 'core'
      ? undefined
      : config.workers > 0
        ? new GatewayProcesses({ ...linkDeps, count: config.workers, limits: connectionLimits, limitsConfig: connectionLimitsConfig(limits), logLevel: config.logLevel })
        : new TcpGateway(router, connections, gatewayLog, connectionLimits);
  if (tcp instanceof GatewayProcesses) {
    await tcp.start();
    gatewayLog.info({ processes: config.workers, pids: tcp.pids }, 'client TCP connections are held by gateway processes');
  }
  const gatewayLinks = config.links.listen ? new GatewayLinkServer({ ...linkDeps, secret: config.links.secret }) : undefined;
  const http = new HttpServer(router, connections, componentLogger(logger, 'http'), {
    tls: config.tls,
    limits: connectionLimits,
    timeouts: { headersMs: limits.firstFrameMs, requestMs: limits.handshakeMs },
  });

  let tcpPorts: number[];
  let gatewayLinkPort: number | undefined;
  try {
    // A core advertises the ports of the gateways in front of it (help.getConfig) without binding them.
    tcpPorts = tcp ? await tcp.listen(config.listen, config.tcpPorts) : config.tcpPorts;
    if (gatewayLinks && config.links.listen) {
      gatewayLinkPort = await gatewayLinks.listen(config.links.listen.host, config.links.listen.port);
      gatewayLog.info({ listen: `${config.links.listen.host}:${gatewayLinkPort}`, secret: config.links.secret !== null }, 'taking links from gateway nodes');
    }
  } catch (err) {
    await Promise.all([tcp?.close(), gatewayLinks?.close()]);
    throw err;
  }
  identity.tcpPorts = tcpPorts;
  let httpPort: number;
  try {
    httpPort = await http.listen(config.listen, config.httpPort);
  } catch (err) {
    await Promise.all([tcp?.close(), gatewayLinks?.close()]);
    throw err;
  }

  let accepting = true;
  const devices = new DeviceDirectory(db.kysely);
  const adminServer = new AdminServer({
    metrics,
    admin: new AdminService({
      db: db.kysely,
      users: core.users,
      devices,
      signOut: signOutLive(devices, core.signIns),
      live: { connections: () => connections.size, sessions: () => sessions.sessionCount },
    }),
    token: config.adminToken,
    log: componentLogger(logger, 'admin'),
    async readiness() {
      const reasons: string[] = [];
      if (!accepting) reasons.push('shutting down');
      return reasons;
    },
    async engines() {
      const database = runCheck(
        {
          name: 'database',
          check: async () => {
            await sql`select 1`.execute(db.kysely);
          },
        },
        READY_CHECK_TIMEOUT_MS,
      );
      // Kafka, when it carries the bus, is an engine like the others (the in-process bus cannot fail).
      const checks = bus instanceof KafkaBus ? [...engines.checks, { name: 'kafka', check: () => bus.check() }] : engines.checks;
      const states = await Promise.all([database, ...checks.map((c) => runCheck(c, READY_CHECK_TIMEOUT_MS))]);
      const out: Record<string, string> = { [`database`]: states[0] === 'ok' ? 'ok' : `(${db.dialect}) ${states[0]}` };
      checks.forEach((c, i) => (out[c.name] = states[i + 1]!));
      return out;
    },
  });
  let adminPort: number;
  try {
    adminPort = await adminServer.listen(config.adminListen.host, config.adminListen.port);
  } catch (err) {
    await Promise.all([tcp?.close(), gatewayLinks?.close(), http.close()]);
    throw new Error(`admin listener ${config.adminListen.host}:${config.adminListen.port} (ECHO_ADMIN_LISTEN): ${(err as Error).message}`);
  }

  // In the registry only once every listener is up: peers may connect as soon as they see the entry.
  await engines.registry.register({
    id: engines.nodeId,
    address: config.host,
    tcpPorts,
    httpPort,
    adminPort,
    workerId,
    startedAt: now(),
  });

  const sweeper = setInterval(() => {
    sessions.sweep();
    keys.sweep((id) => sessions.hasSessionsOf(id), now());
    db.authKeys.deleteExpired(Math.floor(now() / 1000)).catch((err: Error) => logger.warn({ err: err.message }, 'sweeping expired keys failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    tcpPorts,
    httpPort,
    adminPort,
    ...(gatewayLinkPort !== undefined ? { gatewayLinkPort } : {}),
    async close() {
      clearInterval(sweeper);
      accepting = false;
      // Out of the DC's list first, so help.getConfig elsewhere stops naming this node while it drains.
      await engines.registry.leave(engines.nodeId).catch((err: Error) => logger.warn({ err: err.message }, 'leaving the node registry failed (the entry goes with the lease)'));
      tcp?.stopAccepting();
      gatewayLinks?.stopAccepting();
      http.stopAccepting();
      logger.info({ inFlightRpcs: sessions.inFlightRpcs, connections: connections.size }, 'stopped accepting connections; finishing in-flight RPCs');
      if (!(await sessions.whenIdle(SHUTDOWN_RPC_WAIT_MS))) {
        logger.warn({ inFlightRpcs: sessions.inFlightRpcs, waitedMs: SHUTDOWN_RPC_WAIT_MS }, 'in-flight RPCs did not finish in time; closing their connections anyway');
      }
      // Updates already published (pushes of the last messages) go out before the connections close.
      await services.bus.drain();
      services.authSessions.close();
      await services.messenger.outbox?.close();
      // This node stops consuming before it stops being able to route: its Sync-T and Inbox-T consumers commit
      // what they handled and leave their groups, so the other nodes route every later record (a consumer left
      // running here would hand records to connections about to close, or, once Redis is closed below, drop
      // the pushes of users held elsewhere and commit them as handled).
      await Promise.all([services.messenger.sync.close(), services.messenger.inbox?.close()]);
      // Answers go out in flushes queued as microtasks; one macrotask turn later they are all written.
      await new Promise<void>((resolve) => setImmediate(resolve));
      connections.closeAll('server shutting down');
      // Its devices are moving to other nodes: this node's route entries go at once (not after the offline
      // grace), so pushes stop waiting in sessions here that their clients will not come back to.
      await pushRouter?.close();
      await Promise.all([tcp?.close(), gatewayLinks?.close(), http.close()]);
      await handshakes.close();
      await services.presenceDirectory.close();
      await engines.close();
      await adminServer.close();
    },
  };
}

/**
 * Several nodes on one Redis: pushes go to the nodes holding each user's connections (route entries written by
 * each node for the users it holds, refreshed like presence), never to every node.
 */
function routedPusher(engines: NodeEngines, sessions: SessionService, now: () => number, logger: Logger): RoutedPusher {
  const log = componentLogger(logger, 'sync');
  const onError = (err: unknown) => log.warn({ err: (err as Error).message }, 'push routing: Redis lookup or hand-over failed (pushes reach this node\'s devices only; clients catch up with getDifference)');
  const held = new SharedPresenceDirectory({ local: { isOnline: (id) => sessions.isOnline(id) }, localUsers: () => sessions.onlineUsers(), map: engines.routeMap!, nodeId: engines.nodeId, now, onError });
  return new RoutedPusher({ local: sessions, routes: new RedisSyncRoutes(engines.nodeId, engines.routeMap!, engines.broadcast!, now, engines.deviceRouteMap!), held, onError });
}
