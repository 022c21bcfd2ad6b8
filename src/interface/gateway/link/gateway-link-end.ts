// The core's end of one link to one gateway (a local gateway process, or a remote gateway node): the
// connections that gateway holds, as GatewayConnections the session layer and the packet router use, and what
// the gateway's items mean for them. Connections are known on the link by the gateway's id for them (`wire`)
// and in this process by an id of its own, unique among all its connections.
import type { Logger } from 'pino';
import type { LimitMetrics } from '../../../infra/metrics/metrics.js';
import type { AuthKeyRegistry } from '../../session/auth-keys.js';
import type { SessionService } from '../../session/session-service.js';
import type { ConnectionRegistry } from '../connection-registry.js';
import { allocateConnectionId } from '../mtproto-connection.js';
import type { PacketRouter } from '../packet-router.js';
import { GatewayConnection } from './gateway-connection.js';
import type { CoreItem, GatewayItem } from './items.js';

export interface GatewayLinkDeps {
  router: PacketRouter;
  sessions: Pick<SessionService, 'handleDecrypted' | 'isSignedInConnection'>;
  keys: Pick<AuthKeyRegistry, 'get'>;
  connections: ConnectionRegistry;
  metrics?: LimitMetrics;
  log: Logger;
}

export class GatewayLinkEnd {
  /** By the gateway's id. */
  private readonly held = new Map<number, GatewayConnection>();

  constructor(
    private readonly deps: GatewayLinkDeps,
    private readonly post: (item: CoreItem) => void,
    /** Called once per connection when its socket is gone (or the link is). */
    private readonly onReleased: (conn: GatewayConnection) => void = () => undefined,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** A connection the gateway accepted; `id` is this process's id for it (a fresh one unless given). */
  open(wire: number, remote: string, id: number = allocateConnectionId()): GatewayConnection {
    const conn = new GatewayConnection(id, wire, remote, this.post, this.deps.log, (c) => {
      this.deps.router.connectionClosed(c.routerState, c);
      this.deps.connections.remove(c);
    });
    this.held.set(wire, conn);
    this.deps.connections.add(conn);
    return conn;
  }

  received(items: GatewayItem[]): void {
    const { router, sessions, keys, log } = this.deps;
    for (const item of items) {
      switch (item.t) {
        case 'open':
          if (!this.held.has(item.conn)) this.open(item.conn, item.remote);
          break;
        case 'keyWanted':
          keys.get(item.keyId).then(
            (key) => this.post({ t: 'key', keyId: item.keyId, key: key ? key.authKey.key : null }),
            (err: Error) => {
              log.warn({ keyId: item.keyId.toString(), err: err.message }, 'auth key lookup for a gateway failed');
              this.post({ t: 'key', keyId: item.keyId, key: null });
            },
          );
          break;
        case 'limitHit':
          this.deps.metrics?.limitHit(item.limit);
          break;
        case 'closed':
          this.release(item.conn);
          break;
        default: {
          const conn = this.held.get(item.conn);
          if (!conn || conn.closed) break;
          if (item.t === 'framing') conn.transport = item.transport;
          else if (item.t === 'plain') conn.handle(item.packet.length, () => router.route(conn, conn.routerState, item.packet, false));
          else if (item.t === 'message') conn.handle(item.plain.length, () => sessions.handleDecrypted(conn, item.keyId, item.plain));
          else if (item.t === 'idle') this.post({ t: 'signedIn', conn: item.conn, signedIn: sessions.isSignedInConnection(conn.id) });
        }
      }
    }
  }

  /** The socket of `wire` is gone (or never reached the gateway). */
  release(wire: number): void {
    const conn = this.held.get(wire);
    if (!conn) return;
    this.held.delete(wire);
    conn.peerClosed();
    this.onReleased(conn);
  }

  /** The link is gone: so is every connection it carried (their clients reconnect). */
  releaseAll(): void {
    for (const wire of [...this.held.keys()]) this.release(wire);
  }
}
