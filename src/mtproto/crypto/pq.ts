// The pq challenge of auth key creation (core.telegram.org/mtproto/auth_key, step 2): the server sends the product
// of two distinct primes p < q and the client must factor it. Telegram uses ~31-bit primes, so pq fits in 63 bits.
// Both sides are pure BigInt code: generation needs a few Miller-Rabin rounds, factoring (client only, tests and the
// load generator) costs about 10 ms with Pollard-Brent.
import { CryptoError, type RandomFn } from './errors.js';

/** base^exp mod m by square-and-multiply (plain BigInt: also serves the secret-chat test client's DH). */
export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

/** Miller-Rabin with the first 12 primes as bases: deterministic for every n < 2^64. */
function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const sp of MR_BASES) if (n % sp === 0n) return n === sp;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of MR_BASES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function randomPrime31(random: RandomFn): number {
  for (;;) {
    // Top bit of 31 set so that p*q stays in a narrow range (2^60 <= pq < 2^62).
    let candidate = ((random(4).readUInt32BE(0) & 0x7fffffff) | 0x40000001) >>> 0;
    while (candidate < 0x80000000) {
      if (isPrime(BigInt(candidate))) return candidate;
      candidate += 2;
    }
  }
}

function toBytes(v: bigint, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = v;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function minimalBytes(v: bigint): Buffer {
  let size = 1;
  while (v >> BigInt(size * 8) > 0n) size++;
  return toBytes(v, size);
}

export function generatePq(random: RandomFn): { pq: Buffer; p: Buffer; q: Buffer } {
  const a = randomPrime31(random);
  let b = randomPrime31(random);
  while (b === a) b = randomPrime31(random);
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  return { pq: toBytes(BigInt(p) * BigInt(q), 8), p: toBytes(BigInt(p), 4), q: toBytes(BigInt(q), 4) };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Brent's variant of Pollard's rho with batched gcds; returns a non-trivial factor or n on failure. */
function pollardBrent(n: bigint, c: bigint, y0: bigint): bigint {
  const m = 128;
  let y = y0;
  let x = y0;
  let ys = y0;
  let g = 1n;
  let q = 1n;
  let r = 1;
  while (g === 1n) {
    x = y;
    for (let i = 0; i < r; i++) y = (y * y + c) % n;
    for (let k = 0; k < r && g === 1n; k += m) {
      ys = y;
      const limit = Math.min(m, r - k);
      for (let i = 0; i < limit; i++) {
        y = (y * y + c) % n;
        q = (q * abs(x - y)) % n;
      }
      g = gcd(q, n);
    }
    r *= 2;
  }
  if (g === n) {
    do {
      ys = (ys * ys + c) % n;
      g = gcd(abs(x - ys), n);
    } while (g === 1n);
  }
  return g;
}

/** Client side: splits pq (big-endian) into its two factors p < q, as minimal big-endian byte strings. */
export function factorizePq(pq: Uint8Array): { p: Buffer; q: Buffer } {
  if (pq.length === 0 || pq.length > 8) throw new CryptoError(`pq must be 1..8 bytes, got ${pq.length}`);
  const n = BigInt('0x' + Buffer.from(pq).toString('hex'));
  if (n < 4n || isPrime(n)) throw new CryptoError('pq has no non-trivial factors');
  let factor = n % 2n === 0n ? 2n : n;
  for (let c = 1n; factor === n && c < 64n; c++) factor = pollardBrent(n, c, 2n);
  if (factor === n || factor === 1n) throw new CryptoError('could not factor pq');
  const other = n / factor;
  const [p, q] = factor < other ? [factor, other] : [other, factor];
  return { p: minimalBytes(p), q: minimalBytes(q) };
}
