// Sync-T is at-least-once: a consumer may get a record again (Kafka: a batch whose commit did not happen).
// SyncChannel must not push it twice, including updates that carry no pts for clients to deduplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, type BusHandler, type EventBus, type Subscription } from '../../../src/infra/bus/index.js';
import { SYNC_DEDUPE_WINDOW, SyncChannel, type SyncRecord } from '../../../src/messenger/sync.js';
import type { UpdatePusher } from '../../../src/contracts/push.js';
import type { TlObject, TlType } from '../../../src/tl/index.js';

/** A real MemoryBus whose subscribers get every record twice, as after a redelivery. */
function replayingBus(): EventBus {
  const bus = new MemoryBus();
  return {
    publish: (topic, records) => bus.publish(topic, records),
    subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
      return bus.subscribe<T>(topic, group, async (value, record) => {
        await handler(value, record);
        // The copy a redelivery brings: decoded anew, so an equal object, not the same one.
        await handler(structuredClone(value), record);
      });
    },
    drain: () => bus.drain(),
    close: () => bus.close(),
  };
}

function recordingPusher(): { pusher: UpdatePusher; pushed: { userId: bigint; updates: TlObject }[] } {
  const pushed: { userId: bigint; updates: TlObject }[] = [];
  const pusher: UpdatePusher = {
    pushToUser: (userId, updates) => void pushed.push({ userId, updates }),
    pushToAuthKey: () => {},
    isOnline: () => true,
    onConnectivity: () => {},
  };
  return { pusher, pushed };
}

test('a redelivered Sync-T record is pushed once, with or without pts', async () => {
  const bus = replayingBus();
  const { pusher, pushed } = recordingPusher();
  const sync = new SyncChannel(bus, pusher);
  const typing: TlType<'Updates'> = { _: 'updateShort', update: { _: 'updateUserTyping', userId: 2n, action: { _: 'sendMessageTypingAction' } }, date: 1 };
  const message: TlType<'Updates'> = { _: 'updateShortMessage', out: false, id: 5, userId: 2n, message: 'hi', pts: 7, ptsCount: 1, date: 1 };
  await sync.publish([
    { userId: 1n, updates: typing },
    { userId: 1n, updates: message },
  ]);
  // The same content published again is a new event (a second typing notice): pushed again.
  await sync.publish([{ userId: 1n, updates: typing }]);
  await bus.drain();
  assert.deepEqual(
    pushed.map((p) => (p.updates as { _: string })._),
    ['updateShort', 'updateShortMessage', 'updateShort'],
  );
  sync.close();
  await bus.close();
});

test('the dedupe window keeps the last SYNC_DEDUPE_WINDOW event ids: a recent one is skipped, one older than the window is pushed again', async () => {
  // A bus that hands records to the handler as the test says, so one can come back long after it was pushed.
  let handler: BusHandler<SyncRecord> | undefined;
  const published: SyncRecord[] = [];
  const bus: EventBus = {
    publish: async (_topic, records) => void published.push(...records.map((r) => r.value as SyncRecord)),
    subscribe<T>(_topic: string, _group: string, h: BusHandler<T>): Subscription {
      handler = h as unknown as BusHandler<SyncRecord>;
      return { close: async () => {} };
    },
    drain: async () => {},
    close: async () => {},
  };
  const { pusher, pushed } = recordingPusher();
  const sync = new SyncChannel(bus, pusher);
  const total = SYNC_DEDUPE_WINDOW + 10;
  const typing: TlType<'Updates'> = { _: 'updateShort', update: { _: 'updateUserTyping', userId: 2n, action: { _: 'sendMessageTypingAction' } }, date: 1 };
  await sync.publish(Array.from({ length: total }, (_, i) => ({ userId: BigInt(i + 1), updates: typing })));
  const deliver = (r: SyncRecord) => handler!(r, { topic: 'Sync-T', key: String(r.userId), value: r });
  for (const r of published) await deliver(r);
  assert.equal(pushed.length, total);
  // Redeliveries: the newest and the oldest still in the window are skipped; the ten before them are forgotten.
  await deliver(published[total - 1]!);
  await deliver(published[10]!);
  assert.equal(pushed.length, total);
  await deliver(published[9]!);
  await deliver(published[0]!);
  assert.deepEqual(pushed.slice(total).map((p) => p.userId), [10n, 1n]);
  // A forgotten id pushed again is in the window again.
  await deliver(published[0]!);
  assert.equal(pushed.length, total + 2);
  sync.close();
});
