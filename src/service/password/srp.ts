// The server half of Telegram's SRP-6a profile for 2FA (core.telegram.org/api/srp): H = SHA-256, every number
// hashed as 256 big-endian bytes, k = H(p | g), u = H(A | B), K = H(S),
// M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K).
// The server only ever holds the verifier v = g^x mod p; x (the PBKDF2-stretched password hash) stays on the client.
// Modular exponentiations run on one native DH object (see mtproto/crypto/dh.ts): JS BigInt modPow is ~60x slower.
import { createHash, timingSafeEqual } from 'node:crypto';
import { DH_G, DH_PRIME, DhServer, isGoodDhValue } from '../../mtproto/crypto/dh.js';

export const SRP_PRIME: Buffer = DH_PRIME;
export const SRP_G: number = DH_G;
export const SRP_BYTES = 256;

const P = toBigInt(SRP_PRIME);

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function toBytes(n: bigint, size = SRP_BYTES): Buffer {
  const hex = n.toString(16).padStart(size * 2, '0');
  if (hex.length > size * 2) throw new RangeError(`number does not fit ${size} bytes`);
  return Buffer.from(hex, 'hex');
}

/** The value left-padded to 256 bytes, or undefined when it is longer (not a number mod p). */
export function padNumber(b: Uint8Array): Buffer | undefined {
  if (b.length > SRP_BYTES) return undefined;
  const out = Buffer.alloc(SRP_BYTES);
  out.set(b, SRP_BYTES - b.length);
  return out;
}

const G_PADDED = toBytes(BigInt(SRP_G));
const K_MULTIPLIER = toBigInt(sha256(SRP_PRIME, G_PADDED));
const P_XOR_G = (() => {
  const hp = sha256(SRP_PRIME);
  const hg = sha256(G_PADDED);
  for (let i = 0; i < hp.length; i++) hp[i] = hp[i]! ^ hg[i]!;
  return hp;
})();

/**
 * Whether `v` can be a verifier: a number strictly between 1 and p - 1. Anything else (0, 1, p - 1, or not
 * reduced mod p) would make B leak g^b or the proof trivial.
 */
export function isValidVerifier(v: Uint8Array): boolean {
  const n = toBigInt(v);
  return v.length <= SRP_BYTES && n > 1n && n < P - 1n;
}

export interface SrpEphemeral {
  /** The server's secret exponent (256 bytes). */
  b: Buffer;
  /** B = (k*v + g^b) mod p, 256 bytes: account.password.srp_B. */
  B: Buffer;
}

export interface SrpProofInput {
  verifier: Buffer;
  salt1: Buffer;
  salt2: Buffer;
  b: Buffer;
  B: Buffer;
  /** The client's A and M1 from inputCheckPasswordSRP, unvalidated. */
  A: Buffer;
  M1: Buffer;
}

/** Not reentrant, but every method is synchronous. */
export class SrpServer {
  private dhObject: DhServer | undefined;

  // Built on first use: creating it runs OpenSSL's prime check (~0.3 s), which a node with no 2FA users never needs.
  private get dh(): DhServer {
    return (this.dhObject ??= new DhServer());
  }

  /** A fresh b with B; b is redrawn until g^b is a safe DH value, as clients check (B - k*v) against that range. */
  createEphemeral(verifier: Buffer, random: (n: number) => Buffer): SrpEphemeral {
    for (;;) {
      const b = random(SRP_BYTES);
      const gb = this.dh.createExchange(b);
      if (!isGoodDhValue(gb, SRP_PRIME)) continue;
      const B = (K_MULTIPLIER * toBigInt(verifier) + toBigInt(gb)) % P;
      if (B === 0n) continue;
      return { b, B: toBytes(B) };
    }
  }

  /** Whether M1 proves knowledge of the password behind `verifier` for this exchange. */
  verify(input: SrpProofInput): boolean {
    const A = padNumber(input.A);
    const B = padNumber(input.B);
    if (!A || !B || input.M1.length !== 32) return false;
    const a = toBigInt(A);
    // 1 < A < p - 1: A = 0 or a multiple of p would fix S = 0 whatever the password (the classic SRP bypass).
    if (a <= 1n || a >= P - 1n) return false;
    const u = sha256(A, B);
    if (toBigInt(u) === 0n) return false;
    let S: Buffer;
    try {
      const vu = toBigInt(this.dh.computeKey(u, input.verifier));
      const base = (a * vu) % P;
      if (base <= 1n || base >= P - 1n) return false;
      S = this.dh.computeKey(input.b, toBytes(base));
    } catch {
      return false;
    }
    const K = sha256(S);
    const expected = sha256(P_XOR_G, sha256(input.salt1), sha256(input.salt2), A, B, K);
    return timingSafeEqual(expected, input.M1);
  }
}
