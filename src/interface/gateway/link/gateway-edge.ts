// The gateway's end of one link to one core: the client connections it carries to that core, their
// decryption and encryption (ForwardingRouter), the connection limits' deadlines, idle questions answered by
// the core, and what the core's items mean for the sockets. A local gateway process has one; a remote gateway
// node has one per core it is linked to.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ConnectionLimits, type ConnectionLimitsConfig } from '../connection-limits.js';
import type { MtprotoConnection } from '../mtproto-connection.js';
import { connectSocket } from '../socket-connection.js';
import { ForwardingRouter } from './forwarding-router.js';
import { ItemBatcher } from './item-batcher.js';
import type { CoreItem, GatewayItem } from './items.js';

export interface GatewayEdgeOptions {
  /** Sends one batch of items to the core. */
  send: (items: GatewayItem[]) => void;
  log: Logger;
  random: (n: number) => Buffer;
  limits?: ConnectionLimitsConfig;
  /** Called once per connection when its socket is gone (a remote gateway's admission counts release here). */
  onSocketClosed?: (remote: string) => void;
}

export class GatewayEdge {
  private readonly toCore: ItemBatcher<GatewayItem>;
  private readonly router: ForwardingRouter;
  private readonly connections = new Map<number, MtprotoConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly signedInAsked = new Map<number, (signedIn: boolean) => void>();
  private readonly limits?: ConnectionLimits;

  constructor(private readonly opts: GatewayEdgeOptions) {
    this.toCore = new ItemBatcher<GatewayItem>(opts.send);
    const post = (item: GatewayItem) => this.toCore.post(item);
    this.router = new ForwardingRouter(post, opts.random, opts.log);
    this.limits = opts.limits
      ? new ConnectionLimits(opts.limits, {
          isSignedIn: (conn) =>
            new Promise<boolean>((resolve) => {
              this.signedInAsked.set(conn, resolve);
              post({ t: 'idle', conn });
            }),
          metrics: { limitHit: (limit) => post({ t: 'limitHit', limit }) },
          log: opts.log,
        })
      : undefined;
  }

  get size(): number {
    return this.connections.size;
  }

  /**
   * Starts serving `socket` as connection `id`. `announce`: tell the core it exists (a remote gateway accepted
   * it; a local gateway process was handed it by the core, which knows).
   */
  accept(socket: Socket, id: number, announce: boolean): void {
    const remote = socket.remoteAddress ?? '';
    this.sockets.add(socket);
    socket.setNoDelay(true);
    if (announce) this.toCore.post({ t: 'open', conn: id, remote });
    const conn = connectSocket(socket, {
      router: this.router,
      log: this.opts.log,
      limits: this.limits,
      id,
      onClosed: (c) => {
        this.connections.delete(c.id);
        this.signedInAsked.delete(c.id);
        this.toCore.post({ t: 'closed', conn: c.id });
      },
    });
    this.connections.set(id, conn);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.opts.onSocketClosed?.(remote);
    });
    // Accepted paused (pauseOnConnect) where it was handed over: no byte was read before it got here.
    socket.resume();
  }

  apply(items: CoreItem[]): void {
    for (const item of items) this.applyOne(item);
  }

  /** Sends what is batched now (before a shutdown). */
  flush(): void {
    this.toCore.flush();
  }

  /** The core is gone: every connection to it is dropped at once (clients reconnect, to a core that lives). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Ends every socket (flushing what was written); resolves when all are closed or after `graceMs`. */
  endAll(graceMs: number): Promise<void> {
    this.flush();
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
        resolve();
      }, graceMs);
      timer.unref();
      for (const socket of this.sockets) {
        socket.on('close', () => {
          if (this.sockets.size > 0) return;
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      }
    });
  }

  private applyOne(item: CoreItem): void {
    if (item.t === 'key') {
      this.router.keyArrived(item.keyId, item.key);
      return;
    }
    const conn = this.connections.get(item.conn);
    if (!conn) return;
    switch (item.t) {
      case 'send': {
        const packet = this.router.encrypt(item.keyId, item.plain);
        if (packet) conn.sendPacket(packet);
        else conn.close('the core sent under a key this connection never used');
        break;
      }
      case 'raw':
        if (item.keyed) this.router.markKeyed(item.conn);
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
        const resolve = this.signedInAsked.get(item.conn);
        this.signedInAsked.delete(item.conn);
        resolve?.(item.signedIn);
        break;
      }
    }
  }
}
