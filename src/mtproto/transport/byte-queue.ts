// Incoming bytes of one connection, across TCP chunk boundaries. Frames that lie inside one chunk are returned as
// views of that chunk (no copy); only frames split across chunks are assembled into a new buffer.

export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The byte at position `i` from the read position; i < length. */
  byteAt(i: number): number {
    let pos = i + this.offset;
    for (const c of this.chunks) {
      if (pos < c.length) return c[pos]!;
      pos -= c.length;
    }
    throw new RangeError(`byteAt(${i}) beyond ${this.length} queued bytes`);
  }

  uint32LE(i: number): number {
    const first = this.chunks[0]!;
    const pos = this.offset + i;
    if (pos + 4 <= first.length) return first.readUInt32LE(pos);
    return (this.byteAt(i) | (this.byteAt(i + 1) << 8) | (this.byteAt(i + 2) << 16) | (this.byteAt(i + 3) << 24)) >>> 0;
  }

  /** Removes and returns the next `n` bytes (n <= length). */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0 || !first) return Buffer.alloc(0);
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const c = this.chunks[0]!;
      const count = Math.min(n - written, c.length - this.offset);
      c.copy(out, written, this.offset, this.offset + count);
      written += count;
      this.advance(count);
    }
    return out;
  }

  skip(n: number): void {
    while (n > 0) {
      const c = this.chunks[0]!;
      const count = Math.min(n, c.length - this.offset);
      this.advance(count);
      n -= count;
    }
  }

  /** Removes and returns everything queued. */
  takeAll(): Buffer {
    return this.take(this.length);
  }

  private advance(n: number): void {
    this.offset += n;
    this.length -= n;
    if (this.offset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
