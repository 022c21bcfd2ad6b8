// Deterministic randomness for the crypto and transport tests: a seeded SHA-256 counter stream.
import { createHash } from 'node:crypto';

export function seededRandom(seed: string): (n: number) => Buffer {
  let counter = 0;
  return (n: number) => {
    const out = Buffer.allocUnsafe(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      block.copy(out, off, 0, Math.min(32, n - off));
    }
    return out;
  };
}
