// Binary primitives of the TL serialization (core.telegram.org/mtproto/serialize):
// little-endian 32/64-bit integers, 4-byte aligned length-prefixed byte strings.
// The generated codecs call these; nothing else should assemble TL bytes by hand.

/** A TL stream that cannot be decoded (truncated, unknown constructor, bad length). */
export class TlError extends Error {
  override name = 'TlError';
}

export class TlReader {
  pos: number;
  readonly buf: Buffer;
  /** Reads from `start` up to `end` of `buf` (whole buffer by default). */
  constructor(buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new TlError(`unexpected end of TL data: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** `n` raw bytes (a copy, so the result outlives the input buffer). */
  raw(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  int128(): Buffer {
    return this.raw(16);
  }

  int256(): Buffer {
    return this.raw(32);
  }

  /** TL `bytes`: 1-byte length (<254) or 0xfe + 3-byte length, then data, padded to 4 bytes. */
  bytes(): Buffer {
    const [start, len] = this.bytesSpan();
    return Buffer.from(this.buf.subarray(start, start + len));
  }

  /** Reads a TL `bytes` header and skips the data; returns where the data starts and its length. */
  private bytesSpan(): [number, number] {
    this.need(1);
    let len = this.buf[this.pos]!;
    let header = 1;
    if (len === 254) {
      this.need(4);
      len = this.buf.readUIntLE(this.pos + 1, 3);
      header = 4;
    } else if (len === 255) {
      throw new TlError(`invalid TL bytes length marker 0xff at ${this.pos}`);
    }
    const total = header + len;
    const padded = total + ((4 - (total % 4)) % 4);
    this.need(padded);
    const start = this.pos + header;
    this.pos += padded;
    return [start, len];
  }

  string(): string {
    // Decoded straight from the input (no intermediate copy); invalid UTF-8 becomes U+FFFD either way.
    const [start, len] = this.bytesSpan();
    return this.buf.toString('utf8', start, start + len);
  }

  bool(): boolean {
    const id = this.uint32();
    if (id === 0x997275b5) return true;
    if (id === 0xbc799737) return false;
    throw new TlError(`expected Bool, got constructor 0x${id.toString(16)}`);
  }

  /** Reads a boxed-vector header (0x1cb5c415) and returns the element count. */
  vectorLength(): number {
    const id = this.uint32();
    if (id !== 0x1cb5c415) throw new TlError(`expected vector, got constructor 0x${id.toString(16)}`);
    return this.count();
  }

  /** Element count of a bare vector, sanity-checked against the bytes left (each element is at least 4 bytes). */
  count(): number {
    const n = this.int32();
    if (n < 0 || n * 4 > this.remaining) throw new TlError(`vector length ${n} does not fit in ${this.remaining} remaining bytes`);
    return n;
  }
}

export class TlWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  int128(b: Uint8Array): void {
    if (b.length !== 16) throw new TlError(`int128 must be 16 bytes, got ${b.length}`);
    this.raw(b);
  }

  int256(b: Uint8Array): void {
    if (b.length !== 32) throw new TlError(`int256 must be 32 bytes, got ${b.length}`);
    this.raw(b);
  }

  bytes(b: Uint8Array): void {
    const len = b.length;
    const header = len < 254 ? 1 : 4;
    const total = header + len;
    const pad = (4 - (total % 4)) % 4;
    this.ensure(total + pad);
    if (header === 1) {
      this.buf[this.pos] = len;
    } else {
      if (len > 0xffffff) throw new TlError(`TL bytes too long: ${len}`);
      this.buf[this.pos] = 254;
      this.buf.writeUIntLE(len, this.pos + 1, 3);
    }
    this.buf.set(b, this.pos + header);
    this.buf.fill(0, this.pos + total, this.pos + total + pad);
    this.pos += total + pad;
  }

  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf-8'));
  }

  bool(v: boolean): void {
    this.uint32(v ? 0x997275b5 : 0xbc799737);
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
