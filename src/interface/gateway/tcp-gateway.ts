// TCP listeners (10443 and 5222 by default): every MTProto TCP transport, plain or obfuscated, on each port.
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PacketRouter } from './packet-router.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { listenTcp, refuseSocket } from '../listen.js';
import type { ConnectionLimits } from './connection-limits.js';
import { connectSocket } from './socket-connection.js';

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
    const { servers, ports: bound } = await listenTcp(host, ports, { noDelay: true }, (socket) => this.accept(socket), this.log);
    this.servers.push(...servers);
    return bound;
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? '';
    if (this.limits && !this.limits.admit(remote)) {
      refuseSocket(socket);
      return;
    }
    this.sockets.add(socket);
    const conn = connectSocket(socket, { router: this.router, log: this.log, limits: this.limits, onClosed: (c) => this.connections.remove(c) });
    this.connections.add(conn);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.limits?.release(remote);
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
