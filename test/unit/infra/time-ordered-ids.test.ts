import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeOrderedIds } from '../../../src/service/idgen.js';

test('time-ordered ids: unique and increasing within one millisecond, past 1024 of them, and when the clock steps back', () => {
  let now = 1_700_000_000_000;
  const ids = new TimeOrderedIds(5, () => now);
  const made: bigint[] = [];
  for (let i = 0; i < 3000; i++) made.push(ids.next());
  now -= 10_000; // the wall clock jumps back
  for (let i = 0; i < 10; i++) made.push(ids.next());
  for (let i = 1; i < made.length; i++) assert.ok(made[i]! > made[i - 1]!, `id ${i} not above the one before`);
  assert.ok(made.every((id) => id < 2n ** 63n && id > 0n));
  assert.equal(made[0]! >> 20n, 1_700_000_000_000n, 'milliseconds in the top bits');
});

test('time-ordered ids: two workers never make the same id at the same instant; worker ids outside 0-1023 are refused', () => {
  const now = () => 1_700_000_000_000;
  const a = new TimeOrderedIds(1, now);
  const b = new TimeOrderedIds(2, now);
  const seen = new Set<bigint>();
  for (let i = 0; i < 2000; i++) {
    seen.add(a.next());
    seen.add(b.next());
  }
  assert.equal(seen.size, 4000);
  assert.throws(() => new TimeOrderedIds(1024, now), RangeError);
  assert.throws(() => new TimeOrderedIds(-1, now), RangeError);
});
