// The EventBus contract (src/infra/bus/bus.ts), one set of cases run against every implementation:
// MemoryBus in `npm test` (test/unit/infra/bus-contract.test.ts) and KafkaBus against a real broker
// (test/engines/bus-contract.test.ts). Each case uses its own topic and group names, so a broker that
// keeps records between runs or cases does not mix them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { EventBus } from '../../src/infra/bus/index.js';

export interface BusFixture {
  bus: EventBus;
  /** Topics this fixture's bus can publish to (Kafka: created before the case runs). */
  topic: string;
  dispose(): Promise<void>;
}

/** Makes a bus whose topics are the given names (unique per case). */
export type BusFactory = (topics: string[]) => Promise<BusFixture>;

function unique(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** Resolves once `done()` holds, checked after every handled record; no fixed sleeps. */
function waitFor(done: () => boolean, listeners: Array<() => void>, what: string, timeoutMs = 60_000): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    listeners.push(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

export function busContract(name: string, make: BusFactory): void {
  test(`${name}: records of one key reach the handler in publish order, across publishes`, async () => {
    const topic = unique('order');
    const f = await make([topic]);
    try {
      const seen = new Map<string, number[]>();
      const notify: Array<() => void> = [];
      f.bus.subscribe<{ n: number }>(topic, 'g', (v, r) => {
        seen.set(r.key, [...(seen.get(r.key) ?? []), v.n]);
        for (const l of notify) l();
      });
      const keys = Array.from({ length: 12 }, (_, i) => `user-${i}`);
      const perKey = 30;
      // Several publishes in flight at once, each with records of many keys.
      const publishes: Promise<void>[] = [];
      for (let round = 0; round < perKey; round += 5) {
        const records = [];
        for (let n = round; n < round + 5; n++) for (const key of keys) records.push({ key, value: { n } });
        publishes.push(f.bus.publish(topic, records));
      }
      await Promise.all(publishes);
      // Counted as distinct values: a replay after a rebalance must not end the wait early.
      await waitFor(() => keys.every((k) => new Set(seen.get(k)).size === perKey), notify, 'every record');
      for (const key of keys) {
        const got = seen.get(key) ?? [];
        // At-least-once allows a replay, never a reordering: drop exact replays of a prefix, then the order must hold.
        const firsts = got.filter((n, i) => got.indexOf(n) === i);
        assert.deepEqual(firsts, Array.from({ length: perKey }, (_, n) => n), `order of ${key}`);
      }
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: every group gets every record`, async () => {
    const topic = unique('groups');
    const f = await make([topic]);
    try {
      const a = new Set<number>();
      const b = new Set<number>();
      const notify: Array<() => void> = [];
      f.bus.subscribe<{ n: number }>(topic, 'a', (v) => void (a.add(v.n), notify.forEach((l) => l())));
      f.bus.subscribe<{ n: number }>(topic, 'b', (v) => void (b.add(v.n), notify.forEach((l) => l())));
      await f.bus.publish(topic, Array.from({ length: 50 }, (_, n) => ({ key: `k${n % 7}`, value: { n } })));
      await waitFor(() => a.size === 50 && b.size === 50, notify, 'both groups');
      assert.equal(a.size, 50);
      assert.equal(b.size, 50);
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: values keep bigints, bytes, nesting and absent fields`, async () => {
    const topic = unique('values');
    const f = await make([topic]);
    try {
      const value = {
        userId: 7_000_000_000_000_000_001n,
        negative: -5n,
        bytes: Buffer.from([0, 1, 2, 254, 255]),
        nested: { _: 'updateShort', update: { _: 'updateUserTyping', userId: 42n, action: { _: 'sendMessageTypingAction' } }, date: 1700000000 },
        list: [1, 'two', { three: 3n }],
        flag: true,
        text: 'héllo \u0000 wörld',
      };
      let got: unknown;
      const notify: Array<() => void> = [];
      f.bus.subscribe(topic, 'g', (v) => void ((got = v), notify.forEach((l) => l())));
      await f.bus.publish(topic, [{ key: '1', value }]);
      await waitFor(() => got !== undefined, notify, 'the record');
      assert.deepEqual(got, value);
      assert.ok(Buffer.isBuffer((got as typeof value).bytes), 'bytes come back as a Buffer');
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: a handler that throws gets the record again`, async () => {
    const topic = unique('retry');
    const f = await make([topic]);
    try {
      const attempts: number[] = [];
      const handled: number[] = [];
      const notify: Array<() => void> = [];
      f.bus.subscribe<{ n: number }>(topic, 'g', (v) => {
        attempts.push(v.n);
        if (v.n === 1 && attempts.filter((n) => n === 1).length === 1) throw new Error('transient');
        handled.push(v.n);
        notify.forEach((l) => l());
      });
      await f.bus.publish(topic, [0, 1, 2].map((n) => ({ key: 'same', value: { n } })));
      await waitFor(() => handled.includes(2), notify, 'the last record');
      assert.deepEqual(handled.filter((n, i) => handled.indexOf(n) === i), [0, 1, 2], 'the failed record is handled before the next one of its key');
      assert.ok(attempts.filter((n) => n === 1).length >= 2, 'record 1 was delivered again');
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: drain resolves once everything published is handled`, async () => {
    const topic = unique('drain');
    const f = await make([topic]);
    try {
      let handled = 0;
      f.bus.subscribe<{ n: number }>(topic, 'g', async () => {
        await new Promise((r) => setImmediate(r));
        handled++;
      });
      await f.bus.publish(topic, Array.from({ length: 40 }, (_, n) => ({ key: `k${n % 5}`, value: { n } })));
      await f.bus.drain();
      assert.equal(handled >= 40, true, `handled ${handled} of 40 when drain resolved`);
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: an empty publish resolves; a second subscription of one group to one topic is refused`, async () => {
    const topic = unique('misc');
    const f = await make([topic]);
    try {
      await f.bus.publish(topic, []);
      const sub = f.bus.subscribe(topic, 'g', () => {});
      assert.throws(() => f.bus.subscribe(topic, 'g', () => {}), /already subscribed/);
      sub.close();
    } finally {
      await f.dispose();
    }
  });
}
