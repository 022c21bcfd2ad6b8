// Limits at the edge of the network, shared by the TCP gateway and the HTTP/WebSocket listener:
// - connections per remote address and in all, over which a new socket is reset at once;
// - deadlines a slow client cannot stretch by trickling bytes: the first complete frame, and an auth key in
//   use (handshake done, or a packet under a known key), both counted from accept;
// - a short idle timeout until the connection carries a signed-in session, the long one after;
// - back-pressure: above `outboundHigh` buffered outgoing bytes the socket stops being read (no new requests,
//   so no new answers) and must drain below it within `drainMs`; above `outboundMax` it is closed at once.
// Every refusal or close counts in echo_limit_hits_total{limit}.
import type { Logger } from 'pino';
import type { LimitsConfig } from '../../infra/config/index.js';
import type { LimitMetrics } from '../../infra/metrics/metrics.js';

export type ConnectionLimitsConfig = Pick<
  LimitsConfig,
  'connectionsPerAddress' | 'connections' | 'firstFrameMs' | 'handshakeMs' | 'unauthorizedIdleMs' | 'idleMs' | 'outboundHigh' | 'outboundMax' | 'drainMs'
>;

/** Just the fields the connection limits use (what a gateway process is sent). */
export function connectionLimitsConfig(limits: LimitsConfig): ConnectionLimitsConfig {
  const { connectionsPerAddress, connections, firstFrameMs, handshakeMs, unauthorizedIdleMs, idleMs, outboundHigh, outboundMax, drainMs } = limits;
  return { connectionsPerAddress, connections, firstFrameMs, handshakeMs, unauthorizedIdleMs, idleMs, outboundHigh, outboundMax, drainMs };
}

/** The connection as the limits see it (MtprotoConnection). */
export interface LimitedConnection {
  readonly id: number;
  readonly closed: boolean;
  readonly framesReceived: number;
  readonly hasAuthKey: boolean;
  close(reason: string): void;
}

/** The byte stream under it (a TCP socket, a WebSocket and its socket). */
export interface LimitedStream {
  /** Outgoing bytes buffered in the process, not yet taken by the kernel. */
  buffered(): number;
  pause(): void;
  resume(): void;
  /** Called whenever the write buffer has emptied. */
  onDrain(listener: () => void): void;
  /** Calls `onIdle` after `ms` without bytes in either direction (replacing the previous timeout). */
  setIdleTimeout(ms: number, onIdle: () => void): void;
  /** Drops the stream without flushing what is buffered. */
  destroy(): void;
}

export interface ConnectionWatch {
  /** Call after each write: checks the outgoing buffer. */
  afterWrite(): void;
  /** Call when the connection is gone: clears the timers. */
  stop(): void;
}

/** A connection closed by a deadline gets this long to see the FIN before its socket is dropped. */
const CLOSE_GRACE_MS = 1000;

export class ConnectionLimits {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly cfg: ConnectionLimitsConfig,
    /** isSignedIn: asked when the short idle timeout runs out (a gateway process asks its core, hence the promise). */
    private readonly opts: { isSignedIn: (connId: number) => boolean | Promise<boolean>; metrics?: LimitMetrics; log?: Logger },
  ) {}

  /** Counts a new socket from `remote`; false (nothing counted) when a cap is reached: refuse it. */
  admit(remote: string): boolean {
    const mine = this.perAddress.get(remote) ?? 0;
    const limit = mine >= this.cfg.connectionsPerAddress ? 'connections_per_address' : this.total >= this.cfg.connections ? 'connections_total' : undefined;
    if (limit) {
      this.hit(limit);
      // debug only: a flood of refusals must not become a flood of log lines.
      this.opts.log?.debug({ remote, limit }, 'connection refused');
      return false;
    }
    this.perAddress.set(remote, mine + 1);
    this.total++;
    return true;
  }

  /** The socket of an admitted connection closed. */
  release(remote: string): void {
    const mine = this.perAddress.get(remote);
    if (mine === undefined) return;
    if (mine <= 1) this.perAddress.delete(remote);
    else this.perAddress.set(remote, mine - 1);
    this.total--;
  }

  /** Open sockets counted (for tests and /admin/stats). */
  get open(): number {
    return this.total;
  }

  /** Starts the deadlines, the idle timeout and the back-pressure checks of one connection. */
  watch(conn: LimitedConnection, stream: LimitedStream): ConnectionWatch {
    const { cfg } = this;
    const timers: NodeJS.Timeout[] = [];
    let drainTimer: NodeJS.Timeout | undefined;
    let paused = false;
    let longIdle = false;

    const closeFor = (limit: string, reason: string, now: boolean) => {
      if (conn.closed) return;
      this.hit(limit);
      conn.close(reason);
      if (now) stream.destroy();
      else setTimeout(() => stream.destroy(), CLOSE_GRACE_MS).unref();
    };
    const deadline = (ms: number, check: () => void) => {
      const t = setTimeout(check, ms);
      t.unref();
      timers.push(t);
    };

    deadline(cfg.firstFrameMs, () => {
      if (conn.framesReceived === 0) closeFor('first_frame_timeout', `no complete frame within ${cfg.firstFrameMs} ms`, false);
    });
    deadline(cfg.handshakeMs, () => {
      if (!conn.hasAuthKey) closeFor('handshake_timeout', `no auth key in use within ${cfg.handshakeMs} ms`, false);
    });
    const onIdle = () => {
      if (conn.closed) return;
      if (longIdle) {
        closeFor('idle_timeout', 'idle timeout', false);
        return;
      }
      const signedIn = this.opts.isSignedIn(conn.id);
      const decide = (yes: boolean) => {
        if (conn.closed || longIdle) return;
        if (yes) {
          // Signed in: from now on the long timeout (the first silence may thus last short + long).
          longIdle = true;
          stream.setIdleTimeout(cfg.idleMs, onIdle);
        } else {
          closeFor('unauthorized_idle_timeout', `idle ${cfg.unauthorizedIdleMs} ms without a signed-in session`, false);
        }
      };
      if (typeof signedIn === 'boolean') decide(signedIn);
      else signedIn.then(decide, () => decide(false));
    };
    stream.setIdleTimeout(cfg.unauthorizedIdleMs, onIdle);

    const resume = () => {
      if (!paused) return;
      paused = false;
      if (drainTimer) clearTimeout(drainTimer);
      drainTimer = undefined;
      stream.resume();
    };
    stream.onDrain(resume);

    return {
      afterWrite: () => {
        if (conn.closed) return;
        const buffered = stream.buffered();
        if (buffered > cfg.outboundMax) {
          closeFor('outbound_buffer_max', `outgoing buffer ${buffered} bytes over ${cfg.outboundMax}`, true);
          return;
        }
        if (buffered <= cfg.outboundHigh || paused) return;
        paused = true;
        this.hit('outbound_buffer_high');
        stream.pause();
        drainTimer = setTimeout(() => {
          drainTimer = undefined;
          if (conn.closed) return;
          const left = stream.buffered();
          if (left > cfg.outboundHigh) closeFor('drain_timeout', `outgoing buffer still ${left} bytes after ${cfg.drainMs} ms`, true);
          else resume();
        }, cfg.drainMs);
        drainTimer.unref();
      },
      stop: () => {
        for (const t of timers) clearTimeout(t);
        if (drainTimer) clearTimeout(drainTimer);
      },
    };
  }

  private hit(limit: string): void {
    this.opts.metrics?.limitHit(limit);
  }
}
