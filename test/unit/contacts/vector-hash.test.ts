// The list hash of core.telegram.org/api/offsets#hash-generation, as contacts.getContacts uses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contactsHash, vectorHash, CONTACTS_HASH_MAX_IDS } from '../../../src/service/contacts/vector-hash.js';

/**
 * An independent reference: the documented steps on a BigUint64Array cell, whose stores wrap to 64 bits by
 * themselves (the code under test masks by hand).
 */
function reference(values: bigint[]): bigint {
  const h = new BigUint64Array(1);
  for (const v of values) {
    h[0] ^= h[0] >> 21n;
    h[0] ^= h[0] << 35n;
    h[0] ^= h[0] >> 4n;
    h[0] += BigInt.asUintN(64, v);
  }
  return BigInt.asIntN(64, h[0]);
}

test('an empty list hashes to 0 and one value to itself', () => {
  assert.equal(vectorHash([]), 0n);
  assert.equal(vectorHash([1n]), 1n);
  assert.equal(vectorHash([123456789n]), 123456789n);
});

test('two values follow the documented shifts (worked by hand)', () => {
  // h=1: h^=h>>21 -> 1; h^=h<<35 -> 2^35+1; h^=h>>4 -> 2^35+2^31+1; h+=2.
  assert.equal(vectorHash([1n, 2n]), 2n ** 35n + 2n ** 31n + 3n);
});

test('wraps at 64 bits and returns the signed long the wire carries', () => {
  const big = [0x7fffffffffffffffn, 0x7fffffffffffffffn, 5n, 1_000_000_007n];
  const h = vectorHash(big);
  assert.equal(h, reference(big));
  assert.ok(h >= -(2n ** 63n) && h < 2n ** 63n);
  // Negative inputs (signed longs) are folded as their unsigned 64-bit pattern.
  assert.equal(vectorHash([-1n]), -1n);
  assert.equal(vectorHash([-1n, 1n]), reference([-1n, 1n]));
});

test('matches the reference on many pseudo-random lists', () => {
  let seed = 0x2545f4914f6cdd1dn;
  const next = () => {
    seed ^= (seed << 13n) & ((1n << 64n) - 1n);
    seed ^= seed >> 7n;
    seed ^= (seed << 17n) & ((1n << 64n) - 1n);
    return seed;
  };
  for (let n = 0; n < 50; n++) {
    const list = Array.from({ length: n }, () => BigInt.asIntN(64, next()));
    assert.equal(vectorHash(list), reference(list));
  }
});

test('order matters', () => {
  assert.notEqual(vectorHash([1n, 2n]), vectorHash([2n, 1n]));
});

test('contactsHash folds saved_count first, then the ids sorted ascending', () => {
  const ids = [1000003n, 1000001n, 1000002n];
  assert.equal(contactsHash(4, ids), reference([4n, 1000001n, 1000002n, 1000003n]));
  assert.equal(contactsHash(0, []), 0n);
  assert.notEqual(contactsHash(1, ids), contactsHash(0, ids));
  // The input array is left as it was.
  assert.deepEqual(ids, [1000003n, 1000001n, 1000002n]);
});

test('contactsHash covers at most 100000 ids', () => {
  const ids = Array.from({ length: CONTACTS_HASH_MAX_IDS + 3 }, (_, i) => BigInt(i + 1));
  assert.equal(contactsHash(0, ids), contactsHash(0, ids.slice(0, CONTACTS_HASH_MAX_IDS)));
});
