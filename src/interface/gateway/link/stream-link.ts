// The gateway/core link between nodes: one TCP connection carrying messages (item batches and the link's own
// hello), each a 4-byte little-endian length and the message in V8's serialization (what the IPC channel of a
// local gateway process uses too: bigints and buffers pass as they are). The link is authenticated before
// any item flows: the core sends a random challenge, the gateway answers HMAC-SHA256(link secret, challenge).
// Once it is, each side sends a beat when it has sent nothing for a while and closes the link when it has heard
// nothing for longer: a peer that hangs or is cut off (no FIN ever comes) is let go, and its connections with it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';

/** A batch bigger than this is a broken or hostile peer (client packets are at most a few MiB). */
export const MAX_LINK_MESSAGE_BYTES = 256 * 1024 * 1024;

/** The challenge and its answer are far smaller. */
export const MAX_UNAUTHENTICATED_BYTES = 4096;

/** A beat is sent after this long without sending anything on an authenticated link. */
export const LINK_BEAT_INTERVAL_MS = 2000;
/** A link on which nothing arrived for this long is closed (several beats missed). */
export const LINK_SILENCE_LIMIT_MS = 10_000;

export type CoreLinkMessage = { t: 'challenge'; nonce: Buffer } | { t: 'welcome' } | { t: 'items'; batch: Buffer } | { t: 'beat' };
export type GatewayLinkMessage = { t: 'answer'; mac: Buffer; node: string } | { t: 'items'; batch: Buffer } | { t: 'beat' };

export interface LinkLiveness {
  beatIntervalMs: number;
  silenceLimitMs: number;
}


export class LinkError extends Error {}

/** Frames messages onto `socket` and parses the frames arriving on it. */
/** The beat both ends understand. */
type Beat = { t: 'beat' };

export class FramedLink<In, Out> {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private corked = false;
  private lastSent = Date.now();
  private lastHeard = Date.now();
  private watch?: NodeJS.Timeout;
  /** Until the peer is authenticated only a small message (the challenge's answer) is read. */
  maxMessageBytes = MAX_UNAUTHENTICATED_BYTES;

  constructor(
    private readonly socket: Socket,
    private readonly onMessage: (message: In) => void,
    private readonly onError: (err: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('close', () => clearInterval(this.watch));
  }

  /**
   * Beats while the link is quiet and closes it (`onSilent`, then destroy) once nothing arrived for the limit.
   * Started once the peer is authenticated (both ends do, so each hears the other's beats).
   */
  keepAlive(onSilent: (silentMs: number) => void, liveness: LinkLiveness = { beatIntervalMs: LINK_BEAT_INTERVAL_MS, silenceLimitMs: LINK_SILENCE_LIMIT_MS }): void {
    if (this.watch || this.socket.destroyed) return;
    const tick = Math.max(1, Math.floor(liveness.beatIntervalMs / 2));
    let lastTick = Date.now();
    this.lastHeard = lastTick;
    this.watch = setInterval(() => {
      const now = Date.now();
      // This process was itself held up (its event loop blocked, or the machine paused): what the peer sent
      // meanwhile is still unread, so silence is not judged on this turn.
      if (now - lastTick > 2 * tick + 1000) this.lastHeard = now;
      lastTick = now;
      if (now - this.lastHeard > liveness.silenceLimitMs) {
        clearInterval(this.watch);
        onSilent(now - this.lastHeard);
        this.socket.destroy();
        return;
      }
      if (now - this.lastSent >= liveness.beatIntervalMs) this.write({ t: 'beat' });
    }, tick);
    this.watch.unref();
  }

  send(message: Out): void {
    this.write(message);
  }

  private write(message: Out | Beat): void {
    if (this.socket.destroyed) return;
    this.lastSent = Date.now();
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
    this.lastHeard = Date.now();
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
