// auth_key_id is "the 64 lower-order bits of SHA1(auth_key)" (core.telegram.org/mtproto/description): the last 8
// bytes of the digest, sent as is; read as a little-endian long they give the TL `long` value.
import { CryptoError } from './errors.js';
import { sha1 } from './hash.js';

export type AuthKey = {
  key: Buffer /* 256 bytes */;
  id: bigint /* signed int64 */;
  idBytes: Buffer /* 8 bytes, as on the wire */;
};

export function makeAuthKey(key: Uint8Array): AuthKey {
  if (key.length !== 256) throw new CryptoError(`auth key must be 256 bytes, got ${key.length}`);
  const copy = Buffer.from(key);
  const idBytes = Buffer.from(sha1(copy).subarray(12, 20));
  return { key: copy, id: idBytes.readBigInt64LE(0), idBytes };
}
