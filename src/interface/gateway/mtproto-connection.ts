// One client connection over a byte stream (TCP or WebSocket): transport framing in, packets out.
// Frames are handled strictly in order; a connection that floods or sends garbage is closed alone.
import type { Logger } from 'pino';
import { ServerTransport, TransportError } from '../../mtproto/transport/index.js';
import type { ConnectionHandle } from '../session/connection.js';
import type { RouterConnectionState } from './packet-router.js';
import { PacketQueue } from './packet-queue.js';

/** Where a connection's packets go: the packet router of the node, or a gateway's forwarder to the core. */
export interface PacketSink {
  route(conn: ConnectionHandle, state: RouterConnectionState, packet: Buffer, quickAck: boolean): Promise<void>;
  connectionClosed(state: RouterConnectionState, conn: ConnectionHandle): void;
}

export interface ByteStreamIo {
  write(data: Buffer): void;
  /** Flushes what was written, then closes. */
  end(): void;
}

/**
 * The shortest silence after which ping_delay_disconnect closes a connection. Telegram's rule is "close
 * unless another ping arrives within disconnect_delay", but TDLib-style clients (TDLib, mtcute) send a short
 * delay (about 7 s: 2.5 round trips + 2 s) only while requests are pending, and once idle ping every 60 s
 * (plus up to 5 s of jitter) with no ping in between: the last short delay would drop every idle client a
 * few seconds after its last request, and it would reconnect at once, costing battery and latency for
 * nothing. So any packet counts as a sign of life, and the deadline is never shorter than the docs' own
 * example for a client pinging once a minute (75 s). A dead peer is still noticed within that time.
 */
const MIN_PING_DISCONNECT_MS = 75_000;

let nextConnectionId = 1;

/** A connection id unique in this process (the session layer keys sessions by it, whoever holds the socket). */
export function allocateConnectionId(): number {
  return nextConnectionId++;
}

export class MtprotoConnection implements ConnectionHandle {
  closed = false;
  private readonly framing = new ServerTransport();
  private readonly routerState: RouterConnectionState = {};
  private readonly queue = new PacketQueue(this, (err) => this.log.error({ conn: this.id, err }, 'packet handling failed'));
  /** Complete frames received so far (the first-frame deadline looks at it). */
  framesReceived = 0;
  private pingTimer?: NodeJS.Timeout;
  /** The ping_delay_disconnect deadline in effect (ms of silence), and when the client last sent anything. */
  private pingDisconnectMs = 0;
  private lastInboundAt = 0;

  constructor(
    private readonly io: ByteStreamIo,
    private readonly router: PacketSink,
    readonly remoteAddress: string,
    private readonly carrier: 'tcp' | 'ws',
    private readonly log: Logger,
    private readonly onClosed: (conn: MtprotoConnection) => void,
    readonly id: number = allocateConnectionId(),
  ) {}

  /** The connection carries an auth key: a handshake finished on it, or it sent a packet under a known key. */
  get hasAuthKey(): boolean {
    return this.routerState.keyed === true;
  }

  get transport(): string {
    return `${this.carrier}/${this.framing.kind ?? 'unknown'}`;
  }

  onBytes(chunk: Buffer): void {
    if (this.closed) return;
    this.lastInboundAt = Date.now();
    let frames;
    try {
      frames = this.framing.feed(chunk);
    } catch (err) {
      if (err instanceof TransportError) this.close(`transport error: ${err.message}`);
      else this.close(`transport failure: ${(err as Error).message}`);
      return;
    }
    for (const frame of frames) {
      this.framesReceived++;
      this.queue.push(frame.payload.length, () => this.router.route(this, this.routerState, frame.payload, frame.quickAck));
      if (this.closed) return;
    }
  }

  sendPacket(packet: Buffer): void {
    if (this.closed) return;
    this.io.write(this.framing.encode(packet));
  }

  sendQuickAck(token: number): void {
    if (this.closed) return;
    this.io.write(this.framing.encodeQuickAck(token));
  }

  failWithTransportError(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.io.write(this.framing.encodeError(code));
    } catch {
      // Framing not known yet: nothing sensible can be written.
    }
    this.close(reason, code);
  }

  setPingDisconnect(seconds: number): void {
    if (this.closed) return;
    this.pingDisconnectMs = Math.max(Math.min(seconds, 24 * 3600) * 1000, MIN_PING_DISCONNECT_MS);
    this.lastInboundAt = Date.now();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.armPingTimer(this.pingDisconnectMs);
  }

  /** One timer per connection, re-armed when it fires early rather than on every packet. */
  private armPingTimer(delayMs: number): void {
    this.pingTimer = setTimeout(() => {
      const silentMs = Date.now() - this.lastInboundAt;
      if (silentMs < this.pingDisconnectMs) this.armPingTimer(this.pingDisconnectMs - silentMs);
      else this.close(`nothing received for ${Math.round(silentMs / 1000)} s after ping_delay_disconnect`);
    }, delayMs);
    this.pingTimer.unref();
  }

  close(reason: string, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.log.info({ conn: this.id, transport: this.transport, remote: this.remoteAddress, reason, code }, 'connection closed by server');
    this.io.end();
    this.router.connectionClosed(this.routerState, this);
    this.onClosed(this);
  }

  /** The peer went away (socket closed or errored). */
  peerClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.log.info({ conn: this.id, transport: this.transport, remote: this.remoteAddress, reason: 'peer closed' }, 'connection closed by peer');
    this.router.connectionClosed(this.routerState, this);
    this.onClosed(this);
  }
}
