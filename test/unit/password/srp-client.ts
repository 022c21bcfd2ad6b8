// The client side of Telegram's SRP profile (core.telegram.org/api/srp), written from the spec with BigInt maths and
// no server code, so the server is checked against an independent reading of the document.
import { createHash, pbkdf2Sync } from 'node:crypto';

export const P_HEX =
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b';
export const P = BigInt('0x' + P_HEX);
export const G = 3n;

const H = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const SH = (data: Uint8Array, salt: Uint8Array): Buffer => H(salt, data, salt);

export const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));
export const bytes256 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(512, '0'), 'hex');

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

const xCache = new Map<string, bigint>();

/** x = PH2(password, salt1, salt2); PBKDF2 with 100000 rounds is slow, so repeated inputs are cached. */
export function passwordX(password: string, salt1: Uint8Array, salt2: Uint8Array): bigint {
  const cacheKey = `${password}\0${Buffer.from(salt1).toString('hex')}\0${Buffer.from(salt2).toString('hex')}`;
  let x = xCache.get(cacheKey);
  if (x === undefined) {
    const ph1 = SH(SH(Buffer.from(password, 'utf8'), salt1), salt2);
    x = big(SH(pbkdf2Sync(ph1, salt1, 100000, 64, 'sha512'), salt2));
    xCache.set(cacheKey, x);
  }
  return x;
}

/** new_password_hash: v = g^x mod p, 256 bytes. */
export function verifierFor(password: string, salt1: Uint8Array, salt2: Uint8Array): Buffer {
  return bytes256(modPow(G, passwordX(password, salt1, salt2), P));
}

export interface ClientProof {
  A: Buffer;
  M1: Buffer;
}

/** inputCheckPasswordSRP's A and M1 for `password` against the server's srp_B; `a` is the client's secret. */
export function clientProof(password: string, salt1: Uint8Array, salt2: Uint8Array, srpB: Uint8Array, a: bigint): ClientProof {
  const pBytes = bytes256(P);
  const gBytes = bytes256(G);
  const x = passwordX(password, salt1, salt2);
  const v = modPow(G, x, P);
  const k = big(H(pBytes, gBytes));
  const A = bytes256(modPow(G, a, P));
  const B = bytes256(big(srpB));
  const u = big(H(A, B));
  const gb = (((big(B) - k * v) % P) + P) % P;
  const S = modPow(gb, a + u * x, P);
  const K = H(bytes256(S));
  const hp = H(pBytes);
  const hg = H(gBytes);
  const pXorG = Buffer.from(hp.map((byte, i) => byte ^ hg[i]!));
  const M1 = H(pXorG, H(salt1), H(salt2), A, B, K);
  return { A, M1 };
}
