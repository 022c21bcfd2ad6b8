// Wires one echod node: storage -> session layer -> API handlers -> listeners.
import { createHash, randomBytes } from 'node:crypto';
import type { EchoConfig } from '../infra/config/index.js';
import type { Database } from '../infra/db/index.js';
import { componentLogger, type Logger } from '../infra/log.js';
import { DhServer } from '../mtproto/crypto/dh.js';
import type { ServerRsaKey } from '../mtproto/crypto/rsa.js';
import { ServerMsgIdGenerator } from '../mtproto/session/msg-id.js';
import { SaltSchedule } from '../mtproto/session/salts.js';
import { createRpcDispatcher } from '../bff/index.js';
import type { ServerIdentity } from '../bff/server-identity.js';
import { AuthKeyRegistry } from '../interface/session/auth-keys.js';
import { SessionService } from '../interface/session/session-service.js';
import { PacketRouter } from '../interface/gateway/packet-router.js';
import { ConnectionRegistry } from '../interface/gateway/connection-registry.js';
import { TcpGateway } from '../interface/gateway/tcp-gateway.js';
import { HttpServer } from '../interface/httpserver/http-server.js';

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
  // Salts derive from the server key, so every node sharing the key agrees on them.
  const saltSecret = createHash('sha256').update('echo server salts\0').update(serverKey.keyObject.export({ type: 'pkcs1', format: 'der' })).digest();
  const keys = new AuthKeyRegistry(db.authKeys);
  const identity: ServerIdentity = { dcId: config.dcId, host: config.host, tcpPorts: [] };
  const rpc = createRpcDispatcher({ identity });

  const sessions = new SessionService({ keys, salts: new SaltSchedule(saltSecret), rpc, log: componentLogger(logger, 'session'), now, random, msgIds });
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
    },
  };
}
