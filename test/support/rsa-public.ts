// Reads Echo's public key the way a client does, independently of src/, so e2e tests cross-check
// the fingerprint `client-config` prints against one computed here.
import { createHash, createPublicKey } from 'node:crypto';

export interface RsaPublicParts {
  n: Buffer;
  e: number;
  /** Last 8 bytes of SHA1(TL bytes(n) ‖ TL bytes(e)), little-endian signed int64. */
  fingerprint: bigint;
}

function tlBytes(data: Buffer): Buffer {
  const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const used = head.length + data.length;
  return Buffer.concat([head, data, Buffer.alloc((4 - (used % 4)) % 4)]);
}

export function readRsaPublicKey(pem: string): RsaPublicParts {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('not an RSA public key');
  const n = Buffer.from(jwk.n, 'base64url');
  const eBuf = Buffer.from(jwk.e, 'base64url');
  const e = eBuf.readUIntBE(0, eBuf.length);
  const digest = createHash('sha1').update(tlBytes(n)).update(tlBytes(eBuf)).digest();
  return { n, e, fingerprint: digest.subarray(12, 20).readBigInt64LE(0) };
}
