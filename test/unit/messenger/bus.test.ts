import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../../src/infra/bus/index.js';

test('each group gets every record, in publish order per key, after the publisher\'s turn', async () => {
  const bus = new MemoryBus();
  const a: string[] = [];
  const b: string[] = [];
  bus.subscribe<string>('T', 'a', async (v) => {
    await Promise.resolve();
    a.push(v);
  });
  bus.subscribe<string>('T', 'b', (v) => void b.push(v));
  await bus.publish('T', [
    { key: 'k1', value: '1' },
    { key: 'k2', value: 'x' },
    { key: 'k1', value: '2' },
  ]);
  assert.deepEqual(a, []);
  await bus.publish('T', [{ key: 'k1', value: '3' }]);
  await bus.drain();
  assert.deepEqual(a.filter((v) => v !== 'x'), ['1', '2', '3']);
  assert.deepEqual(b.filter((v) => v !== 'x'), ['1', '2', '3']);
  assert.equal(a.length, 4);
  await bus.close();
  await assert.rejects(bus.publish('T', [{ key: 'k', value: 'late' }]));
});

test('a failing handler is retried, then reported, and later records still flow', async () => {
  const errors: unknown[] = [];
  const bus = new MemoryBus({ maxAttempts: 2, onError: (err) => errors.push(err) });
  let calls = 0;
  const seen: number[] = [];
  bus.subscribe<number>('T', 'g', (v) => {
    calls++;
    if (v === 1) throw new Error('boom');
    seen.push(v);
  });
  await bus.publish('T', [
    { key: 'k', value: 1 },
    { key: 'k', value: 2 },
  ]);
  await bus.drain();
  assert.equal(errors.length, 2);
  assert.equal(calls, 3);
  assert.deepEqual(seen, [2]);
});

test('records for topics nobody listens to are dropped; a closed subscription gets nothing; one group name per topic', async () => {
  const bus = new MemoryBus();
  await bus.publish('nobody', [{ key: 'k', value: 1 }]);
  const seen: number[] = [];
  const sub = bus.subscribe<number>('T', 'g', (v) => void seen.push(v));
  assert.throws(() => bus.subscribe('T', 'g', () => {}));
  sub.close();
  await bus.publish('T', [{ key: 'k', value: 1 }]);
  await bus.drain();
  assert.deepEqual(seen, []);
});
