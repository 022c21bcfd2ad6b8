// Live connections of this node, by transport, for shutdown, metrics and the session layer.
import type { ConnectionHandle } from '../session/connection.js';
import type { SessionService } from '../session/session-service.js';

export class ConnectionRegistry {
  private readonly live = new Map<number, ConnectionHandle>();

  constructor(private readonly sessions: SessionService) {}

  add(conn: ConnectionHandle): void {
    this.live.set(conn.id, conn);
  }

  remove(conn: ConnectionHandle): void {
    this.live.delete(conn.id);
    this.sessions.connectionClosed(conn);
  }

  get size(): number {
    return this.live.size;
  }

  closeAll(reason: string): void {
    for (const conn of this.live.values()) conn.close(reason);
  }
}
