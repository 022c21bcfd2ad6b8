// TCP listeners (10443 and 5222 by default): every MTProto TCP transport, plain or obfuscated, on each port.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { MtprotoConnection } from './mtproto-connection.js';
import type { PacketRouter } from './packet-router.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { listenOn } from '../listen.js';
import type { ConnectionLimits, LimitedStream } from './connection-limits.js';

/** Without limits (unit set-ups): a socket that stays silent this long is closed. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export class TcpGateway {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly router: PacketRouter,
    private readonly connections: ConnectionRegistry,
    private readonly log: Logger,
    private readonly limits?: ConnectionLimits,
  ) {}

  /** Listens on every port; resolves with the bound ports (useful when 0 asked for a free one). */
  async listen(host: string, ports: number[]): Promise<number[]> {
    const bound: number[] = [];
    for (const port of ports) {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      server.on('error', (err) => this.log.error({ err }, 'TCP listener error'));
      bound.push(await listenOn(server, host, port));
      this.servers.push(server);
    }
    return bound;
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? '';
    if (this.limits && !this.limits.admit(remote)) {
      // Refused at once: a reset, no bytes read, nothing allocated.
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    this.sockets.add(socket);
    // Writes of one event-loop turn (a container and a push, say) leave in one syscall.
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const write = (data: Buffer) => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      socket.write(data);
      watch?.afterWrite();
    };
    const conn = new MtprotoConnection(
      { write, end: () => socket.end() },
      this.router,
      remote,
      'tcp',
      this.log,
      (c) => this.connections.remove(c),
    );
    this.connections.add(conn);
    const watch = this.limits?.watch(conn, socketStream(socket));
    if (!watch) socket.setTimeout(IDLE_TIMEOUT_MS, () => conn.close('idle timeout'));
    socket.on('data', (chunk: Buffer) => conn.onBytes(chunk));
    socket.on('error', (err) => this.log.debug({ conn: conn.id, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.sockets.delete(socket);
      watch?.stop();
      this.limits?.release(remote);
      conn.peerClosed();
    });
  }

  /** Graceful shutdown, step one: no new connections; the open ones keep working. */
  stopAccepting(): void {
    for (const s of this.servers) if (s.listening) s.close();
  }

  /** Stops accepting; existing sockets are ended. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))).concat(this.endSockets()));
  }

  private async endSockets(): Promise<void> {
    for (const socket of this.sockets) socket.end();
    const deadline = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, 2000);
    deadline.unref();
  }
}

/** A TCP socket as the connection limits drive it. */
export function socketStream(socket: Socket): LimitedStream {
  let onIdle: (() => void) | undefined;
  socket.on('timeout', () => onIdle?.());
  return {
    buffered: () => socket.writableLength,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    onDrain: (listener) => socket.on('drain', listener),
    setIdleTimeout: (ms, listener) => {
      onIdle = listener;
      socket.setTimeout(ms);
    },
    destroy: () => socket.destroy(),
  };
}
