// Live connections of this node, by transport, for shutdown, metrics and the session layer.
import type { Logger } from 'pino';
import type { ConnectionHandle } from '../session/connection.js';
import type { SessionService } from '../session/session-service.js';
import type { GatewayMetrics } from '../../infra/metrics/metrics.js';

export interface ConnectionRegistryOptions {
  metrics?: GatewayMetrics;
  /** Logs one line per opened connection; closes are logged by the connection, with their reason. */
  log?: Logger;
}

export class ConnectionRegistry {
  private readonly live = new Map<number, ConnectionHandle>();

  constructor(
    private readonly sessions: SessionService,
    private readonly opts: ConnectionRegistryOptions = {},
  ) {}

  add(conn: ConnectionHandle): void {
    this.live.set(conn.id, conn);
    this.opts.metrics?.connectionOpened(conn.transport);
    // An HTTP exchange is one request, not a connection: a line each would flood the log.
    if (!conn.ephemeral) this.opts.log?.info({ conn: conn.id, transport: conn.transport.split('/')[0], remote: conn.remoteAddress }, 'connection opened');
  }

  remove(conn: ConnectionHandle): void {
    if (this.live.delete(conn.id)) this.opts.metrics?.connectionClosed(conn.transport);
    this.sessions.connectionClosed(conn);
  }

  get size(): number {
    return this.live.size;
  }

  closeAll(reason: string): void {
    for (const conn of this.live.values()) conn.close(reason);
  }
}
