// A local gateway process (ECHO_WORKERS): the node's main process accepts each client socket and hands it here,
// once; from then on this process reads and writes it: transport framing, obfuscation, MTProto encryption, the
// connection limits' deadlines and back-pressure. What it decrypts goes to the core as plaintext over the IPC
// channel, one batch per event-loop turn; what the core sends comes back the same way to be encrypted here.
// It holds no database, no session and no user: if it dies, its connections drop and their clients reconnect.
import type { Socket } from 'node:net';
import { createRandomPool } from '../../../common/random-pool.js';
import { createLogger, componentLogger } from '../../../infra/log.js';
import type { LogLevel } from '../../../infra/config/index.js';
import { ConnectionLimits } from '../connection-limits.js';
import type { MtprotoConnection } from '../mtproto-connection.js';
import { connectSocket } from '../socket-connection.js';
import { ForwardingRouter } from './forwarding-router.js';
import { ItemBatcher } from './item-batcher.js';
import type { CoreItem, FromGatewayProcess, GatewayItem, GatewaySetup, ToGatewayProcess } from './items.js';

/** After `shutdown`, sockets still open this long are dropped. */
const SHUTDOWN_GRACE_MS = 2000;

function send(message: FromGatewayProcess): void {
  if (process.connected) process.send!(message);
}

function run(setup: GatewaySetup): void {
  const log = componentLogger(createLogger(setup.logLevel as LogLevel), 'gateway', { gateway: setup.index });
  const toCore = new ItemBatcher<GatewayItem>((items) => send({ t: 'items', items }));
  const post = (item: GatewayItem) => toCore.post(item);
  const router = new ForwardingRouter(post, createRandomPool(), log);
  const connections = new Map<number, MtprotoConnection>();
  const sockets = new Set<Socket>();
  const signedInAsked = new Map<number, (signedIn: boolean) => void>();
  const limits = setup.limits
    ? new ConnectionLimits(setup.limits, {
        isSignedIn: (conn) =>
          new Promise<boolean>((resolve) => {
            signedInAsked.set(conn, resolve);
            post({ t: 'idle', conn });
          }),
        metrics: { limitHit: (limit) => post({ t: 'limitHit', limit }) },
        log,
      })
    : undefined;

  const accept = (id: number, socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = connectSocket(socket, {
      router,
      log,
      limits,
      id,
      onClosed: (c) => {
        connections.delete(c.id);
        signedInAsked.delete(c.id);
        post({ t: 'closed', conn: c.id });
      },
    });
    connections.set(id, conn);
    socket.on('close', () => sockets.delete(socket));
    // The parent accepted it paused (pauseOnConnect): no byte was read before it got here.
    socket.resume();
  };

  const apply = (item: CoreItem) => {
    if (item.t === 'key') {
      router.keyArrived(item.keyId, item.key);
      return;
    }
    const conn = connections.get(item.conn);
    if (!conn) return;
    switch (item.t) {
      case 'send': {
        const packet = router.encrypt(item.keyId, item.plain);
        if (packet) conn.sendPacket(packet);
        else conn.close('the core sent under a key this connection never used');
        break;
      }
      case 'raw':
        if (item.keyed) router.markKeyed(item.conn);
        conn.sendPacket(item.packet);
        break;
      case 'transportError':
        conn.failWithTransportError(item.code, item.reason);
        break;
      case 'close':
        conn.close(item.reason);
        break;
      case 'pingDisconnect':
        conn.setPingDisconnect(item.seconds);
        break;
      case 'signedIn': {
        const resolve = signedInAsked.get(item.conn);
        signedInAsked.delete(item.conn);
        resolve?.(item.signedIn);
        break;
      }
    }
  };

  const shutdown = () => {
    toCore.flush();
    for (const socket of sockets) socket.end();
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    if (sockets.size === 0) process.exit(0);
    for (const socket of sockets) socket.on('close', () => sockets.size === 0 && process.exit(0));
  };

  process.on('message', (message: ToGatewayProcess, handle?: Socket) => {
    switch (message.t) {
      case 'socket':
        if (handle) accept(message.conn, handle);
        break;
      case 'items':
        for (const item of message.items) apply(item);
        break;
      case 'shutdown':
        shutdown();
        break;
    }
  });
  log.info({ pid: process.pid }, 'gateway process ready');
  send({ t: 'ready' });
}

// Without its core a gateway has nothing to do: the parent's exit (or crash) ends it.
process.on('disconnect', () => process.exit(0));
process.once('message', (message: ToGatewayProcess) => {
  if (message.t !== 'setup') throw new Error(`gateway process: expected setup first, got ${message.t}`);
  run(message.setup);
});
