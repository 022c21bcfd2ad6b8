// The KeyValueStore contract: the same cases for every implementation (MemoryKeyValueStore in npm test,
// MemoryKeyValueStore and RedisKeyValueStore in test:engines). Each case works under its own random key
// prefix, so runs against a shared Redis do not see each other's keys.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../../src/infra/kv/kv.js';

/** Polls until `probe` is true (expiry is the store's own event; there is nothing to subscribe to). */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function kvContract(name: string, open: () => Promise<KeyValueStore>): void {
  let store: KeyValueStore | undefined;
  const kv = async () => (store ??= await open());
  const ns = () => `contract:${randomBytes(6).toString('hex')}:`;
  after(async () => store?.close());

  test(`${name}: get answers what set stored, undefined for a key never set; set overwrites`, async () => {
    const s = await kv();
    const p = ns();
    assert.equal(await s.get(`${p}missing`), undefined);
    await s.set(`${p}a`, 'one');
    assert.equal(await s.get(`${p}a`), 'one');
    await s.set(`${p}a`, 'two');
    assert.equal(await s.get(`${p}a`), 'two');
    const odd = 'ünï©ødé \u0000 "quotes" \n and 🙂';
    await s.set(`${p}odd`, odd);
    assert.equal(await s.get(`${p}odd`), odd);
    await s.set(`${p}empty`, '');
    assert.equal(await s.get(`${p}empty`), '', 'an empty string is a value, not an absent key');
  });

  test(`${name}: a key set with a TTL is there before it and gone after; one without a TTL stays`, async () => {
    const s = await kv();
    const p = ns();
    await s.set(`${p}long`, 'v', 60_000);
    assert.equal(await s.get(`${p}long`), 'v');
    await s.set(`${p}forever`, 'v');
    await s.set(`${p}short`, 'v', 30);
    await eventually('the 30 ms key expires', async () => (await s.get(`${p}short`)) === undefined);
    assert.equal(await s.get(`${p}forever`), 'v');
    assert.equal(await s.get(`${p}long`), 'v');
    assert.deepEqual(await s.keys(`${p}short`), [], 'an expired key is not listed');
  });

  test(`${name}: setIfAbsent sets once, keeps the first value, works again after delete or expiry`, async () => {
    const s = await kv();
    const p = ns();
    assert.equal(await s.setIfAbsent(`${p}k`, 'first'), true);
    assert.equal(await s.setIfAbsent(`${p}k`, 'second'), false);
    assert.equal(await s.get(`${p}k`), 'first');
    assert.equal(await s.delete(`${p}k`), true);
    assert.equal(await s.setIfAbsent(`${p}k`, 'third', 60_000), true);
    assert.equal(await s.get(`${p}k`), 'third');
    assert.equal(await s.setIfAbsent(`${p}t`, 'x', 30), true);
    await eventually('the 30 ms claim expires', async () => (await s.get(`${p}t`)) === undefined);
    assert.equal(await s.setIfAbsent(`${p}t`, 'y'), true, 'an expired key counts as absent');
  });

  test(`${name}: concurrent setIfAbsent on one key: exactly one wins`, async () => {
    const s = await kv();
    const p = ns();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.setIfAbsent(`${p}race`, String(i), 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test(`${name}: delete says whether the key was there`, async () => {
    const s = await kv();
    const p = ns();
    assert.equal(await s.delete(`${p}nothing`), false);
    await s.set(`${p}x`, 'v');
    assert.equal(await s.delete(`${p}x`), true);
    assert.equal(await s.get(`${p}x`), undefined);
    assert.equal(await s.delete(`${p}x`), false);
  });

  test(`${name}: increment counts from zero by 1 or by the step, concurrently without losing a step`, async () => {
    const s = await kv();
    const p = ns();
    assert.equal(await s.increment(`${p}c`), 1);
    assert.equal(await s.increment(`${p}c`), 2);
    assert.equal(await s.increment(`${p}c`, undefined, 5), 7);
    assert.equal(await s.get(`${p}c`), '7');
    await Promise.all(Array.from({ length: 50 }, () => s.increment(`${p}par`, 60_000)));
    assert.equal(await s.get(`${p}par`), '50');
  });

  test(`${name}: a new counter starts its TTL window; when it ends the count starts over`, async () => {
    const s = await kv();
    const p = ns();
    assert.equal(await s.increment(`${p}w`, 40), 1);
    await eventually('the counter window ends', async () => (await s.get(`${p}w`)) === undefined);
    assert.equal(await s.increment(`${p}w`, 60_000), 1);
    assert.equal(await s.increment(`${p}w`, 60_000), 2);
    // An existing counter without expiry does not gain one from a later increment's TTL.
    await s.set(`${p}plain`, '10');
    assert.equal(await s.increment(`${p}plain`, 30), 11);
    await s.set(`${p}probe`, 'v', 30);
    await eventually('a 30 ms probe key expires', async () => (await s.get(`${p}probe`)) === undefined);
    assert.equal(await s.get(`${p}plain`), '11');
  });

  test(`${name}: takeTokens spends a burst, then answers the wait without spending; the bucket refills and expires`, async () => {
    const s = await kv();
    const p = ns();
    const limit = { burst: 10, perSecond: 1 };
    assert.equal(await s.takeTokens(`${p}b`, 6, limit), 0);
    assert.equal(await s.takeTokens(`${p}b`, 4, limit), 0);
    const wait = await s.takeTokens(`${p}b`, 5, limit);
    assert.ok(wait > 4 && wait <= 5, `wait ${wait} s for 5 tokens at 1/s with (almost) none left`);
    assert.ok((await s.takeTokens(`${p}b`, 5, limit)) > 4, 'the refused take spent nothing and the bucket did not go negative');
    assert.equal(await s.takeTokens(`${p}other`, 10, limit), 0, 'buckets are per key');
    // A fast bucket: empty it, then wait for the refill it announces.
    const fast = { burst: 3, perSecond: 100 };
    assert.equal(await s.takeTokens(`${p}f`, 3, fast), 0);
    assert.ok((await s.takeTokens(`${p}f`, 3, fast)) > 0);
    await eventually('the fast bucket refills', async () => (await s.takeTokens(`${p}f`, 3, fast)) === 0);
    await eventually('a full bucket expires', async () => (await s.keys(`${p}f`)).length === 0);
  });

  test(`${name}: concurrent takeTokens on one bucket are atomic (what several nodes counting at once rely on)`, async () => {
    const s = await kv();
    const p = ns();
    const limit = { burst: 10, perSecond: 0.001 };
    const waits = await Promise.all(Array.from({ length: 40 }, () => s.takeTokens(`${p}b`, 1, limit)));
    assert.equal(waits.filter((w) => w === 0).length, 10, 'exactly the burst passes, however the calls interleave');
    assert.ok(waits.filter((w) => w > 0).every((w) => w > 0.5), 'each refused call is told to wait for its token');
  });

  test(`${name}: keys lists exactly the live keys under a prefix, glob characters taken literally`, async () => {
    const s = await kv();
    const p = ns();
    await s.set(`${p}user:1`, 'a');
    await s.set(`${p}user:2`, 'b', 60_000);
    await s.set(`${p}users`, 'c');
    await s.set(`${p}other:1`, 'd');
    await s.set(`${p}star*:1`, 'e');
    await s.set(`${p}starX:1`, 'f');
    assert.deepEqual((await s.keys(`${p}user:`)).sort(), [`${p}user:1`, `${p}user:2`]);
    assert.deepEqual(await s.keys(`${p}star*`), [`${p}star*:1`]);
    assert.deepEqual(await s.keys(`${p}none`), []);
  });
}
