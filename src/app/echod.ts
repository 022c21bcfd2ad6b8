// Wires one echod node: storage -> session layer -> API handlers -> listeners.
import { createHash, randomBytes } from 'node:crypto';
import type { EchoConfig } from '../infra/config/index.js';
import type { Database } from '../infra/db/index.js';
import { componentLogger, type Logger } from '../infra/log.js';
import { DhServer } from '../mtproto/crypto/dh.js';
import type { ServerRsaKey } from '../mtproto/crypto/rsa.js';
import { ServerMsgIdGenerator } from '../mtproto/session/msg-id.js';
import { SaltSchedule } from '../mtproto/session/salts.js';
import { registerApi } from '../bff/index.js';
import { RpcDispatcher } from '../bff/registry.js';
import type { ServerIdentity } from '../bff/server-identity.js';
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
import { RateLimiter } from '../interface/gateway/rate-limiter.js';

export interface StartEchodOptions {
  config: EchoConfig;
  logger: Logger;
  db: Database;
  serverKey: ServerRsaKey;
}

export interface RunningEchod {
  tcpPorts: number[];
  httpPort: number;
  close(): Promise<void>;
}

/** How often idle sessions and expired temp keys are swept. */
const SWEEP_INTERVAL_MS = 60_000;

export async function startEchod({ config, logger, db, serverKey }: StartEchodOptions): Promise<RunningEchod> {
  const now = () => Date.now();
  const random = (n: number) => randomBytes(n);
  const msgIds = new ServerMsgIdGenerator(now);
  // Secrets (salts, access hashes, tokens) derive from the server key, so every node sharing the key agrees.
  const keyDer = serverKey.keyObject.export({ type: 'pkcs1', format: 'der' });
  const secret = (label: string) => createHash('sha256').update(`echo ${label}\0`).update(keyDer).digest();
  const keys = new AuthKeyRegistry(db.authKeys);
  const identity: ServerIdentity = { dcId: config.dcId, host: config.host, tcpPorts: [] };
  const rpc = new RpcDispatcher();

  const sessions = new SessionService({ keys, salts: new SaltSchedule(secret('server salts')), rpc, log: componentLogger(logger, 'session'), now, random, msgIds });
  const kv = new MemoryKeyValueStore(now);
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR, chat: 1_000_000n });
  const core: CoreServices = {
    config,
    identity,
    db: db.kysely,
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
  registerApi(rpc, createAppServices(core));
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
  });
  const connections = new ConnectionRegistry(sessions);
  const gatewayLog = componentLogger(logger, 'gateway');
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

  const sweeper = setInterval(() => {
    sessions.sweep();
    db.authKeys.deleteExpired(Math.floor(now() / 1000)).catch((err: Error) => logger.warn({ err: err.message }, 'sweeping expired keys failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    tcpPorts,
    httpPort,
    async close() {
      clearInterval(sweeper);
      await Promise.all([tcp.close(), http.close()]);
      connections.closeAll('server shutting down');
      await kv.close();
    },
  };
}
