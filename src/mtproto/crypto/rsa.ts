// The server's RSA key and the encrypted_data of req_DH_params (core.telegram.org/mtproto/auth_key, step 4).
// Raw RSA goes through OpenSSL with RSA_NO_PADDING and a cached KeyObject (about 0.26 ms per decryption; passing a
// PEM re-parses it every call, about 0.9 ms). Two paddings are accepted:
// - RSA_PAD (current clients): key_aes_encrypted = temp_key_xor ‖ aes_encrypted, where
//   temp_key = temp_key_xor ^ SHA256(aes_encrypted), data_with_hash = AES256_IGE(aes_encrypted, temp_key, 0) is
//   reverse(data_with_padding) ‖ SHA256(temp_key ‖ data_with_padding), and data_with_padding is 192 bytes;
// - the legacy scheme (older clients): a 255-byte number SHA1(data) ‖ data ‖ random padding.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { TlWriter } from '../../tl/runtime.js';
import { CryptoError, type RandomFn } from './errors.js';
import { sha1, sha256 } from './hash.js';
import { aesIgeDecrypt, aesIgeEncrypt } from './ige.js';

export type RsaPublicKey = { n: Buffer /* big-endian, no leading zeros */; e: Buffer /* big-endian */ };

export type ServerRsaKey = RsaPublicKey & {
  keyObject: KeyObject;
  publicPem: string /* PKCS#1, "BEGIN RSA PUBLIC KEY" */;
  fingerprint: bigint /* signed, as in TL `long` */;
  fingerprintHex: string /* unsigned, 16 hex digits */;
};

const RSA_BYTES = 256;
/** data_with_padding of RSA_PAD; data itself may be at most 144 bytes. */
const PAD_DATA_BYTES = 192;
const PAD_MAX_DATA = 144;
/** Legacy: SHA1 (20) + data + padding fill a 255-byte number. */
const LEGACY_BYTES = 255;
const LEGACY_MAX_DATA = LEGACY_BYTES - 20;
const ZERO_IV = Buffer.alloc(32);

export function generateRsaKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 65537,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function stripLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The key fingerprint clients look up: the 64 lower-order bits of SHA1 of the bare TL `rsa_public_key n:bytes e:bytes`,
 * i.e. the last 8 bytes of the digest read as a little-endian long (as GramJS and Telethon compute it).
 */
export function rsaFingerprint(key: RsaPublicKey): bigint {
  const w = new TlWriter(300);
  w.bytes(stripLeadingZeros(key.n));
  w.bytes(stripLeadingZeros(key.e));
  return sha1(w.finish()).readBigInt64LE(12);
}

export function fingerprintToHex(fingerprint: bigint): string {
  return BigInt.asUintN(64, fingerprint).toString(16).padStart(16, '0');
}

export function loadRsaKey(privatePem: string): ServerRsaKey {
  const keyObject = createPrivateKey(privatePem);
  if (keyObject.asymmetricKeyType !== 'rsa') throw new CryptoError(`expected an RSA key, got ${keyObject.asymmetricKeyType}`);
  const jwk = keyObject.export({ format: 'jwk' });
  const n = stripLeadingZeros(Buffer.from(jwk.n!, 'base64url'));
  const e = stripLeadingZeros(Buffer.from(jwk.e!, 'base64url'));
  if (n.length !== RSA_BYTES) throw new CryptoError(`RSA modulus must be 2048 bits, got ${n.length * 8}`);
  const publicPem = createPublicKey(keyObject).export({ type: 'pkcs1', format: 'pem' }).toString();
  const fingerprint = rsaFingerprint({ n, e });
  return { keyObject, publicPem, n, e, fingerprint, fingerprintHex: fingerprintToHex(fingerprint) };
}

function leftPad(b: Buffer, size: number): Buffer {
  if (b.length === size) return b;
  const out = Buffer.alloc(size);
  b.copy(out, size - b.length);
  return out;
}

function rawDecrypt(key: ServerRsaKey, encryptedData: Buffer): Buffer | null {
  if (encryptedData.length === 0 || encryptedData.length > RSA_BYTES) return null;
  const value = leftPad(encryptedData, RSA_BYTES);
  if (value.compare(key.n) >= 0) return null;
  try {
    return leftPad(privateDecrypt({ key: key.keyObject, padding: constants.RSA_NO_PADDING }, value), RSA_BYTES);
  } catch {
    return null;
  }
}

function unpadRsaPad(m: Buffer): Buffer | null {
  const tempKeyXor = m.subarray(0, 32);
  const aesEncrypted = m.subarray(32);
  const tempKey = sha256(aesEncrypted);
  for (let i = 0; i < 32; i++) tempKey[i] = tempKey[i]! ^ tempKeyXor[i]!;
  const dataWithHash = aesIgeDecrypt(aesEncrypted, tempKey, ZERO_IV);
  const dataWithPadding = Buffer.from(dataWithHash.subarray(0, PAD_DATA_BYTES)).reverse();
  const expected = sha256(tempKey, dataWithPadding);
  return timingSafeEqual(expected, dataWithHash.subarray(PAD_DATA_BYTES)) ? dataWithPadding : null;
}

/**
 * The legacy padding does not carry the data length. TL data is always a whole number of 4-byte words, so every
 * 4-aligned prefix is tried until SHA1 matches (at most 58 small hashes, only for old clients); a wrong prefix
 * matching is a SHA1 collision.
 */
function unpadLegacy(m: Buffer): Buffer | null {
  if (m[0] !== 0) return null;
  const hash = m.subarray(1, 21);
  const body = m.subarray(21);
  for (let len = 4; len <= LEGACY_MAX_DATA; len += 4) {
    const data = body.subarray(0, len);
    if (sha1(data).equals(hash)) return Buffer.from(data);
  }
  return null;
}

/**
 * Decrypts req_DH_params.encrypted_data. Returns the serialized inner data or null when it is not valid under either
 * padding. With RSA_PAD the result is the 192-byte data_with_padding: the TL decoder reads the inner object and
 * ignores the random bytes after it. With the legacy padding the result is exactly the hashed data.
 */
export function decryptInnerData(key: ServerRsaKey, encryptedData: Buffer): Buffer | null {
  const m = rawDecrypt(key, encryptedData);
  if (!m) return null;
  return unpadRsaPad(m) ?? unpadLegacy(m);
}

function publicKeyObject(key: RsaPublicKey): KeyObject {
  return createPublicKey({
    key: { kty: 'RSA', n: stripLeadingZeros(key.n).toString('base64url'), e: stripLeadingZeros(key.e).toString('base64url') },
    format: 'jwk',
  });
}

function rawEncrypt(key: RsaPublicKey, value: Buffer): Buffer {
  return leftPad(publicEncrypt({ key: publicKeyObject(key), padding: constants.RSA_NO_PADDING }, value), RSA_BYTES);
}

/** Client side of RSA_PAD (for tests and the load generator). */
export function encryptInnerDataRsaPad(key: RsaPublicKey, data: Buffer, random: RandomFn): Buffer {
  if (data.length > PAD_MAX_DATA) throw new CryptoError(`RSA_PAD data must be at most ${PAD_MAX_DATA} bytes, got ${data.length}`);
  const n = leftPad(stripLeadingZeros(key.n), RSA_BYTES);
  const dataWithPadding = Buffer.concat([data, random(PAD_DATA_BYTES - data.length)]);
  const reversed = Buffer.from(dataWithPadding).reverse();
  for (;;) {
    const tempKey = random(32);
    const dataWithHash = Buffer.concat([reversed, sha256(tempKey, dataWithPadding)]);
    const aesEncrypted = aesIgeEncrypt(dataWithHash, tempKey, ZERO_IV);
    const tempKeyXor = sha256(aesEncrypted);
    for (let i = 0; i < 32; i++) tempKeyXor[i] = tempKeyXor[i]! ^ tempKey[i]!;
    const keyAesEncrypted = Buffer.concat([tempKeyXor, aesEncrypted]);
    // The spec retries with a fresh temp_key until the value is below the modulus.
    if (keyAesEncrypted.compare(n) < 0) return rawEncrypt(key, keyAesEncrypted);
  }
}

/** Client side of the legacy padding: SHA1(data) ‖ data ‖ random bytes, as a 255-byte number. */
export function encryptInnerDataLegacy(key: RsaPublicKey, data: Buffer, random: RandomFn): Buffer {
  if (data.length > LEGACY_MAX_DATA) throw new CryptoError(`legacy RSA data must be at most ${LEGACY_MAX_DATA} bytes`);
  const value = Buffer.concat([Buffer.alloc(1), sha1(data), data, random(LEGACY_BYTES - 20 - data.length)]);
  return rawEncrypt(key, value);
}
