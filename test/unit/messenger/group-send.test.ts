// Sends of one event-loop turn share a transaction (MessageStore.send over GroupCommit): each keeps its
// own semantics (per-owner ids and pts in arrival order, random_id de-duplication, its own refusal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { conversationOf } from '../../../src/messenger/messaging.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { ALICE, BOB, CAROL, fixture, rid, type Fixture } from './fixture.js';

const toBob = conversationOf(ALICE, userPeer(BOB));
const bobToAlice = conversationOf(BOB, userPeer(ALICE));
const carolToBob = conversationOf(CAROL, userPeer(BOB));

/** Counts the transactions the store opens. */
function countTransactions(f: Fixture): { count: number } {
  const counter = { count: 0 };
  const db = f.db.kysely;
  const original = db.transaction.bind(db);
  db.transaction = () => {
    counter.count++;
    return original();
  };
  return counter;
}

test('concurrent sends share one transaction and get ids and pts in arrival order', async () => {
  const f = await fixture();
  try {
    const tx = countTransactions(f);
    const store = f.messenger.store;
    const [a1, b1, c1, a2] = await Promise.all([
      store.send(toBob, [{ randomId: rid(), message: 'a1' }]),
      store.send(bobToAlice, [{ randomId: rid(), message: 'b1' }]),
      store.send(carolToBob, [{ randomId: rid(), message: 'c1' }]),
      store.send(toBob, [{ randomId: rid(), message: 'a2' }]),
    ]);
    assert.equal(tx.count, 1);
    // Alice: a1 (1), b1 arrives (2), a2 (3). Bob: a1 (1), b1 (2), c1 (3), a2 (4).
    assert.deepEqual([a1![0]!.id, a1![0]!.pts, a2![0]!.id, a2![0]!.pts], [1, 1, 3, 3]);
    assert.deepEqual([b1![0]!.id, b1![0]!.pts], [2, 2]);
    assert.deepEqual(
      [a1![0]!.recipients[0]!.row.id, b1![0]!.recipients[0]!.row.id, c1![0]!.recipients[0]!.row.id, a2![0]!.recipients[0]!.row.id],
      [1, 2, 3, 4],
    );
    // Global ids follow arrival order too (read receipts rely on it).
    const globals = [a1, b1, c1, a2].map((s) => s![0]!.own!.row.globalId);
    assert.deepEqual(globals, [...globals].sort((x, y) => (x < y ? -1 : 1)));
    // Everything acknowledged is stored.
    const reader = f.messenger.reader;
    assert.equal((await reader.state(BOB)).pts, 4);
    assert.equal((await reader.state(ALICE)).pts, 3);
    const bobsBox = await reader.byIds(BOB, [1, 2, 3, 4]);
    assert.deepEqual([1, 2, 3, 4].map((id) => bobsBox.get(id)?.message), ['a1', 'b1', 'c1', 'a2']);
    const dialog = [...(await reader.dialogsWith(BOB, [userPeer(ALICE)])).values()][0]!;
    assert.equal(dialog.topMessage, 4);
    assert.equal(dialog.unreadCount, 2);
  } finally {
    await f.close();
  }
});

test('a random_id repeated within one batch stores one message; the repeat gets the first answer', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const r = rid();
    const [first, again] = await Promise.all([store.send(toBob, [{ randomId: r, message: 'once' }]), store.send(toBob, [{ randomId: r, message: 'once' }])]);
    assert.equal(first![0]!.duplicate, false);
    assert.equal(again![0]!.duplicate, true);
    assert.deepEqual([again![0]!.id, again![0]!.pts, again![0]!.date], [first![0]!.id, first![0]!.pts, first![0]!.date]);
    assert.deepEqual(again![0]!.recipients, []);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 1);
    // Later, from the database: still the same answer.
    const [later] = await store.send(toBob, [{ randomId: r, message: 'once' }]);
    assert.equal(later!.duplicate, true);
    assert.equal(later!.id, first![0]!.id);
  } finally {
    await f.close();
  }
});

test('a send refused within a batch fails alone and leaves no trace; the others are stored', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const results = await Promise.allSettled([
      store.send(toBob, [{ randomId: rid(), message: 'fine' }]),
      store.send(toBob, [{ randomId: rid(), message: 'bad reply', replyToId: 999 }]),
      store.send(carolToBob, [{ randomId: rid(), message: 'also fine' }]),
    ]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[2]!.status, 'fulfilled');
    assert.equal(results[1]!.status, 'rejected');
    const err = (results[1] as PromiseRejectedResult).reason;
    assert.ok(err instanceof RpcError && err.errorMessage === 'REPLY_MESSAGE_ID_INVALID');
    const bob = await f.messenger.reader.state(BOB);
    assert.deepEqual([bob.pts, bob.lastMessageId], [2, 2]);
    assert.equal((await f.messenger.reader.state(ALICE)).pts, 1);
  } finally {
    await f.close();
  }
});
