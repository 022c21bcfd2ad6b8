// 2048-bit Diffie-Hellman of auth key creation (core.telegram.org/mtproto/auth_key, steps 5-6).
// createDiffieHellman(p, g) runs OpenSSL's DH_check (both p and (p-1)/2 primality tests, about 0.3 s), so the server
// creates ONE native object at startup and only swaps its private key per handshake (about 5 ms for both modexps).
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { CryptoError } from './errors.js';

/** The safe prime Telegram's servers use (and clients cache as known-good). */
export const DH_PRIME = Buffer.from(
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b',
  'hex',
);
export const DH_G = 3;

const DH_BYTES = 256;

function leftPad(b: Buffer): Buffer {
  if (b.length === DH_BYTES) return b;
  if (b.length > DH_BYTES) throw new CryptoError(`DH value longer than ${DH_BYTES} bytes`);
  const out = Buffer.alloc(DH_BYTES);
  b.copy(out, DH_BYTES - b.length);
  return out;
}

function toBigInt(v: Uint8Array | bigint): bigint {
  if (typeof v === 'bigint') return v;
  return v.length === 0 ? 0n : BigInt('0x' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'));
}

/** Server side of the exchange over DH_PRIME / DH_G. Not reentrant, but every call is synchronous. */
export class DhServer {
  private readonly dh: DiffieHellman;

  constructor() {
    this.dh = createDiffieHellman(DH_PRIME, Buffer.from([DH_G]));
  }

  /** g^secret mod p, 256 bytes big-endian (the server's g_a). */
  createExchange(secret: Buffer): Buffer {
    this.dh.setPrivateKey(secret);
    return leftPad(this.dh.generateKeys());
  }

  /** peer^secret mod p, 256 bytes big-endian (the auth key). Validate `peer` with isGoodDhValue first. */
  computeKey(secret: Buffer, peer: Buffer): Buffer {
    this.dh.setPrivateKey(secret);
    try {
      return leftPad(this.dh.computeSecret(peer));
    } catch (e) {
      throw new CryptoError(`invalid DH public value: ${(e as Error).message}`);
    }
  }
}

const SAFETY_MARGIN = 1n << BigInt(2048 - 64);

/**
 * The range check of the security guidelines for g, g_a and g_b: 1 < v < p - 1 and
 * 2^(2048-64) <= v <= p - 2^(2048-64).
 */
export function isGoodDhValue(value: Uint8Array | bigint, prime: Uint8Array | bigint = DH_PRIME): boolean {
  const v = toBigInt(value);
  const p = toBigInt(prime);
  return v > 1n && v < p - 1n && v >= SAFETY_MARGIN && v <= p - SAFETY_MARGIN;
}
