// MTProto 2.0 message encryption (core.telegram.org/mtproto/description):
//   msg_key_large = SHA256(substr(auth_key, 88+x, 32) + plaintext + random_padding)
//   msg_key       = substr(msg_key_large, 8, 16)
//   sha256_a = SHA256(msg_key + substr(auth_key, x, 36)); sha256_b = SHA256(substr(auth_key, 40+x, 36) + msg_key)
//   aes_key = a[0..8] + b[8..24] + a[24..32]; aes_iv = b[0..8] + a[8..24] + b[24..32]
// with x = 0 for client->server and x = 8 for server->client messages.
// A 200-byte message is dominated by per-call overhead of native crypto (about 1-2 µs a call), so this file keeps
// native calls to the minimum (3 one-shot hashes + 1 IGE call) and reuses a scratch buffer for the KDF inputs.
import { timingSafeEqual } from 'node:crypto';
import type { AuthKey } from './auth-key.js';
import { CryptoError, type RandomFn } from './errors.js';
import { sha256 } from './hash.js';
import { aesIgeDecrypt, aesIgeEncrypt } from './ige.js';

/**
 * The sender of the message, which fixes x: 'server' (x = 8) for server->client, 'client' (x = 0) for
 * client->server. Both functions take the same value for the same packet: the server encrypts with 'server' and
 * decrypts what clients send with 'client'.
 */
export type Direction = 'server' | 'client';

/** salt(8) + session_id(8) + msg_id(8) + seq_no(4) + message_data_length(4) */
const HEADER = 32;
const MIN_PADDING = 12;
const MAX_PADDING = 1024;
/** auth_key_id + msg_key */
const ENVELOPE = 24;
/** Smallest ciphertext: a header, a 4-byte body and 12 padding bytes, rounded up to a block. */
const MIN_CIPHERTEXT = 48;
/** Up to this size the plaintext is copied behind the auth_key slice and hashed in one call (cheaper than createHash). */
const CONCAT_HASH_LIMIT = 16 * 1024;

const scratch = Buffer.allocUnsafe(52);

function deriveKeyIv(authKey: Buffer, msgKey: Buffer, msgKeyOffset: number, x: number): { key: Buffer; iv: Buffer } {
  msgKey.copy(scratch, 0, msgKeyOffset, msgKeyOffset + 16);
  authKey.copy(scratch, 16, x, x + 36);
  const a = sha256(scratch);
  authKey.copy(scratch, 0, 40 + x, 76 + x);
  msgKey.copy(scratch, 36, msgKeyOffset, msgKeyOffset + 16);
  const b = sha256(scratch);
  const out = Buffer.allocUnsafe(64);
  a.copy(out, 0, 0, 8);
  b.copy(out, 8, 8, 24);
  a.copy(out, 24, 24, 32);
  b.copy(out, 32, 0, 8);
  a.copy(out, 40, 8, 24);
  b.copy(out, 56, 24, 32);
  return { key: out.subarray(0, 32), iv: out.subarray(32, 64) };
}

/** Minimal padding (12..27 bytes) that makes the plaintext a whole number of AES blocks. */
export function paddingLength(plaintextLength: number): number {
  return MIN_PADDING + ((16 - ((plaintextLength + MIN_PADDING) & 15)) & 15);
}

/**
 * Encrypts `plaintext` (salt ‖ session_id ‖ msg_id ‖ seq_no ‖ length ‖ body) sent by `direction`; returns
 * auth_key_id ‖ msg_key ‖ ciphertext. Padding is the minimal 12..27 random bytes.
 */
export function encryptMessage(authKey: AuthKey, plaintext: Uint8Array, direction: Direction, random: RandomFn): Buffer {
  const x = direction === 'server' ? 8 : 0;
  const len = plaintext.length;
  const pad = paddingLength(len);
  const total = len + pad;
  // One buffer: the 32 auth_key bytes that prefix the msg_key hash, then the padded plaintext that gets encrypted.
  const buf = Buffer.allocUnsafe(32 + total);
  authKey.key.copy(buf, 0, 88 + x, 120 + x);
  buf.set(plaintext, 32);
  const padding = random(pad);
  if (padding.length !== pad) throw new CryptoError(`random() returned ${padding.length} bytes instead of ${pad}`);
  buf.set(padding, 32 + len);
  const msgKeyLarge = sha256(buf);
  const { key, iv } = deriveKeyIv(authKey.key, msgKeyLarge, 8, x);
  const ciphertext = aesIgeEncrypt(buf.subarray(32), key, iv);
  const out = Buffer.allocUnsafe(ENVELOPE + total);
  authKey.idBytes.copy(out, 0);
  msgKeyLarge.copy(out, 8, 8, 24);
  out.set(ciphertext, ENVELOPE);
  return out;
}

/**
 * Decrypts a packet sent by `direction` and returns the whole plaintext, padding included
 * (salt ‖ session_id ‖ msg_id ‖ seq_no ‖ length ‖ body ‖ padding). Throws CryptoError unless the auth_key_id matches,
 * msg_key is the hash of the decrypted data, and message_data_length is a multiple of 4 that leaves 12..1024 bytes
 * of padding.
 * Up to 15 trailing bytes after the last whole AES block are ignored: the padded intermediate transport appends
 * 0..15 random bytes to each packet, which the transport layer cannot tell apart from the packet itself.
 */
export function decryptMessage(authKey: AuthKey, packet: Buffer, direction: Direction): Buffer {
  if (packet.length < ENVELOPE + MIN_CIPHERTEXT) throw new CryptoError(`encrypted packet too short: ${packet.length} bytes`);
  if (authKey.idBytes.compare(packet, 0, 8) !== 0) throw new CryptoError('auth_key_id does not match');
  const x = direction === 'server' ? 8 : 0;
  const ctLen = (packet.length - ENVELOPE) & ~15;
  const { key, iv } = deriveKeyIv(authKey.key, packet, 8, x);
  const plaintext = aesIgeDecrypt(packet.subarray(ENVELOPE, ENVELOPE + ctLen), key, iv);

  let msgKeyLarge: Buffer;
  if (ctLen <= CONCAT_HASH_LIMIT) {
    const buf = Buffer.allocUnsafe(32 + ctLen);
    authKey.key.copy(buf, 0, 88 + x, 120 + x);
    buf.set(plaintext, 32);
    msgKeyLarge = sha256(buf);
  } else {
    msgKeyLarge = sha256(authKey.key.subarray(88 + x, 120 + x), plaintext);
  }
  if (!timingSafeEqual(msgKeyLarge.subarray(8, 24), packet.subarray(8, 24))) throw new CryptoError('msg_key mismatch');

  const dataLength = plaintext.readUInt32LE(28);
  const padding = ctLen - HEADER - dataLength;
  if (dataLength % 4 !== 0 || padding < MIN_PADDING || padding > MAX_PADDING) {
    throw new CryptoError(`bad message_data_length ${dataLength} for ${ctLen} bytes of plaintext`);
  }
  return plaintext;
}

/** Quick ack token: the first 32 bits of SHA256(auth_key[88..120] ‖ plaintext) with the top bit set. */
export function quickAckToken(authKey: Buffer, plaintext: Buffer): number {
  return (sha256(authKey.subarray(88, 120), plaintext).readUInt32LE(0) | 0x80000000) >>> 0;
}
