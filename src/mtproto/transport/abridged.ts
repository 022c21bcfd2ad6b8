// Abridged framing: 0xef once, then per packet length/4 in one byte (< 0x7f) or 0x7f + 3 bytes little-endian.
// A client asks for a quick ACK by setting the top bit of the first length byte (0x80 | len/4, or 0xff + 3 bytes).
// The server answers quick ACKs with the 4-byte token byte-swapped (big-endian); the token's top bit is set, which
// tells it apart from a length byte.
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

export const ABRIDGED_TAG = 0xef;

function encodeAbridged(payload: Buffer, quickAck: boolean): Buffer {
  const len = payload.length;
  if (len % 4 !== 0) throw new TransportError(`abridged payload length ${len} is not a multiple of 4`);
  const words = len >>> 2;
  if (words >= 1 << 24) throw new TransportError(`abridged payload too long: ${len} bytes`);
  let out: Buffer;
  if (words < 0x7f) {
    out = Buffer.allocUnsafe(1 + len);
    out[0] = words | (quickAck ? 0x80 : 0);
    out.set(payload, 1);
  } else {
    out = Buffer.allocUnsafe(4 + len);
    out[0] = quickAck ? 0xff : 0x7f;
    out.writeUIntLE(words, 1, 3);
    out.set(payload, 4);
  }
  return out;
}

/** Length header at the front of `q`: null until complete. */
function readHeader(q: ByteQueue, max: number): { headerLength: number; length: number; flag: boolean } | null {
  if (q.length < 1) return null;
  const first = q.byteAt(0);
  const flag = (first & 0x80) !== 0;
  let words = first & 0x7f;
  let headerLength = 1;
  if (words === 0x7f) {
    if (q.length < 4) return null;
    words = q.byteAt(1) | (q.byteAt(2) << 8) | (q.byteAt(3) << 16);
    headerLength = 4;
  }
  const length = words * 4;
  if (length < MIN_FRAME_LENGTH) throw new TransportError(`abridged frame too short: ${length} bytes`);
  if (length > max) throw new TransportError(`abridged frame of ${length} bytes exceeds the ${max}-byte limit`);
  return { headerLength, length, flag };
}

/** Server side: parses client frames, encodes server frames. */
export class AbridgedCodec implements TransportCodec {
  private readonly queue = new ByteQueue();
  private readonly max: number;

  constructor(options: CodecOptions = {}) {
    this.max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  }

  feed(chunk: Buffer): TransportFrame[] {
    this.queue.push(chunk);
    const frames: TransportFrame[] = [];
    for (;;) {
      const h = readHeader(this.queue, this.max);
      if (!h || this.queue.length < h.headerLength + h.length) return frames;
      this.queue.skip(h.headerLength);
      frames.push({ payload: this.queue.take(h.length), quickAck: h.flag });
    }
  }

  encode(payload: Buffer): Buffer {
    return encodeAbridged(payload, false);
  }

  encodeQuickAck(token: number): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(quickAckValue(token));
    return out;
  }

  encodeError(code: number): Buffer {
    return encodeAbridged(errorPayload(code), false);
  }
}

/** Client side: encodes client frames, parses server frames and quick ACKs. */
export class AbridgedClientCodec implements ClientCodec {
  readonly tag = Buffer.from([ABRIDGED_TAG]);
  private readonly queue = new ByteQueue();
  private readonly max: number;

  constructor(options: CodecOptions = {}) {
    this.max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  }

  feed(chunk: Buffer): ServerMessage[] {
    this.queue.push(chunk);
    const out: ServerMessage[] = [];
    for (;;) {
      if (this.queue.length < 1) return out;
      if (this.queue.byteAt(0) & 0x80) {
        if (this.queue.length < 4) return out;
        out.push({ type: 'quickAck', token: this.queue.take(4).readUInt32BE(0) });
        continue;
      }
      const h = readHeader(this.queue, this.max);
      if (!h || this.queue.length < h.headerLength + h.length) return out;
      this.queue.skip(h.headerLength);
      out.push(serverMessage(this.queue.take(h.length)));
    }
  }

  encode(payload: Buffer, quickAck = false): Buffer {
    return encodeAbridged(payload, quickAck);
  }
}
