import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { aesIgeDecrypt, aesIgeEncrypt, igeEncryptCbcTrick, igeEncryptWasm, IGE_NATIVE_THRESHOLD } from '../../../src/mtproto/crypto/ige.js';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import { seededRandom } from './helpers.js';

// Reference IGE: one native ECB call per block, straight from the definition
// c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}, with c_0 = iv[0..16] and p_0 = iv[16..32].
function xor16(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function refEncrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
  const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  let prevC = iv.subarray(0, 16);
  let prevP = iv.subarray(16, 32);
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += 16) {
    const p = data.subarray(off, off + 16);
    const c = xor16(ecb.update(xor16(p, prevC)), prevP);
    out.push(c);
    prevC = c;
    prevP = p;
  }
  return Buffer.concat(out);
}

function refDecrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
  const ecb = createDecipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  let prevC = iv.subarray(0, 16);
  let prevP = iv.subarray(16, 32);
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += 16) {
    const c = data.subarray(off, off + 16);
    const p = xor16(ecb.update(xor16(c, prevP)), prevC);
    out.push(p);
    prevC = c;
    prevP = p;
  }
  return Buffer.concat(out);
}

// OpenSSL test/igetest.c, vector 0 (AES-128 IGE): anchors the reference and the CBC trick to an external answer.
const KAT = {
  key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  iv: Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'),
  plaintext: Buffer.alloc(32),
  ciphertext: Buffer.from('1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb', 'hex'),
};

test('the reference IGE and the CBC trick reproduce OpenSSL AES-IGE vector 0', () => {
  assert.deepEqual(refEncrypt(KAT.plaintext, KAT.key, KAT.iv), KAT.ciphertext);
  assert.deepEqual(refDecrypt(KAT.ciphertext, KAT.key, KAT.iv), KAT.plaintext);
  assert.deepEqual(igeEncryptCbcTrick(KAT.plaintext, KAT.key, KAT.iv), KAT.ciphertext);
});

const SIZES = [16, 32, 48, 64, 208, 256, 1008, 1024, 1040, 4096, 16384, 65536];

test('WASM and CBC-trick encryption and WASM decryption match the reference, 16 B .. 64 KiB', () => {
  const random = seededRandom('ige-cross');
  for (const size of SIZES) {
    const key = random(32);
    const iv = random(32);
    const data = random(size);
    const expected = refEncrypt(data, key, iv);
    assert.deepEqual(igeEncryptWasm(data, key, iv), expected, `wasm ${size}`);
    assert.deepEqual(igeEncryptCbcTrick(data, key, iv), expected, `cbc trick ${size}`);
    assert.deepEqual(aesIgeEncrypt(data, key, iv), expected, `dispatch ${size}`);
    assert.deepEqual(aesIgeDecrypt(expected, key, iv), data, `decrypt ${size}`);
    assert.deepEqual(refDecrypt(expected, key, iv), data, `reference round trip ${size}`);
  }
});

test('the CBC trick works on inputs that are not 4-byte aligned', () => {
  const random = seededRandom('ige-unaligned');
  const key = random(32);
  const iv = random(32);
  const backing = random(IGE_NATIVE_THRESHOLD * 2 + 1);
  const data = backing.subarray(1); // odd byteOffset
  assert.equal(data.byteOffset % 4 === 0, false);
  assert.deepEqual(igeEncryptCbcTrick(data, key, iv), refEncrypt(Buffer.from(data), key, iv));
});

test('encryption does not modify its input', () => {
  const random = seededRandom('ige-input');
  const key = random(32);
  const iv = random(32);
  for (const size of [64, 4096]) {
    const data = random(size);
    const copy = Buffer.from(data);
    aesIgeEncrypt(data, key, iv);
    assert.deepEqual(data, copy);
  }
});

test('bad sizes are rejected', () => {
  const key = Buffer.alloc(32);
  const iv = Buffer.alloc(32);
  assert.throws(() => aesIgeEncrypt(Buffer.alloc(15), key, iv), CryptoError);
  assert.throws(() => aesIgeDecrypt(Buffer.alloc(17), key, iv), CryptoError);
  assert.throws(() => aesIgeEncrypt(Buffer.alloc(16), Buffer.alloc(16), iv), CryptoError);
  assert.throws(() => aesIgeDecrypt(Buffer.alloc(16), key, Buffer.alloc(16)), CryptoError);
});
