// Wires one echod node: storage -> session layer -> API handlers -> listeners.
import { createHash } from 'node:crypto';
import { createRandomPool } from '../common/random-pool.js';
import type { EchoConfig } from '../infra/config/index.js';
import type { Database } from '../infra/db/index.js';
import type { EventBus } from '../infra/bus/index.js';
import { componentLogger, type Logger } from '../infra/log.js';
import { DhServer } from '../mtproto/crypto/dh.js';
import type { ServerRsaKey } from '../mtproto/crypto/rsa.js';
import { ServerMsgIdGenerator } from '../mtproto/session/msg-id.js';
import { SaltSchedule } from '../mtproto/session/salts.js';
import { registerApi } from '../bff/index.js';
import { RpcDispatcher } from '../bff/registry.js';
import type { ServerIdentity } from '../contracts/server-identity.js';
import { MemoryKeyValueStore } from '../infra/kv/memory-kv.js';
import { SqlIdGenerator } from '../service/idgen.js';
import { AccessHashes } from '../service/access-hash.js';
import { UserStore, USER_ID_FLOOR } from '../service/users/user-store.js';
import { AccountEvents } from '../service/events.js';
import type { CoreServices } from '../service/core.js';
import { DeviceSignIns } from '../interface/session/sign-in-control.js';
import { createAppServices } from './services.js';
import { AuthKeyRegistry } from '../interface/session/auth-keys.js';
import { SessionService } from '../interface/session/session-service.js';
import { PacketRouter } from '../interface/gateway/packet-router.js';
import { ConnectionRegistry } from '../interface/gateway/connection-registry.js';
import { TcpGateway } from '../interface/gateway/tcp-gateway.js';
import { HttpServer } from '../interface/httpserver/http-server.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { sql } from 'kysely';
import { Metrics } from '../infra/metrics/index.js';
import { AdminServer } from '../interface/admin/admin-server.js';
import { AdminService, signOutLive } from '../service/admin/index.js';
import { DeviceDirectory } from '../service/authsession/device-directory.js';

export interface StartEchodOptions {
  config: EchoConfig;
  logger: Logger;
  db: Database;
  serverKey: ServerRsaKey;
  /** The process's metrics (shared with the database's query log); a fresh registry when absent. */
  metrics?: Metrics;
  /** The event bus (opened and checked by the caller, which also closes it); in process when absent. */
  bus?: EventBus;
}

export interface RunningEchod {
  tcpPorts: number[];
  httpPort: number;
  /** The admin listener: /metrics, /healthz, /readyz, /admin/... */
  adminPort: number;
  /** Graceful: stops accepting, lets in-flight RPCs finish (bounded), flushes their answers, then closes. */
  close(): Promise<void>;
}

/** How long shutdown waits for running RPCs before closing connections under them. */
const SHUTDOWN_RPC_WAIT_MS = 10_000;

/** How often idle sessions and expired temp keys are swept. */
const SWEEP_INTERVAL_MS = 60_000;

export async function startEchod({ config, logger, db, serverKey, metrics = new Metrics(), bus }: StartEchodOptions): Promise<RunningEchod> {
  const now = () => Date.now();
  const random = createRandomPool();
  const msgIds = new ServerMsgIdGenerator(now);
  // Secrets (salts, access hashes, tokens) derive from the server key, so every node sharing the key agrees.
  const keyDer = serverKey.keyObject.export({ type: 'pkcs1', format: 'der' });
  const secret = (label: string) => createHash('sha256').update(`echo ${label}\0`).update(keyDer).digest();
  const keys = new AuthKeyRegistry(db.authKeys);
  const identity: ServerIdentity = { dcId: config.dcId, host: config.host, tcpPorts: [] };
  const rpc = new RpcDispatcher();

  const sessions = new SessionService({ keys, salts: new SaltSchedule(secret('server salts')), rpc, log: componentLogger(logger, 'session'), now, random, msgIds, metrics });
  const kv = new MemoryKeyValueStore(now);
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR, chat: 1_000_000n });
  const core: CoreServices = {
    config,
    identity,
    db: db.kysely,
    reader: db.reader,
    kv,
    ids,
    users: new UserStore(db.kysely, ids),
    accessHashes: new AccessHashes(secret('access hashes')),
    push: sessions,
    signIns: new DeviceSignIns(keys, sessions),
    events: new AccountEvents(componentLogger(logger, 'events')),
    log: componentLogger(logger, 'service'),
    now,
    random,
    secret,
  };
  const services = createAppServices(core, { metrics, bus, inboxOverBus: config.bus.engine === 'kafka' });
  registerApi(rpc, services);
  metrics.setKnownMethods((m) => rpc.has(m) || m === 'auth.bindTempAuthKey');
  metrics.bindRuntime({ inFlightRpcs: () => sessions.inFlightRpcs, sessions: () => sessions.sessionCount, pendingOutbound: () => sessions.pendingOutbound() });
  const router = new PacketRouter({
    sessions,
    keys,
    rsaKeys: [serverKey],
    dh: new DhServer(),
    dcId: config.dcId,
    msgIds,
    log: componentLogger(logger, 'handshake'),
    now,
    random,
    handshakeLimiter: config.handshakeRate ? new RateLimiter(config.handshakeRate, now) : undefined,
    metrics,
  });
  const gatewayLog = componentLogger(logger, 'gateway');
  const connections = new ConnectionRegistry(sessions, { metrics, log: gatewayLog });
  const tcp = new TcpGateway(router, connections, gatewayLog);
  const http = new HttpServer(router, connections, componentLogger(logger, 'http'), { tls: config.tls });

  const tcpPorts = await tcp.listen(config.listen, config.tcpPorts);
  identity.tcpPorts = tcpPorts;
  let httpPort: number;
  try {
    httpPort = await http.listen(config.listen, config.httpPort);
  } catch (err) {
    await tcp.close();
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
      try {
        await sql`select 1`.execute(db.kysely);
      } catch (err) {
        reasons.push(`database (${db.dialect}): ${(err as Error).message}`);
      }
      return reasons;
    },
  });
  let adminPort: number;
  try {
    adminPort = await adminServer.listen(config.adminListen.host, config.adminListen.port);
  } catch (err) {
    await Promise.all([tcp.close(), http.close()]);
    throw new Error(`admin listener ${config.adminListen.host}:${config.adminListen.port} (ECHO_ADMIN_LISTEN): ${(err as Error).message}`);
  }

  const sweeper = setInterval(() => {
    sessions.sweep();
    db.authKeys.deleteExpired(Math.floor(now() / 1000)).catch((err: Error) => logger.warn({ err: err.message }, 'sweeping expired keys failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    tcpPorts,
    httpPort,
    adminPort,
    async close() {
      clearInterval(sweeper);
      accepting = false;
      tcp.stopAccepting();
      http.stopAccepting();
      logger.info({ inFlightRpcs: sessions.inFlightRpcs, connections: connections.size }, 'stopped accepting connections; finishing in-flight RPCs');
      if (!(await sessions.whenIdle(SHUTDOWN_RPC_WAIT_MS))) {
        logger.warn({ inFlightRpcs: sessions.inFlightRpcs, waitedMs: SHUTDOWN_RPC_WAIT_MS }, 'in-flight RPCs did not finish in time; closing their connections anyway');
      }
      // Updates already published (pushes of the last messages) go out before the connections close.
      await services.bus.drain();
      services.authSessions.close();
      await services.messenger.outbox?.close();
      // Answers go out in flushes queued as microtasks; one macrotask turn later they are all written.
      await new Promise<void>((resolve) => setImmediate(resolve));
      connections.closeAll('server shutting down');
      await Promise.all([tcp.close(), http.close()]);
      await kv.close();
      await adminServer.close();
    },
  };
}
