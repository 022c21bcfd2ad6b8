// Cryptographically secure random bytes drawn from a pre-filled pool: one randomFillSync per 64 KiB
// instead of one OpenSSL call per message (padding, nonces, ids are a few bytes each, many times a second).
// Every call returns a fresh copy, so callers may keep and modify what they get.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;

export function createRandomPool(size = POOL_BYTES): (n: number) => Buffer {
  const pool = Buffer.allocUnsafe(size);
  let offset = size;
  return (n: number) => {
    if (n > size) return randomFillSync(Buffer.allocUnsafe(n));
    if (offset + n > size) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = Buffer.allocUnsafe(n);
    pool.copy(out, 0, offset, offset + n);
    // Used bytes are never handed out twice.
    offset += n;
    return out;
  };
}
