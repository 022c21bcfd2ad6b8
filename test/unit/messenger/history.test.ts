import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversationOf } from '../../../src/messenger/messaging.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { effectiveLimit, historyPlan, type HistoryQuery } from '../../../src/messenger/box-reader.js';
import { listHash } from '../../../src/messenger/views.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, fixture, rid, type Fixture } from './fixture.js';

const Q: HistoryQuery = { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 0, maxId: 0, minId: 0 };

/** Alice sends 10 messages to Bob, one second apart: in her box they are ids 1..10. */
async function tenMessages(f: Fixture): Promise<number[]> {
  const dates: number[] = [];
  for (let i = 1; i <= 10; i++) {
    f.clock.now += 1000;
    const [s] = await f.messenger.store.send(conversationOf(ALICE, userPeer(BOB)), [{ randomId: rid(), message: `m${i}` }]);
    dates.push(s!.date);
  }
  return dates;
}

test('history pages follow offset_id + add_offset, limit, max_id and min_id (core.telegram.org/api/offsets)', async () => {
  const f = await fixture();
  try {
    const dates = await tenMessages(f);
    const ids = async (q: Partial<HistoryQuery>) => (await f.messenger.reader.history(ALICE, userPeer(BOB), { ...Q, ...q })).rows.map((r) => r.id);
    assert.deepEqual(await ids({}), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(await ids({ limit: 3 }), [10, 9, 8]);
    // Older than 8.
    assert.deepEqual(await ids({ offsetId: 8, limit: 3 }), [7, 6, 5]);
    // Newer than 8, the offset message included.
    assert.deepEqual(await ids({ offsetId: 8, addOffset: -3, limit: 3 }), [10, 9, 8]);
    // Around 8.
    assert.deepEqual(await ids({ offsetId: 8, addOffset: -2, limit: 5 }), [9, 8, 7, 6, 5]);
    // Skipping older ones.
    assert.deepEqual(await ids({ offsetId: 8, addOffset: 2, limit: 2 }), [5, 4]);
    assert.deepEqual(await ids({ addOffset: 7, limit: 5 }), [3, 2, 1]);
    // A window entirely among the newer messages.
    assert.deepEqual(await ids({ offsetId: 3, addOffset: -5, limit: 2 }), [7, 6]);
    // Fewer newer messages than asked: the window is cut at the top, never padded with older ones.
    assert.deepEqual(await ids({ offsetId: 10, addOffset: -5, limit: 10 }), [10, 9, 8, 7, 6, 5]);
    assert.deepEqual(await ids({ maxId: 6, minId: 2 }), [5, 4, 3]);
    assert.deepEqual(await ids({ offsetId: 9, maxId: 6 }), [5, 4, 3, 2, 1]);
    // max_id bounds the list first: [6..1], 4 is at position 3, the window [3 - 10, 3 - 10 + 10) is cut to [0, 3).
    assert.deepEqual(await ids({ offsetId: 4, addOffset: -10, limit: 10, maxId: 7 }), [6, 5, 4]);
    // offset_date: strictly older than that date.
    assert.deepEqual(await ids({ offsetDate: dates[4]! }), [4, 3, 2, 1]);
    assert.deepEqual(await ids({ offsetDate: dates[4]!, addOffset: -2, limit: 4 }), [6, 5, 4, 3]);
    // offset_id wins over offset_date.
    assert.deepEqual(await ids({ offsetId: 3, offsetDate: dates[8]! }), [2, 1]);
    // Nothing at all past the ends.
    assert.deepEqual(await ids({ offsetId: 1 }), []);
    assert.deepEqual(await ids({ minId: 10 }), []);
    const { count } = await f.messenger.reader.history(ALICE, userPeer(BOB), { ...Q, limit: 2 });
    assert.equal(count, 10);
    // Bob sees the same history with his own ids.
    assert.deepEqual((await f.messenger.reader.history(BOB, userPeer(ALICE), { ...Q, limit: 1 })).rows.map((r) => r.message), ['m10']);
  } finally {
    await f.close();
  }
});

test('limits: 0 means 20, more than 100 means 100; the plan splits newer and older parts', () => {
  assert.equal(effectiveLimit(0), 20);
  assert.equal(effectiveLimit(-5), 20);
  assert.equal(effectiveLimit(7), 7);
  assert.equal(effectiveLimit(1000), 100);
  assert.deepEqual(historyPlan({ addOffset: 0 }, 20), { newer: 0, skipOlder: 0, older: 20 });
  assert.deepEqual(historyPlan({ addOffset: 5 }, 20), { newer: 0, skipOlder: 5, older: 20 });
  assert.deepEqual(historyPlan({ addOffset: -10 }, 20), { newer: 10, skipOlder: 0, older: 10 });
  assert.deepEqual(historyPlan({ addOffset: -30 }, 20), { newer: 30, skipOlder: 0, older: 0 });
});

test('getHistory answers messages.messages for a whole chat, a slice with the count otherwise, and honours hash', async () => {
  const f = await fixture();
  try {
    await tenMessages(f);
    const views = f.messenger.views;
    const all = await views.history(ALICE, userPeer(BOB), { ...Q, limit: 50 }, 0n);
    assert.equal(all._, 'messages.messages');
    assert.equal(((all as TlObject).messages as TlObject[]).length, 10);
    assert.deepEqual((all.users as TlObject[]).map((u) => u.id).sort(), [ALICE, BOB].sort());
    const page = await views.history(ALICE, userPeer(BOB), { ...Q, limit: 4 }, 0n);
    assert.equal(page._, 'messages.messagesSlice');
    assert.equal(page.count, 10);
    const hash = listHash([10, 9, 8, 7]);
    const same = await views.history(ALICE, userPeer(BOB), { ...Q, limit: 4 }, hash);
    assert.deepEqual(same, { _: 'messages.messagesNotModified', count: 10 });
  } finally {
    await f.close();
  }
});

test('listHash follows the documented algorithm', () => {
  assert.equal(listHash([]), 0n);
  assert.equal(listHash([1]), 1n);
  // h=1: h ^= h>>21 (1); h ^= h<<35; h ^= h>>4; h += 2
  let h = 1n;
  h ^= h >> 21n;
  h ^= (h << 35n) & ((1n << 64n) - 1n);
  h ^= h >> 4n;
  h += 2n;
  assert.equal(listHash([1, 2]), BigInt.asIntN(64, h));
});

test('getMessages returns messages by id in request order, messageEmpty for others, and replied messages', async () => {
  const f = await fixture();
  try {
    await tenMessages(f);
    const [r] = await f.messenger.store.send(conversationOf(ALICE, userPeer(BOB)), [{ randomId: rid(), message: 'reply', replyToId: 3 }]);
    const res = await f.messenger.views.messages(ALICE, [
      { _: 'inputMessageID', id: 5 },
      { _: 'inputMessageID', id: 99 },
      { _: 'inputMessageReplyTo', id: r!.id },
      { _: 'inputMessagePinned' },
    ]);
    const ms = (res as TlObject).messages as TlObject[];
    assert.deepEqual(ms.map((m) => [m._, m.id]), [['message', 5], ['messageEmpty', 99], ['message', 3], ['messageEmpty', 0]]);
    // Bob's box does not have Alice's ids: other ids, other messages.
    const bob = await f.messenger.views.messages(BOB, [{ _: 'inputMessageID', id: 12 }]);
    assert.equal(((bob as TlObject).messages as TlObject[])[0]!._, 'messageEmpty');
  } finally {
    await f.close();
  }
});
