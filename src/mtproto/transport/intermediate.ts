// Intermediate framing: 0xeeeeeeee once, then a 4-byte little-endian length and the payload. The padded variant
// (0xdddddddd) appends 0..15 random bytes and counts them in the length, so payloads need not be 4-aligned and the
// receiver cannot strip the padding: frames carry it, and the MTProto layer ignores the bytes after the last whole
// AES block (see crypto/message.ts). The top bit of the length asks for a quick ACK (client) or marks a quick ACK
// token in place of a length (server).
import type { RandomFn } from '../crypto/errors.js';
import { ByteQueue } from './byte-queue.js';
import {
  DEFAULT_MAX_FRAME_LENGTH,
  MIN_FRAME_LENGTH,
  errorPayload,
  quickAckValue,
  serverMessage,
  type ClientCodec,
  type CodecOptions,
  type ServerMessage,
  type TransportCodec,
  type TransportFrame,
} from './codec.js';
import { TransportError } from './errors.js';

export const INTERMEDIATE_TAG = 0xeeeeeeee;
export const PADDED_TAG = 0xdddddddd;

class Framing {
  readonly max: number;
  private readonly random: RandomFn | undefined;

  constructor(readonly padded: boolean, options: CodecOptions) {
    this.max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.random = options.random;
  }

  encode(payload: Buffer, quickAck: boolean, pad = this.padded): Buffer {
    const len = payload.length;
    if (!this.padded && len % 4 !== 0) throw new TransportError(`intermediate payload length ${len} is not a multiple of 4`);
    let padding: Buffer | undefined;
    // Padding is optional (0..15 bytes): without a random source none is sent.
    if (pad && this.random) {
      const r = this.random(16);
      padding = r.subarray(1, 1 + (r[0]! & 15));
    }
    const total = len + (padding?.length ?? 0);
    if (total > 0x7fffffff) throw new TransportError(`intermediate payload too long: ${len} bytes`);
    const out = Buffer.allocUnsafe(4 + total);
    out.writeUInt32LE((total | (quickAck ? 0x80000000 : 0)) >>> 0, 0);
    out.set(payload, 4);
    if (padding) out.set(padding, 4 + len);
    return out;
  }

  /** The payload length announced by `value` (top bit cleared), validated. */
  check(length: number): number {
    if (length < MIN_FRAME_LENGTH) throw new TransportError(`intermediate frame too short: ${length} bytes`);
    if (length > this.max) throw new TransportError(`intermediate frame of ${length} bytes exceeds the ${this.max}-byte limit`);
    if (!this.padded && length % 4 !== 0) throw new TransportError(`intermediate frame length ${length} is not a multiple of 4`);
    return length;
  }

  tagBytes(): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(this.padded ? PADDED_TAG : INTERMEDIATE_TAG);
    return b;
  }
}

/** Server side: parses client frames, encodes server frames. */
export class IntermediateCodec implements TransportCodec {
  private readonly queue = new ByteQueue();
  private readonly framing: Framing;

  constructor(options: CodecOptions & { padded?: boolean } = {}) {
    this.framing = new Framing(options.padded ?? false, options);
  }

  feed(chunk: Buffer): TransportFrame[] {
    this.queue.push(chunk);
    const frames: TransportFrame[] = [];
    while (this.queue.length >= 4) {
      const value = this.queue.uint32LE(0);
      const length = this.framing.check(value & 0x7fffffff);
      if (this.queue.length < 4 + length) break;
      this.queue.skip(4);
      frames.push({ payload: this.queue.take(length), quickAck: value >>> 31 === 1 });
    }
    return frames;
  }

  encode(payload: Buffer): Buffer {
    return this.framing.encode(payload, false);
  }

  encodeQuickAck(token: number): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32LE(quickAckValue(token));
    return out;
  }

  /** Never padded: clients recognise an error by its exact 4-byte length. */
  encodeError(code: number): Buffer {
    return this.framing.encode(errorPayload(code), false, false);
  }
}

/** Client side: encodes client frames, parses server frames and quick ACKs. */
export class IntermediateClientCodec implements ClientCodec {
  readonly tag: Buffer;
  private readonly queue = new ByteQueue();
  private readonly framing: Framing;

  constructor(options: CodecOptions & { padded?: boolean } = {}) {
    this.framing = new Framing(options.padded ?? false, options);
    this.tag = this.framing.tagBytes();
  }

  feed(chunk: Buffer): ServerMessage[] {
    this.queue.push(chunk);
    const out: ServerMessage[] = [];
    while (this.queue.length >= 4) {
      const value = this.queue.uint32LE(0);
      if (value >>> 31 === 1) {
        this.queue.skip(4);
        out.push({ type: 'quickAck', token: value });
        continue;
      }
      const length = this.framing.check(value);
      if (this.queue.length < 4 + length) break;
      this.queue.skip(4);
      out.push(serverMessage(this.queue.take(length)));
    }
    return out;
  }

  encode(payload: Buffer, quickAck = false): Buffer {
    return this.framing.encode(payload, quickAck);
  }
}
