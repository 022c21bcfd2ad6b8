// AES-256-IGE, the block mode of MTProto (core.telegram.org/mtproto/description).
// Node's OpenSSL has no IGE, and every MTProto message has its own key, so the cost is dominated by the number of
// native calls (see shared notes, section C/D):
// - decryption always runs in WASM (@mtcute/wasm): IGE decryption cannot be expressed as one native call;
// - encryption runs in WASM below 1 KiB and as ONE native AES-CBC call above it (the "CBC trick" below), which is
//   about twice as fast as WASM for large payloads.
// IV layout as in Telegram's clients: iv[0..16] is the "previous ciphertext" block, iv[16..32] the "previous plaintext".
import { createCipheriv } from 'node:crypto';
import { ige256Decrypt, ige256Encrypt } from './wasm.js';
import { CryptoError } from './errors.js';

/** Below this size WASM encryption beats the CBC trick (they cross at about 1 KiB on the measured machine). */
export const IGE_NATIVE_THRESHOLD = 1024;

function check(data: Uint8Array, key: Uint8Array, iv: Uint8Array): void {
  if (data.length % 16 !== 0) throw new CryptoError(`AES-IGE data length ${data.length} is not a multiple of 16`);
  if (key.length !== 32) throw new CryptoError(`AES-256-IGE key must be 32 bytes, got ${key.length}`);
  if (iv.length !== 32) throw new CryptoError(`AES-IGE IV must be 32 bytes, got ${iv.length}`);
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** A 4-byte aligned copy when needed, so the XOR passes can run on 32-bit words. */
function aligned(b: Uint8Array): Buffer {
  return (b.byteOffset & 3) === 0 ? asBuffer(b) : Buffer.from(b);
}

function words(b: Buffer): Uint32Array {
  return new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
}

/**
 * IGE encryption through a single CBC call. IGE is c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}; with y_i = c_i ^ p_{i-1} this
 * becomes y_i = E(p_i ^ p_{i-2} ^ y_{i-1}), i.e. CBC over x_i = p_i ^ p_{i-2} with IV y_0 = c_0, where p_0 is the
 * second IV half and p_{-1} = 0. Both XOR passes only need the plaintext. The cipher is chosen from the key length so
 * the same code can be checked against OpenSSL's AES-128 IGE vectors.
 */
export function igeEncryptCbcTrick(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  const n = data.length;
  if (n === 0) return Buffer.alloc(0);
  const p = aligned(data);
  const x = Buffer.allocUnsafe(n);
  const pw = words(p);
  const xw = words(x);
  const nw = n >>> 2;
  for (let i = 0; i < 4; i++) xw[i] = pw[i]!;
  if (n >= 32) for (let i = 0; i < 16; i++) x[16 + i] = p[16 + i]! ^ iv[16 + i]!;
  for (let i = 8; i < nw; i++) xw[i] = pw[i]! ^ pw[i - 8]!;

  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv.subarray(0, 16));
  cipher.setAutoPadding(false);
  const y = aligned(cipher.update(x));
  cipher.final();

  const yw = words(y);
  for (let i = 0; i < 16; i++) y[i] = y[i]! ^ iv[16 + i]!;
  for (let i = 4; i < nw; i++) yw[i] = yw[i]! ^ pw[i - 4]!;
  return y;
}

export function igeEncryptWasm(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  return asBuffer(ige256Encrypt(data, key, iv));
}

export function aesIgeEncrypt(data: Uint8Array, key32: Uint8Array, iv32: Uint8Array): Buffer {
  check(data, key32, iv32);
  return data.length < IGE_NATIVE_THRESHOLD ? igeEncryptWasm(data, key32, iv32) : igeEncryptCbcTrick(data, key32, iv32);
}

export function aesIgeDecrypt(data: Uint8Array, key32: Uint8Array, iv32: Uint8Array): Buffer {
  check(data, key32, iv32);
  return asBuffer(ige256Decrypt(data, key32, iv32));
}
