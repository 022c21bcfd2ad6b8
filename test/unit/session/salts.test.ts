import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SALT_PERIOD_SECONDS, SaltSchedule } from '../../../src/mtproto/session/salts.js';

test('salts depend on the key and the 30-minute slot, and future salts chain without gaps', () => {
  const salts = new SaltSchedule(Buffer.alloc(32, 7));
  const now = 1_700_000_000_000;
  const a = salts.current(1n, now);
  assert.equal(salts.current(1n, now + 1000), a);
  assert.notEqual(salts.current(2n, now), a);
  assert.notEqual(salts.current(1n, now + SALT_PERIOD_SECONDS * 1000), a);
  assert.ok(salts.isValid(1n, a, now));
  assert.ok(!salts.isValid(1n, a ^ 1n, now));
  const future = salts.future(1n, now, 32);
  assert.equal(future.length, 32);
  assert.equal(future[0]!.salt, a);
  for (let i = 1; i < future.length; i++) assert.equal(future[i]!.validSince, future[i - 1]!.validUntil);
  // A different server secret gives different salts: nodes only agree when they share it.
  assert.notEqual(new SaltSchedule(Buffer.alloc(32, 8)).current(1n, now), a);
});
