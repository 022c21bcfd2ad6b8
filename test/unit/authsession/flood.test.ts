import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloodGate } from '../../../src/service/authsession/flood.js';
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { RpcError } from '../../../src/common/rpc-error.js';

const HOUR = 3600_000;
const rule = { name: 'test', limit: 3, windowMs: HOUR };

function gate(start = 10 * HOUR) {
  const clock = { now: start };
  const kv = new MemoryKeyValueStore(() => clock.now);
  return { clock, kv, flood: new FloodGate(kv, () => clock.now) };
}

function floodSeconds(err: unknown): number {
  assert.ok(err instanceof RpcError && err.code === 420, `expected FLOOD_WAIT, got ${String(err)}`);
  const m = /^FLOOD_WAIT_(\d+)$/.exec(err.errorMessage);
  assert.ok(m, err.errorMessage);
  return Number(m[1]);
}

test('take() allows `limit` uses per window, then FLOOD_WAIT_X until the window ends', async (t) => {
  const { clock, kv, flood } = gate();
  t.after(() => kv.close());
  for (let i = 0; i < 3; i++) await flood.take(rule, 'a');
  clock.now += 15 * 60_000;
  const err = await flood.take(rule, 'a').then(() => undefined, (e: unknown) => e);
  assert.equal(floodSeconds(err), 45 * 60, 'waits for the rest of the window');
  // Another subject has its own counter.
  await flood.take(rule, 'b');
  // The window opened at the first use; once it is over, a new one starts with the next use.
  clock.now += 45 * 60_000;
  await flood.take(rule, 'a');
  await flood.take(rule, 'a');
  await flood.take(rule, 'a');
  clock.now += 60_000;
  const again = await flood.take(rule, 'a').then(() => undefined, (e: unknown) => e);
  assert.equal(floodSeconds(again), 59 * 60);
});

test('the window opens at the first use, not at a clock boundary', async (t) => {
  const { clock, kv, flood } = gate(10 * HOUR + 59 * 60_000);
  t.after(() => kv.close());
  for (let i = 0; i < 3; i++) await flood.take(rule, 'a');
  clock.now += 2 * 60_000; // past the full hour
  const err = await flood.take(rule, 'a').then(() => undefined, (e: unknown) => e);
  assert.equal(floodSeconds(err), 58 * 60);
});

test('count() records failures and check() refuses once they reach the limit', async (t) => {
  const { clock, kv, flood } = gate();
  t.after(() => kv.close());
  await flood.check(rule, 'p');
  assert.equal(await flood.count(rule, 'p'), 1);
  assert.equal(await flood.count(rule, 'p'), 2);
  await flood.check(rule, 'p');
  assert.equal(await flood.count(rule, 'p'), 3);
  const err = await flood.check(rule, 'p').then(() => undefined, (e: unknown) => e);
  assert.equal(floodSeconds(err), 3600);
  clock.now += HOUR;
  await flood.check(rule, 'p');
});

test('the wait is never reported as 0 seconds', async (t) => {
  const { clock, kv, flood } = gate();
  t.after(() => kv.close());
  for (let i = 0; i < 3; i++) await flood.count(rule, 'x');
  clock.now += HOUR - 1;
  const err = await flood.check(rule, 'x').then(() => undefined, (e: unknown) => e);
  assert.equal(floodSeconds(err), 1);
});
