// A client connection whose socket a gateway holds, as the core's session layer and packet router see it:
// what they send becomes items for that gateway; what the gateway decrypted is handled in arrival order.
import type { Logger } from 'pino';
import type { ConnectionHandle } from '../../session/connection.js';
import { MAX_QUEUED_BYTES, MAX_QUEUED_FRAMES } from '../mtproto-connection.js';
import type { RouterConnectionState } from '../packet-router.js';
import type { CoreItem } from './items.js';

export class GatewayConnection implements ConnectionHandle {
  closed = false;
  transport = 'tcp/unknown';
  readonly routerState: RouterConnectionState = {};
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;

  constructor(
    /** This process's id for it (sessions are keyed by it). */
    readonly id: number,
    /** The gateway's id for it, used on the link. */
    readonly wire: number,
    readonly remoteAddress: string,
    private readonly post: (item: CoreItem) => void,
    private readonly log: Logger,
    /** Called once when the connection is gone for the core (closed by it, or reported closed by the gateway). */
    private readonly onClosed: (conn: GatewayConnection) => void,
  ) {}

  /**
   * Runs `work` after everything received before it on this connection, as a socket's frames are. The gateway
   * passes packets on as fast as the client sends them, so the bound a socket's own queue sets in one process
   * (MAX_QUEUED_FRAMES, MAX_QUEUED_BYTES) is kept here: a client over it gets -429 and is closed.
   */
  handle(bytes: number, work: () => Promise<void>): void {
    this.queuedBytes += bytes;
    if (++this.queued > MAX_QUEUED_FRAMES || this.queuedBytes > MAX_QUEUED_BYTES) {
      this.failWithTransportError(-429, 'too many frames in flight');
      return;
    }
    this.queue = this.queue
      .then(() => (this.closed ? undefined : work()))
      .catch((err: Error) => {
        this.log.error({ conn: this.id, err }, 'packet handling failed');
        this.close(`internal error: ${err.message}`);
      })
      .finally(() => {
        this.queued--;
        this.queuedBytes -= bytes;
      });
  }

  sendPacket(packet: Buffer): void {
    if (!this.closed) this.post({ t: 'raw', conn: this.wire, packet, keyed: this.routerState.keyed === true });
  }

  sendPlaintext(keyId: bigint, plain: Buffer): void {
    if (!this.closed) this.post({ t: 'send', conn: this.wire, keyId, plain });
  }

  // The gateway sends quick acks itself: it decrypts, so it has what the token is computed from.
  sendQuickAck(): void {}

  failWithTransportError(code: number, reason: string): void {
    if (this.closed) return;
    this.post({ t: 'transportError', conn: this.wire, code, reason });
    this.gone();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.post({ t: 'close', conn: this.wire, reason });
    this.gone();
  }

  setPingDisconnect(seconds: number): void {
    if (!this.closed) this.post({ t: 'pingDisconnect', conn: this.wire, seconds });
  }

  /** The gateway reported the socket closed, or the gateway itself is gone. */
  peerClosed(): void {
    if (!this.closed) this.gone();
  }

  private gone(): void {
    this.closed = true;
    this.onClosed(this);
  }
}
