// file_reference expiry: valid for the window, then EXPIRED; anything forged or moved INVALID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { FileReferences, FILE_REFERENCE_LENGTH } from '../../../src/service/dfs/file-references.js';

const HOUR = 3600_000;

function refs(clock: { ms: number }, secret = 'a') {
  return new FileReferences(Buffer.from(secret.repeat(32)), () => clock.ms, { slotMs: HOUR, validSlots: 24 });
}

test('a reference is valid for 24 slots, then expired', () => {
  const clock = { ms: 1_700_000_000_000 };
  const r = refs(clock);
  const ref = r.make('photo', 123n);
  assert.equal(ref.length, FILE_REFERENCE_LENGTH);
  assert.equal(r.check('photo', 123n, ref), 'ok');
  clock.ms += 24 * HOUR;
  assert.equal(r.check('photo', 123n, ref), 'ok');
  clock.ms += HOUR;
  assert.equal(r.check('photo', 123n, ref), 'expired');
  // A fresh one works again.
  assert.equal(r.check('photo', 123n, r.make('photo', 123n)), 'ok');
});

test('references do not move between files, kinds or servers, and garbage is invalid', () => {
  const clock = { ms: 1_700_000_000_000 };
  const r = refs(clock);
  const ref = r.make('photo', 1n);
  assert.equal(r.check('photo', 2n, ref), 'invalid');
  assert.equal(r.check('document', 1n, ref), 'invalid');
  assert.equal(refs(clock, 'b').check('photo', 1n, ref), 'invalid');
  const flipped = Buffer.from(ref);
  flipped[10]! ^= 1;
  assert.equal(r.check('photo', 1n, flipped), 'invalid');
  assert.equal(r.check('photo', 1n, Buffer.alloc(0)), 'invalid');
  assert.equal(r.check('photo', 1n, ref.subarray(0, 10)), 'invalid');
  // From the future (a clock far behind the maker's): invalid, not a bypass of expiry.
  const later = refs({ ms: clock.ms + 5 * HOUR }).make('photo', 1n);
  assert.equal(r.check('photo', 1n, later), 'invalid');
});

test('require() throws Telegram\'s error names, with the index form for sendMultiMedia', () => {
  const clock = { ms: 1_700_000_000_000 };
  const r = refs(clock);
  const ref = r.make('document', 9n);
  r.require('document', 9n, ref);
  clock.ms += 30 * HOUR;
  const is = (name: string) => (err: unknown) => err instanceof RpcError && err.code === 400 && err.errorMessage === name;
  assert.throws(() => r.require('document', 9n, ref), is('FILE_REFERENCE_EXPIRED'));
  assert.throws(() => r.require('document', 9n, ref, 2), is('FILE_REFERENCE_2_EXPIRED'));
  assert.throws(() => r.require('document', 9n, Buffer.from('x')), is('FILE_REFERENCE_INVALID'));
  assert.throws(() => r.require('document', 9n, Buffer.from('x'), 0), is('FILE_REFERENCE_0_INVALID'));
});
