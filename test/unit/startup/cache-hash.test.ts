// The hashes start-up answers carry: stable, never 0, different per list and per content, and only an
// exact, non-zero match earns the NotModified constructor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cached32, cached64, hash32, hash64, isSameHash } from '../../../src/bff/startup/cache-hash.js';
import type { TlType } from '../../../src/tl/index.js';

const empty = { _: 'messages.allStickers', hash: 0n, sets: [] };

test('hashes are stable and depend on the list and the content', () => {
  assert.equal(hash64('stickers', empty), hash64('stickers', { ...empty }));
  assert.notEqual(hash64('stickers', empty), hash64('masks', empty));
  assert.notEqual(hash32('a', { _: 'help.peerColors', hash: 0, colors: [] }), hash32('a', { _: 'help.peerColors', hash: 0, colors: [{ _: 'help.peerColorOption', colorId: 1 }] }));
  assert.equal(typeof hash64('x', empty), 'bigint');
  assert.ok(Number.isInteger(hash32('x', empty)));
  assert.ok(hash32('x', empty) >= -(2 ** 31) && hash32('x', empty) < 2 ** 31, 'a signed 32-bit value');
});

test('a computed hash is never 0 over many inputs', () => {
  for (let i = 0; i < 2000; i++) {
    assert.notEqual(hash32(`list-${i}`, empty), 0);
    assert.notEqual(hash64(`list-${i}`, empty), 0n);
  }
});

test('isSameHash: 0 never matches, types are compared by value', () => {
  assert.equal(isSameHash(0, 0), false);
  assert.equal(isSameHash(0n, 0n), false);
  assert.equal(isSameHash(5, 5), true);
  assert.equal(isSameHash(5n, 5n), true);
  assert.equal(isSameHash(5n, 6n), false);
  assert.equal(isSameHash(-7, -7), true);
  assert.equal(isSameHash(undefined, 5), false);
  assert.equal(isSameHash('5', 5), false);
});

test('Cached answers the full object for an unknown or empty hash and NotModified for its own', () => {
  const c = cached64<TlType<'messages.AllStickers'>>('stickers', (hash) => ({ _: 'messages.allStickers', hash, sets: [] }), { _: 'messages.allStickersNotModified' });
  assert.notEqual(c.hash, 0n);
  assert.deepEqual(c.full, { _: 'messages.allStickers', hash: c.hash, sets: [] });
  assert.equal(c.answer(0n), c.full);
  assert.equal(c.answer(c.hash + 1n), c.full);
  assert.deepEqual(c.answer(c.hash), { _: 'messages.allStickersNotModified' });
  // The hash covers the content without itself: building again gives the same hash.
  const again = cached64<TlType<'messages.AllStickers'>>('stickers', (hash) => ({ _: 'messages.allStickers', hash, sets: [] }), { _: 'messages.allStickersNotModified' });
  assert.equal(again.hash, c.hash);

  const c32 = cached32<TlType<'messages.EmojiGroups'>>('groups', (hash) => ({ _: 'messages.emojiGroups', hash, groups: [] }), { _: 'messages.emojiGroupsNotModified' });
  assert.equal(typeof c32.hash, 'number');
  assert.deepEqual(c32.answer(c32.hash), { _: 'messages.emojiGroupsNotModified' });
  assert.equal(c32.answer(0), c32.full);
});
