// Full framing: per packet length (4, LE, counting all 12 overhead bytes), seqno (4, LE, counting packets in this
// direction from 0), payload, CRC32 of everything before it. No tag byte: the server recognises it by the first
// packet's seqno 0. Quick ACK tokens are sent like in the intermediate framing (4 bytes LE, top bit set), which a
// length can never have.
import { crc32 } from 'node:zlib';
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

const OVERHEAD = 12;

class FullFraming {
  private readonly queue = new ByteQueue();
  private readonly max: number;
  private sendSeq = 0;
  private recvSeq = 0;

  constructor(options: CodecOptions) {
    this.max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  }

  encode(payload: Buffer): Buffer {
    if (payload.length % 4 !== 0) throw new TransportError(`full payload length ${payload.length} is not a multiple of 4`);
    const total = payload.length + OVERHEAD;
    const out = Buffer.allocUnsafe(total);
    out.writeUInt32LE(total, 0);
    out.writeInt32LE(this.sendSeq, 4);
    this.sendSeq = (this.sendSeq + 1) | 0;
    out.set(payload, 8);
    out.writeUInt32LE(crc32(out.subarray(0, total - 4)), total - 4);
    return out;
  }

  /** The next complete packet's payload, a quick ACK token (top bit set) if `acks`, or null when incomplete. */
  next(acks: boolean): Buffer | number | null {
    const q = this.queue;
    if (q.length < 4) return null;
    const total = q.uint32LE(0);
    if (acks && total >>> 31 === 1) {
      q.skip(4);
      return total;
    }
    const length = total - OVERHEAD;
    if (length < MIN_FRAME_LENGTH) throw new TransportError(`full frame too short: ${total} bytes`);
    if (length > this.max) throw new TransportError(`full frame of ${length} bytes exceeds the ${this.max}-byte limit`);
    if (total % 4 !== 0) throw new TransportError(`full frame length ${total} is not a multiple of 4`);
    if (q.length < total) return null;
    const frame = q.take(total);
    const seq = frame.readInt32LE(4);
    if (seq !== this.recvSeq) throw new TransportError(`full frame seqno ${seq}, expected ${this.recvSeq}`);
    if (crc32(frame.subarray(0, total - 4)) !== frame.readUInt32LE(total - 4)) throw new TransportError('full frame CRC32 mismatch');
    this.recvSeq = (this.recvSeq + 1) | 0;
    return frame.subarray(8, total - 4);
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }
}

/** Server side: parses client frames, encodes server frames; each direction counts its own seqno from 0. */
export class FullCodec implements TransportCodec {
  private readonly framing: FullFraming;

  constructor(options: CodecOptions = {}) {
    this.framing = new FullFraming(options);
  }

  feed(chunk: Buffer): TransportFrame[] {
    this.framing.push(chunk);
    const frames: TransportFrame[] = [];
    for (let p = this.framing.next(false); p !== null; p = this.framing.next(false)) {
      frames.push({ payload: p as Buffer, quickAck: false });
    }
    return frames;
  }

  encode(payload: Buffer): Buffer {
    return this.framing.encode(payload);
  }

  encodeQuickAck(token: number): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32LE(quickAckValue(token));
    return out;
  }

  encodeError(code: number): Buffer {
    return this.framing.encode(errorPayload(code));
  }
}

/** Client side: encodes client frames, parses server frames and quick ACKs. */
export class FullClientCodec implements ClientCodec {
  readonly tag = Buffer.alloc(0);
  private readonly framing: FullFraming;

  constructor(options: CodecOptions = {}) {
    this.framing = new FullFraming(options);
  }

  feed(chunk: Buffer): ServerMessage[] {
    this.framing.push(chunk);
    const out: ServerMessage[] = [];
    for (let p = this.framing.next(true); p !== null; p = this.framing.next(true)) {
      out.push(typeof p === 'number' ? { type: 'quickAck', token: p } : serverMessage(p));
    }
    return out;
  }

  /** The full framing has no quick ACK request bit. */
  encode(payload: Buffer): Buffer {
    return this.framing.encode(payload);
  }
}
