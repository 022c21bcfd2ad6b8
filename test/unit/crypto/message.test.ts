import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import { aesIgeEncrypt } from '../../../src/mtproto/crypto/ige.js';
import { decryptMessage, encryptMessage, paddingLength, type Direction } from '../../../src/mtproto/crypto/message.js';
import { seededRandom } from './helpers.js';

const random = seededRandom('message');
const authKey = makeAuthKey(random(256));

/** salt ‖ session_id ‖ msg_id ‖ seq_no ‖ length ‖ body with the given (possibly lying) length field. */
function plaintext(body: Buffer, lengthField = body.length): Buffer {
  const header = Buffer.alloc(32);
  random(24).copy(header, 0);
  header.writeInt32LE(7, 24);
  header.writeUInt32LE(lengthField, 28);
  return Buffer.concat([header, body]);
}

/** Independent MTProto 2.0 encryption, written from the spec formulas, with arbitrary padding. */
function referenceEncrypt(data: Buffer, padding: Buffer, direction: Direction): Buffer {
  const x = direction === 'server' ? 8 : 0;
  const k = authKey.key;
  const padded = Buffer.concat([data, padding]);
  const msgKey = createHash('sha256').update(k.subarray(88 + x, 120 + x)).update(padded).digest().subarray(8, 24);
  const a = createHash('sha256').update(msgKey).update(k.subarray(x, x + 36)).digest();
  const b = createHash('sha256').update(k.subarray(40 + x, 76 + x)).update(msgKey).digest();
  const key = Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]);
  const iv = Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]);
  return Buffer.concat([authKey.idBytes, msgKey, aesIgeEncrypt(padded, key, iv)]);
}

test('round trip in both directions, many sizes; output layout and padding rules', () => {
  for (const direction of ['server', 'client'] as const) {
    for (const size of [4, 8, 12, 16, 100, 200, 1020, 1024, 4096, 20000]) {
      const pt = plaintext(random(size));
      const packet = encryptMessage(authKey, pt, direction, random);
      assert.deepEqual(packet.subarray(0, 8), authKey.idBytes);
      const total = packet.length - 24;
      assert.equal(total % 16, 0);
      assert.ok(total - pt.length >= 12 && total - pt.length <= 27);
      assert.equal(total - pt.length, paddingLength(pt.length));
      const out = decryptMessage(authKey, packet, direction);
      assert.deepEqual(out.subarray(0, pt.length), pt);
      assert.equal(out.length, total);
    }
  }
});

test('matches an independent implementation of the spec (same padding gives the same packet)', () => {
  const pt = plaintext(random(200));
  const pad = random(paddingLength(pt.length));
  const fixed = () => Buffer.from(pad);
  for (const direction of ['server', 'client'] as const) {
    assert.deepEqual(encryptMessage(authKey, pt, direction, fixed), referenceEncrypt(pt, pad, direction));
  }
});

test('accepts 12..1024 padding bytes from other implementations', () => {
  for (const [bodyLen, padLen] of [[20, 12], [20, 28], [16, 1024]] as const) {
    const pt = plaintext(random(bodyLen));
    const packet = referenceEncrypt(pt, random(padLen), 'client');
    assert.equal(decryptMessage(authKey, packet, 'client').length, pt.length + padLen);
  }
});

test('ignores up to 15 trailing bytes (padded intermediate transport)', () => {
  const pt = plaintext(random(40));
  const packet = encryptMessage(authKey, pt, 'client', random);
  for (const extra of [1, 7, 15]) {
    const out = decryptMessage(authKey, Buffer.concat([packet, random(extra)]), 'client');
    assert.deepEqual(out.subarray(0, pt.length), pt);
  }
});

test('rejects the wrong direction', () => {
  const packet = encryptMessage(authKey, plaintext(random(64)), 'server', random);
  assert.throws(() => decryptMessage(authKey, packet, 'client'), CryptoError);
});

test('rejects another auth key, or a foreign auth_key_id', () => {
  const packet = encryptMessage(authKey, plaintext(random(64)), 'client', random);
  const other = makeAuthKey(random(256));
  assert.throws(() => decryptMessage(other, packet, 'client'), /auth_key_id/);
  const relabelled = Buffer.from(packet);
  other.idBytes.copy(relabelled, 0);
  assert.throws(() => decryptMessage(other, relabelled, 'client'), /msg_key/);
});

test('rejects a modified msg_key or ciphertext', () => {
  const packet = encryptMessage(authKey, plaintext(random(64)), 'client', random);
  for (const pos of [8, 23, 24, 60, packet.length - 1]) {
    const bad = Buffer.from(packet);
    bad[pos] = bad[pos]! ^ 1;
    assert.throws(() => decryptMessage(authKey, bad, 'client'), CryptoError, `byte ${pos}`);
  }
});

test('rejects short packets', () => {
  const packet = encryptMessage(authKey, plaintext(random(4)), 'client', random);
  assert.equal(packet.length, 24 + 48);
  assert.throws(() => decryptMessage(authKey, packet.subarray(0, 71), 'client'), /too short/);
  assert.throws(() => decryptMessage(authKey, Buffer.alloc(0), 'client'), /too short/);
});

test('rejects bad message_data_length even under a valid msg_key', () => {
  const body = random(64);
  const lies: [string, number, number][] = [
    // [why, length field, padding bytes]; data is 32 + 64 = 96 bytes
    ['padding below 12 (length claims more body)', 72, 16], // 96 + 16 - 32 - 72 = 8 bytes of padding
    ['length not a multiple of 4', 62, 16],
    ['length beyond the data', 200, 16],
    ['padding above 1024', 0, 1040], // 96 + 1040 - 32 = 1104 bytes of padding for length 0
  ];
  for (const [why, lengthField, padLen] of lies) {
    const pt = plaintext(body, lengthField);
    assert.equal((pt.length + padLen) % 16, 0, why);
    const packet = referenceEncrypt(pt, random(padLen), 'client');
    assert.throws(() => decryptMessage(authKey, packet, 'client'), /message_data_length/, why);
  }
});
