import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandomPool } from '../../../src/common/random-pool.js';

test('the random pool never hands out the same bytes twice and returns independent copies', () => {
  const random = createRandomPool(64);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const b = random(16);
    assert.equal(b.length, 16);
    const hex = b.toString('hex');
    assert.ok(!seen.has(hex), 'repeated 16 random bytes');
    seen.add(hex);
  }
  const a = random(8);
  const copy = Buffer.from(a);
  random(64); // refills the pool
  assert.deepEqual(a, copy, 'earlier results are not overwritten by a refill');
  assert.equal(random(1000).length, 1000, 'larger than the pool');
});
