import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversationOf } from '../../../src/messenger/messaging.js';
import { userPeer } from '../../../src/messenger/peer.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, fixture, rid } from './fixture.js';

test('getDifference replays the log in slices, then the rest, then nothing', async () => {
  const f = await fixture({ differenceSlice: 3 });
  try {
    const store = f.messenger.store;
    const sent = await store.send(conversationOf(ALICE, userPeer(BOB)), [1, 2, 3, 4, 5].map((i) => ({ randomId: rid(), message: `m${i}` })));
    await store.edit(ALICE, userPeer(BOB), sent[0]!.id, 'edited', undefined);
    await store.delete(ALICE, [sent[1]!.id], true);
    // Bob: 5 new messages, 1 edit, 1 delete = pts 7.
    const views = f.messenger.views;
    const d1 = await views.difference(BOB, 0);
    assert.equal(d1._, 'updates.differenceSlice');
    assert.deepEqual((d1.newMessages as TlObject[]).map((m) => m.message), ['m1', 'm2', 'm3']);
    assert.equal((d1.intermediateState as TlObject).pts, 3);
    assert.deepEqual((d1.users as TlObject[]).map((u) => u.id), [ALICE]);
    const d2 = await views.difference(BOB, 3);
    assert.equal(d2._, 'updates.differenceSlice');
    assert.deepEqual((d2.newMessages as TlObject[]).map((m) => m.message), ['m4', 'm5']);
    assert.deepEqual((d2.otherUpdates as TlObject[]).map((u) => u._), ['updateEditMessage']);
    assert.equal((d2.intermediateState as TlObject).pts, 6);
    const d3 = await views.difference(BOB, 6);
    assert.equal(d3._, 'updates.difference');
    assert.deepEqual(d3.newMessages, []);
    assert.deepEqual(d3.otherUpdates, [{ _: 'updateDeleteMessages', messages: [sent[1]!.recipients[0]!.row.id], pts: 7, ptsCount: 1 }]);
    const state = d3.state as TlObject;
    assert.equal(state.pts, 7);
    assert.equal(state.unreadCount, 4);
    const d4 = await views.difference(BOB, 7);
    assert.deepEqual(d4, { _: 'updates.differenceEmpty', date: Math.floor(f.clock.now / 1000), seq: 0 });
    // updates.getState agrees.
    const s = await views.state(BOB);
    assert.equal(s.pts, 7);
    assert.equal(s.unreadCount, 4);
    assert.equal(s.qts, 0);
  } finally {
    await f.close();
  }
});

test('getDifference answers differenceTooLong far behind, ahead of the server, or past pts_total_limit', async () => {
  const f = await fixture({ differenceTooLong: 4 });
  try {
    await f.messenger.store.send(conversationOf(ALICE, userPeer(BOB)), [1, 2, 3, 4, 5, 6].map((i) => ({ randomId: rid(), message: `m${i}` })));
    const views = f.messenger.views;
    assert.deepEqual(await views.difference(BOB, 0), { _: 'updates.differenceTooLong', pts: 6 });
    assert.deepEqual(await views.difference(BOB, 50), { _: 'updates.differenceTooLong', pts: 6 });
    assert.equal((await views.difference(BOB, 2))._, 'updates.difference');
    assert.deepEqual(await views.difference(BOB, 2, 3), { _: 'updates.differenceTooLong', pts: 6 });
    // A user with no events at all.
    assert.equal((await views.difference(12345n, 0))._, 'updates.differenceEmpty');
    assert.equal((await views.state(12345n)).pts, 0);
  } finally {
    await f.close();
  }
});

test('a difference slice never splits an event spanning several pts', async () => {
  const f = await fixture({ differenceSlice: 2 });
  try {
    const store = f.messenger.store;
    const sent = await store.send(conversationOf(ALICE, userPeer(BOB)), [1, 2, 3].map((i) => ({ randomId: rid(), message: `m${i}` })));
    await store.delete(ALICE, sent.map((s) => s.id), false);
    const d = await f.messenger.views.difference(ALICE, 2);
    assert.equal(d._, 'updates.difference');
    assert.deepEqual(d.otherUpdates, [{ _: 'updateDeleteMessages', messages: [1, 2, 3], pts: 6, ptsCount: 3 }]);
  } finally {
    await f.close();
  }
});
