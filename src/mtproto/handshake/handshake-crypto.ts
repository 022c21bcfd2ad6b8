// Derivations shared by both ends of the auth key exchange (core.telegram.org/mtproto/auth_key, steps 6-9).
// Kept apart from the state machines so each formula can be checked against the docs' sample numbers.
import { TlReader, decodeObject, type TlObject } from '../../tl/index.js';
import { sha1 } from '../crypto/hash.js';
import { aesIgeDecrypt, aesIgeEncrypt } from '../crypto/ige.js';

export interface TmpAesKeyIv {
  key: Buffer;
  iv: Buffer;
}

/** tmp_aes_key / tmp_aes_iv protecting server_DH_inner_data and client_DH_inner_data. */
export function tmpAesKeyIv(newNonce: Buffer, serverNonce: Buffer): TmpAesKeyIv {
  const nonceServer = sha1(newNonce, serverNonce);
  const serverNonceNew = sha1(serverNonce, newNonce);
  const nonceNonce = sha1(newNonce, newNonce);
  return {
    key: Buffer.concat([nonceServer, serverNonceNew.subarray(0, 12)]),
    iv: Buffer.concat([serverNonceNew.subarray(12, 20), nonceNonce, newNonce.subarray(0, 4)]),
  };
}

/** auth_key_aux_hash: the 64 higher-order bits (first 8 bytes) of SHA1(auth_key). */
export function authKeyAuxHash(authKey: Buffer): Buffer {
  return sha1(authKey).subarray(0, 8);
}

/** The aux hash as the `long` a client puts in client_DH_inner_data.retry_id after dh_gen_retry. */
export function retryIdOf(authKey: Buffer): bigint {
  return authKeyAuxHash(authKey).readBigInt64LE(0);
}

/** new_nonce_hash1/2/3: the 128 lower-order bits of SHA1(new_nonce ‖ n ‖ auth_key_aux_hash). */
export function newNonceHash(newNonce: Buffer, n: 1 | 2 | 3, authKey: Buffer): Buffer {
  return sha1(newNonce, Buffer.of(n), authKeyAuxHash(authKey)).subarray(4, 20);
}

/** First server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8), read as a TL long. */
export function initialServerSalt(newNonce: Buffer, serverNonce: Buffer): bigint {
  const salt = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) salt[i] = newNonce[i]! ^ serverNonce[i]!;
  return salt.readBigInt64LE(0);
}

/** AES-IGE(SHA1(data) ‖ data ‖ 0..15 random bytes), as both DH inner data messages are sent. */
export function encryptWithHash(data: Buffer, keyIv: TmpAesKeyIv, random: (n: number) => Buffer): Buffer {
  const unpadded = 20 + data.length;
  const padding = (16 - (unpadded % 16)) % 16;
  const plain = Buffer.concat([sha1(data), data, padding > 0 ? random(padding) : Buffer.alloc(0)]);
  return aesIgeEncrypt(plain, keyIv.key, keyIv.iv);
}

/**
 * Reverses encryptWithHash: decrypts, decodes the TL object that follows the hash (its own length tells
 * where the padding starts) and checks the SHA1 and the padding length. Returns a reason on failure.
 */
export function decryptWithHash(
  encrypted: Buffer,
  keyIv: TmpAesKeyIv,
): { ok: true; object: TlObject; data: Buffer } | { ok: false; reason: string } {
  if (encrypted.length === 0 || encrypted.length % 16 !== 0) {
    return { ok: false, reason: `encrypted data length ${encrypted.length} is not a positive multiple of 16` };
  }
  const plain = aesIgeDecrypt(encrypted, keyIv.key, keyIv.iv);
  if (plain.length < 20 + 4) return { ok: false, reason: 'encrypted data too short for a hash and an object' };
  const reader = new TlReader(plain, 20);
  let object: TlObject;
  try {
    object = decodeObject(reader);
  } catch (err) {
    return { ok: false, reason: `encrypted data does not decode: ${(err as Error).message}` };
  }
  const data = plain.subarray(20, reader.pos);
  const padding = plain.length - reader.pos;
  if (padding > 15) return { ok: false, reason: `encrypted data has ${padding} bytes of padding (at most 15 allowed)` };
  if (!sha1(data).equals(plain.subarray(0, 20))) return { ok: false, reason: 'SHA1 of the encrypted inner data does not match' };
  return { ok: true, object, data: Buffer.from(data) };
}

/** Big-endian unsigned bytes (TL `string` numbers such as pq, p, q, dh_prime, g_a) to a bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

/** A non-negative bigint as big-endian bytes, left-padded with zeros to `length` when given. */
export function bigIntToBytes(value: bigint, length?: number): Buffer {
  if (value < 0n) throw new RangeError('negative value');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  const raw = Buffer.from(value === 0n ? '' : hex, 'hex');
  if (length === undefined) return raw;
  if (raw.length > length) throw new RangeError(`value needs ${raw.length} bytes, more than ${length}`);
  return Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

/** base^exp mod m by square-and-multiply; client side only (the server uses the native DhServer). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
