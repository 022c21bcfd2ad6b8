import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import {
  decryptInnerData,
  encryptInnerDataLegacy,
  encryptInnerDataRsaPad,
  fingerprintToHex,
  generateRsaKeyPair,
  loadRsaKey,
  rsaFingerprint,
} from '../../../src/mtproto/crypto/rsa.js';
import { seededRandom } from './helpers.js';

const random = seededRandom('rsa');
const pair = generateRsaKeyPair();
const key = loadRsaKey(pair.privatePem);

test('generateRsaKeyPair/loadRsaKey: 2048-bit, e = 65537, PKCS#1 public PEM', () => {
  assert.match(pair.publicPem, /^-----BEGIN RSA PUBLIC KEY-----/);
  assert.match(key.publicPem, /^-----BEGIN RSA PUBLIC KEY-----/);
  assert.equal(key.n.length, 256);
  assert.ok(key.n[0]! >= 0x80);
  assert.equal(key.e.toString('hex'), '010001');
  const jwk = createPublicKey(pair.publicPem).export({ format: 'jwk' });
  assert.deepEqual(Buffer.from(jwk.n!, 'base64url'), key.n);
  assert.equal(key.keyObject.type, 'private');
});

test('fingerprint: SHA1 of TL bytes n, bytes e; last 8 bytes as a signed little-endian long', () => {
  // TL bytes: n is 256 bytes -> 0xfe + 3-byte length + data (260, aligned); e is 3 bytes -> 1 + 3 (aligned).
  const serialized = Buffer.concat([Buffer.from([0xfe, 0, 1, 0]), key.n, Buffer.from([3]), key.e]);
  const expected = createHash('sha1').update(serialized).digest().readBigInt64LE(12);
  assert.equal(key.fingerprint, expected);
  assert.equal(key.fingerprintHex, BigInt.asUintN(64, expected).toString(16).padStart(16, '0'));
  assert.equal(key.fingerprintHex.length, 16);
});

test("fingerprint of Telegram's production key matches the value clients list", () => {
  // Public key of Telegram's production DCs, as listed in GramJS (fingerprint -3414540481677951611) and in
  // Android's Handshake.cpp (0xd09d1d85de64fd85).
  const n = BigInt(
    '29379598170669337022986177149456128565388431120058863768162556424047512191330847455146576344487764408661701890505066208632169112269581063774293102577308490531282748465986139880977280302242772832972539403531316010870401287642763009136156734339538042419388722777357134487746169093539093850251243897188928735903389451772730245253062963384108812842079887538976360465290946139638691491496062099570836476454855996319192747663615955633778034897140982517446405334423701359108810182097749467210509584293428076654573384828809574217079944388301239431309115013843331317877374435868468779972014486325557807783825502498215169806323',
  );
  const nBytes = Buffer.from(n.toString(16).padStart(512, '0'), 'hex');
  const fp = rsaFingerprint({ n: nBytes, e: Buffer.from([1, 0, 1]) });
  assert.equal(fp, -3414540481677951611n);
  assert.equal(fingerprintToHex(fp), 'd09d1d85de64fd85');
});

test('RSA_PAD round trip: returns data_with_padding (data first, 192 bytes)', () => {
  for (const size of [96, 144]) {
    const data = random(size);
    const encrypted = encryptInnerDataRsaPad(key, data, random);
    assert.equal(encrypted.length, 256);
    const out = decryptInnerData(key, encrypted);
    assert.ok(out);
    assert.equal(out.length, 192);
    assert.deepEqual(out.subarray(0, size), data);
  }
  assert.throws(() => encryptInnerDataRsaPad(key, random(148), random), CryptoError);
});

test('legacy padding round trip: returns exactly the hashed data', () => {
  for (const size of [4, 96, 232]) {
    const data = random(size);
    const out = decryptInnerData(key, encryptInnerDataLegacy(key, data, random));
    assert.deepEqual(out, data);
  }
  assert.throws(() => encryptInnerDataLegacy(key, random(236), random), CryptoError);
});

test('a corrupted ciphertext is rejected under both paddings', () => {
  for (const encrypted of [encryptInnerDataRsaPad(key, random(96), random), encryptInnerDataLegacy(key, random(96), random)]) {
    for (const pos of [0, 100, 255]) {
      const bad = Buffer.from(encrypted);
      bad[pos] = bad[pos]! ^ 0x01;
      assert.equal(decryptInnerData(key, bad), null, `byte ${pos}`);
    }
  }
});

test('values >= the modulus, wrong lengths, random values and another key are rejected', () => {
  assert.equal(decryptInnerData(key, key.n), null);
  assert.equal(decryptInnerData(key, Buffer.alloc(256, 0xff)), null);
  assert.equal(decryptInnerData(key, Buffer.alloc(0)), null);
  assert.equal(decryptInnerData(key, Buffer.alloc(257, 1)), null);
  const value = random(256);
  value[0] = 0x01;
  assert.equal(decryptInnerData(key, value), null);
  const other = loadRsaKey(generateRsaKeyPair().privatePem);
  assert.equal(decryptInnerData(other, encryptInnerDataRsaPad(key, random(96), random)), null);
});

test('loadRsaKey refuses non-RSA keys', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  assert.throws(() => loadRsaKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), CryptoError);
});
