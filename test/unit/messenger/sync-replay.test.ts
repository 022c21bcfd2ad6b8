// Sync-T is at-least-once: a consumer may get a record again (Kafka: a batch whose commit did not happen).
// SyncChannel must not push it twice, including updates that carry no pts for clients to deduplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, type BusHandler, type EventBus, type Subscription } from '../../../src/infra/bus/index.js';
import { SyncChannel } from '../../../src/messenger/sync.js';
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
