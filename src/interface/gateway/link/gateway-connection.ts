// A client connection whose socket a gateway holds, as the core's session layer and packet router see it:
// what they send becomes items for that gateway; what the gateway decrypted is handled in arrival order.
import type { Logger } from 'pino';
import type { ConnectionHandle } from '../../session/connection.js';
import { PacketQueue } from '../packet-queue.js';
import type { RouterConnectionState } from '../packet-router.js';
import type { CoreItem } from './items.js';

export class GatewayConnection implements ConnectionHandle {
  closed = false;
  transport = 'tcp/unknown';
  readonly routerState: RouterConnectionState = {};
  private readonly queue = new PacketQueue(this, (err) => this.log.error({ conn: this.id, err }, 'packet handling failed'));

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
   * passes packets on as fast as the client sends them, so the bound of a socket's own queue is kept here too.
   */
  handle(bytes: number, work: () => Promise<void>): void {
    this.queue.push(bytes, work);
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
