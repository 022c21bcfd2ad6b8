// A connection's packets, handled one after another in arrival order, with a bound on what may wait: a client
// that sends faster than the server handles is stopped (-429) instead of growing the queue without end. Used
// where packets enter the server: a socket's connection, or a gateway's connection as its core sees it.

/** Frames waiting to be processed per connection before it counts as a flood. */
export const MAX_QUEUED_FRAMES = 512;
/** Bytes of those frames: with the transport's largest frame being read, this bounds a connection's inbound memory. */
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

export interface PacketQueueOwner {
  readonly closed: boolean;
  readonly id: number;
  failWithTransportError(code: number, reason: string): void;
  close(reason: string): void;
}

export class PacketQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;

  constructor(
    private readonly owner: PacketQueueOwner,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Queues `work` for a packet of `bytes`; past the bound the owner gets -429 and nothing is queued. */
  push(bytes: number, work: () => Promise<void>): void {
    this.queuedBytes += bytes;
    if (++this.queued > MAX_QUEUED_FRAMES || this.queuedBytes > MAX_QUEUED_BYTES) {
      this.owner.failWithTransportError(-429, 'too many frames in flight');
      return;
    }
    this.tail = this.tail
      .then(() => (this.owner.closed ? undefined : work()))
      .catch((err: Error) => {
        this.onError(err);
        this.owner.close(`internal error: ${err.message}`);
      })
      .finally(() => {
        this.queued--;
        this.queuedBytes -= bytes;
      });
  }
}
