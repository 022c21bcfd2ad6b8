// The gateway/core link between nodes: one TCP connection carrying messages (item batches and the link's own
// hello), each a 4-byte little-endian length and the message in V8's serialization (what the IPC channel of a
// local gateway process uses too: bigints and buffers pass as they are). The link is authenticated before
// any item flows: the core sends a random challenge, the gateway answers HMAC-SHA256(link secret, challenge).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';

/** A batch bigger than this is a broken or hostile peer (client packets are at most a few MiB). */
export const MAX_LINK_MESSAGE_BYTES = 256 * 1024 * 1024;

/** The challenge and its answer are far smaller. */
export const MAX_UNAUTHENTICATED_BYTES = 4096;

export type CoreLinkMessage = { t: 'challenge'; nonce: Buffer } | { t: 'welcome' } | { t: 'items'; batch: Buffer };
export type GatewayLinkMessage = { t: 'answer'; mac: Buffer; node: string } | { t: 'items'; batch: Buffer };

export class LinkError extends Error {}

/** Frames messages onto `socket` and parses the frames arriving on it. */
export class FramedLink<In, Out> {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private corked = false;
  /** Until the peer is authenticated only a small message (the challenge's answer) is read. */
  maxMessageBytes = MAX_UNAUTHENTICATED_BYTES;

  constructor(
    private readonly socket: Socket,
    private readonly onMessage: (message: In) => void,
    private readonly onError: (err: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
  }

  send(message: Out): void {
    if (this.socket.destroyed) return;
    const body = serialize(message);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(body.length, 0);
    // Header and body leave in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(header);
    this.socket.write(body);
  }

  private feed(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes >= 4) {
      if (this.buffered[0]!.length < 4) this.buffered = [Buffer.concat(this.buffered)];
      const length = this.buffered[0]!.readUInt32LE(0);
      if (length > this.maxMessageBytes) {
        this.fail(new LinkError(`link message of ${length} bytes (at most ${this.maxMessageBytes} here)`));
        return;
      }
      if (this.bufferedBytes < 4 + length) return;
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      const body = all.subarray(4, 4 + length);
      const rest = all.subarray(4 + length);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
      let message: In;
      try {
        message = deserialize(body) as In;
      } catch (err) {
        this.fail(new LinkError(`undecodable link message: ${(err as Error).message}`));
        return;
      }
      this.onMessage(message);
      if (this.socket.destroyed) return;
    }
  }

  private fail(err: Error): void {
    this.buffered = [];
    this.bufferedBytes = 0;
    this.socket.destroy();
    this.onError(err);
  }
}

export function linkChallenge(): Buffer {
  return randomBytes(32);
}

export function linkAnswer(secret: string, nonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('echo gateway link\n').update(nonce).digest();
}

export function linkAnswerValid(secret: string, nonce: Buffer, mac: unknown): boolean {
  if (!Buffer.isBuffer(mac) && !(mac instanceof Uint8Array)) return false;
  const expected = linkAnswer(secret, nonce);
  return mac.length === expected.length && timingSafeEqual(expected, mac);
}
