import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha1, sha256 } from '../../../src/mtproto/crypto/hash.js';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import { seededRandom } from './helpers.js';

test('sha1/sha256 over one or several parts equal the hash of the concatenation', () => {
  const a = Buffer.from('hello ');
  const b = Buffer.from('world');
  assert.equal(sha1(Buffer.from('abc')).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(
    sha256(Buffer.from('abc')).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  assert.deepEqual(sha1(a, b), createHash('sha1').update('hello world').digest());
  assert.deepEqual(sha256(a, b), createHash('sha256').update('hello world').digest());
  assert.deepEqual(sha256(), createHash('sha256').digest());
});

test('sha256 of short inputs (WebAssembly) equals the native hash at every length around the switch, in buffers of its own', () => {
  const random = seededRandom('short sha256');
  const results: { got: Buffer; want: Buffer }[] = [];
  for (let n = 0; n <= 300; n++) {
    const data = random(n);
    const got = sha256(data);
    assert.ok(Buffer.isBuffer(got));
    results.push({ got, want: createHash('sha256').update(data).digest() });
  }
  // Checked once all are made: a later hash never overwrites an earlier result.
  results.forEach(({ got, want }, n) => assert.deepEqual(got, want, `length ${n}`));
});

test('makeAuthKey: id is the last 8 bytes of SHA1(key), as a little-endian signed long', () => {
  const key = seededRandom('auth-key')(256);
  const digest = createHash('sha1').update(key).digest();
  const ak = makeAuthKey(key);
  assert.deepEqual(ak.idBytes, digest.subarray(12, 20));
  assert.equal(ak.id, digest.readBigInt64LE(12));
  assert.deepEqual(ak.key, key);
  assert.throws(() => makeAuthKey(Buffer.alloc(255)), CryptoError);
});
