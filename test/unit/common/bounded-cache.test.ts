// BoundedCache: size and age bounds, and an invalidation during a load making the next reader load again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../../../src/common/bounded-cache.js';

function counted() {
  const clock = { ms: 0 };
  let loads = 0;
  const cache = new BoundedCache<string, string>({ maxEntries: 3, maxAgeMs: 1000, now: () => clock.ms });
  const get = (key: string) =>
    cache.get(key, async () => {
      loads++;
      return `${key}#${loads}`;
    });
  return { cache, clock, get, loads: () => loads };
}

test('a cached load is answered without loading again', async () => {
  const c = counted();
  assert.equal(await c.get('a'), 'a#1');
  assert.equal(await c.get('a'), 'a#1');
  assert.equal(c.loads(), 1);
});

test('past maxEntries the least recently used entry is dropped', async () => {
  const c = counted();
  await c.get('a');
  await c.get('b');
  await c.get('c');
  await c.get('a'); // a is now the most recent: b is the oldest
  await c.get('d');
  assert.equal(c.cache.size, 3);
  assert.equal(c.cache.peek('b'), undefined);
  assert.equal(await c.get('a'), 'a#1');
  assert.equal(await c.get('b'), 'b#5', 'b is loaded again');
});

test('an entry older than maxAgeMs is loaded again', async () => {
  const c = counted();
  await c.get('a');
  c.clock.ms = 1000;
  assert.equal(await c.get('a'), 'a#1', 'still young enough at the bound');
  c.clock.ms = 1001;
  assert.equal(await c.get('a'), 'a#2');
});

test('a delete while a load is in flight makes the next reader load again', async () => {
  const cache = new BoundedCache<string, number>({ maxEntries: 10, maxAgeMs: 60_000, now: () => 0 });
  let release!: (v: number) => void;
  const first = cache.get('k', () => new Promise<number>((r) => (release = r)));
  cache.delete('k'); // the write happened while the first load was reading
  const second = cache.get('k', async () => 2);
  release(1);
  assert.equal(await first, 1, 'the reader that started before the write gets what it read');
  assert.equal(await second, 2);
  assert.equal(await cache.get('k', async () => 3), 2, 'the fresh load is the one kept');
});

test('a failed load and a result keep() refuses are not kept', async () => {
  const cache = new BoundedCache<string, number | undefined>({ maxEntries: 10, maxAgeMs: 60_000, now: () => 0 });
  await assert.rejects(cache.get('k', async () => Promise.reject(new Error('db down'))));
  assert.equal(await cache.get('k', async () => 1), 1);
  const exists = (v: number | undefined) => v !== undefined;
  assert.equal(await cache.get('absent', async () => undefined, exists), undefined);
  assert.equal(await cache.get('absent', async () => 7, exists), 7, 'an absent row is asked again');
});

test('deleteWhere drops the matching keys only', async () => {
  const cache = new BoundedCache<string, number>({ maxEntries: 10, maxAgeMs: 60_000, now: () => 0 });
  for (const k of ['1:2', '2:3', '3:4']) await cache.get(k, async () => 0);
  cache.deleteWhere((k) => k.split(':').includes('2'));
  assert.equal(cache.size, 1);
  assert.notEqual(cache.peek('3:4'), undefined);
});
