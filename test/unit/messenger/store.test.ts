import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { conversationOf } from '../../../src/messenger/messaging.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { messageTl } from '../../../src/messenger/message-row.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, CAROL, fixture, rid } from './fixture.js';
import type { PreparedBySize } from '../../../src/infra/db/prepared.js';
import type { SqliteDatabase } from '../../../src/infra/db/index.js';

const toBob = conversationOf(ALICE, userPeer(BOB));
const toAlice = conversationOf(BOB, userPeer(ALICE));

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RpcError && e.errorMessage === message);
}

test('a private message is stored once per box, each with the owner\'s id, pts and view', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    // Bob has an earlier conversation so his ids differ from Alice's.
    await store.send(conversationOf(BOB, userPeer(CAROL)), [{ randomId: rid(), message: 'hi carol' }]);
    const [sent] = await store.send(toBob, [{ randomId: rid(), message: 'hello bob' }]);
    assert.equal(sent!.duplicate, false);
    assert.equal(sent!.id, 1);
    assert.equal(sent!.pts, 1);
    assert.equal(sent!.own!.row.out, true);
    assert.deepEqual(sent!.own!.row.peer, userPeer(BOB));
    const [copy] = sent!.recipients;
    assert.equal(copy!.owner, BOB);
    assert.equal(copy!.row.id, 2);
    assert.equal(copy!.pts, 2);
    assert.equal(copy!.row.out, false);
    assert.deepEqual(copy!.row.peer, userPeer(ALICE));
    assert.equal(copy!.row.globalId, sent!.own!.row.globalId);

    const bobView = messageTl(copy!.row);
    assert.equal(bobView.out, undefined);
    assert.deepEqual(bobView.peerId, { _: 'peerUser', userId: ALICE });
    assert.deepEqual(bobView.fromId, { _: 'peerUser', userId: ALICE });

    const reader = f.messenger.reader;
    assert.deepEqual((await reader.state(ALICE)).pts, 1);
    assert.deepEqual((await reader.state(BOB)).pts, 2);
    const bobDialogs = await reader.dialogsWith(BOB, [userPeer(ALICE)]);
    const d = [...bobDialogs.values()][0]!;
    assert.equal(d.topMessage, 2);
    assert.equal(d.unreadCount, 1);
    const aliceDialog = [...(await reader.dialogsWith(ALICE, [userPeer(BOB)])).values()][0]!;
    assert.equal(aliceDialog.unreadCount, 0);
    assert.equal(await reader.unreadTotal(BOB), 1);
  } finally {
    await f.close();
  }
});

test('dialogs and update states written by batches: new and existing rows, unread counts add up across transactions', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const reader = f.messenger.reader;
    const toBobFromCarol = conversationOf(CAROL, userPeer(BOB));
    // One turn, one transaction: two new dialogs of Bob's and three states that did not exist.
    const [[a1], [c1]] = await Promise.all([store.send(toBob, [{ randomId: rid(), message: 'a1' }]), store.send(toBobFromCarol, [{ randomId: rid(), message: 'c1' }])]);
    // The next transaction changes rows that exist now: Bob's dialog with Alice twice, Alice's dialog with Bob
    // as sender and as recipient in the same batch.
    const [[a2], [a3], [b1]] = await Promise.all([
      store.send(toBob, [{ randomId: rid(), message: 'a2' }]),
      store.send(toBob, [{ randomId: rid(), message: 'a3' }]),
      store.send(toAlice, [{ randomId: rid(), message: 'b1' }]),
    ]);
    const bobWithAlice = [...(await reader.dialogsWith(BOB, [userPeer(ALICE)])).values()][0]!;
    assert.equal(bobWithAlice.unreadCount, 3);
    assert.equal(bobWithAlice.topMessage, b1!.id);
    const bobWithCarol = [...(await reader.dialogsWith(BOB, [userPeer(CAROL)])).values()][0]!;
    assert.equal(bobWithCarol.unreadCount, 1);
    assert.equal(bobWithCarol.topMessage, c1!.recipients[0]!.row.id);
    const aliceWithBob = [...(await reader.dialogsWith(ALICE, [userPeer(BOB)])).values()][0]!;
    assert.equal(aliceWithBob.unreadCount, 1);
    assert.equal(aliceWithBob.topMessage, b1!.recipients[0]!.row.id);
    assert.equal(await reader.unreadTotal(BOB), 4);
    // pts and message ids went on from the stored states, one per copy.
    assert.deepEqual([a1!.pts, a2!.pts, a3!.pts, b1!.recipients[0]!.pts], [1, 2, 3, 4]);
    assert.equal((await reader.state(ALICE)).pts, 4);
    assert.equal((await reader.state(BOB)).pts, 5);
    assert.equal((await reader.state(CAROL)).pts, 1);
    assert.deepEqual([a3!.recipients[0]!.row.id, b1!.id], [4, 5]);
  } finally {
    await f.close();
  }
});

test('the same random_id returns the first answer and stores nothing', async () => {
  const f = await fixture();
  try {
    const r = rid();
    const [first] = await f.messenger.store.send(toBob, [{ randomId: r, message: 'once' }]);
    f.clock.now += 5000;
    const [again] = await f.messenger.store.send(toBob, [{ randomId: r, message: 'once' }]);
    assert.equal(again!.duplicate, true);
    assert.equal(again!.id, first!.id);
    assert.equal(again!.pts, first!.pts);
    assert.equal(again!.date, first!.date);
    assert.equal(again!.recipients.length, 0);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 1);
    const { rows } = await f.messenger.reader.history(BOB, userPeer(ALICE), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0 });
    assert.equal(rows.length, 1);
    // Another sender may use the same random_id.
    const [other] = await f.messenger.store.send(toAlice, [{ randomId: r, message: 'mine' }]);
    assert.equal(other!.duplicate, false);
  } finally {
    await f.close();
  }
});

test('random ids already used are found for every send of a batch, and only for their own sender', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const r1 = rid();
    const r2 = -rid(); // a negative one: random ids are signed 64-bit
    const [[first], [second]] = await Promise.all([store.send(toBob, [{ randomId: r1, message: 'one' }]), store.send(toBob, [{ randomId: r2, message: 'two' }])]);
    // One batch of three sends (three pairs, padded to four): Alice repeats both of hers, Bob uses r1 for the first time.
    const [[again1], [again2], [bobs]] = await Promise.all([
      store.send(toBob, [{ randomId: r1, message: 'one' }]),
      store.send(toBob, [{ randomId: r2, message: 'two' }]),
      store.send(toAlice, [{ randomId: r1, message: 'bob' }]),
    ]);
    assert.deepEqual([again1!.duplicate, again1!.id, again1!.pts], [true, first!.id, first!.pts]);
    assert.deepEqual([again2!.duplicate, again2!.id, again2!.pts], [true, second!.id, second!.pts]);
    assert.equal(again1!.own!.row.message, 'one');
    assert.equal(bobs!.duplicate, false);
    assert.equal((await f.messenger.reader.state(ALICE)).pts, 3);
    // The batch's statement searches the primary key once per pair instead of scanning the table.
    const statement = (store as unknown as { earlierRandomIdPairs: PreparedBySize<unknown> }).earlierRandomIdPairs.get(4).bind([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    const plan = (f.db as SqliteDatabase).sqlite.prepare(`explain query plan ${statement.sql}`).all(...(statement.parameters as bigint[])) as { detail: string }[];
    assert.ok(plan.every((p) => !p.detail.startsWith('SCAN')), JSON.stringify(plan.map((p) => p.detail)));
    assert.equal(plan.filter((p) => /^SEARCH message_random_ids USING .*\(owner_id=\? AND random_id=\?\)/.test(p.detail)).length, 4, JSON.stringify(plan.map((p) => p.detail)));
  } finally {
    await f.close();
  }
});

test('Saved Messages keep one outgoing copy', async () => {
  const f = await fixture();
  try {
    const [sent] = await f.messenger.store.send(conversationOf(ALICE, userPeer(ALICE)), [{ randomId: rid(), message: 'note' }]);
    assert.equal(sent!.recipients.length, 0);
    assert.equal(sent!.own!.row.out, true);
    assert.equal((await f.messenger.reader.state(ALICE)).pts, 1);
    const d = [...(await f.messenger.reader.dialogsWith(ALICE, [userPeer(ALICE)])).values()][0]!;
    assert.equal(d.unreadCount, 0);
  } finally {
    await f.close();
  }
});

test('a reply points at each owner\'s own id of the replied message', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    await store.send(conversationOf(BOB, userPeer(CAROL)), [{ randomId: rid(), message: 'x' }]);
    const [q] = await store.send(toAlice, [{ randomId: rid(), message: 'question' }]);
    const bobsId = q!.id;
    const alicesId = q!.recipients[0]!.row.id;
    assert.notEqual(bobsId, alicesId);
    const [a] = await store.send(toBob, [{ randomId: rid(), message: 'answer', replyToId: alicesId }]);
    assert.equal(a!.own!.row.replyToId, alicesId);
    assert.equal(a!.recipients[0]!.row.replyToId, bobsId);
    await rejects(store.send(toBob, [{ randomId: rid(), message: 'bad', replyToId: 999 }]), 'REPLY_MESSAGE_ID_INVALID');
  } finally {
    await f.close();
  }
});

test('an edit reaches every copy with its own id; errors for others\' messages and no change', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    await store.send(conversationOf(BOB, userPeer(CAROL)), [{ randomId: rid(), message: 'x' }]);
    const [sent] = await store.send(toBob, [{ randomId: rid(), message: 'draft' }]);
    f.clock.now += 10_000;
    const copies = await store.edit(ALICE, userPeer(BOB), sent!.id, 'final', [{ _: 'messageEntityBold', offset: 0, length: 5 }]);
    assert.equal(copies.length, 2);
    assert.equal(copies[0]!.owner, ALICE);
    const bobs = copies.find((c) => c.owner === BOB)!;
    assert.equal(bobs.update._, 'updateEditMessage');
    const m = bobs.update.message as TlObject;
    assert.equal(m.id, sent!.recipients[0]!.row.id);
    assert.equal(m.message, 'final');
    assert.equal(m.editDate, Math.floor(f.clock.now / 1000));
    assert.deepEqual(m.entities, [{ _: 'messageEntityBold', offset: 0, length: 5 }]);
    assert.equal(bobs.pts, 3);

    await rejects(store.edit(ALICE, userPeer(BOB), sent!.id, 'final', [{ _: 'messageEntityBold', offset: 0, length: 5 }]), 'MESSAGE_NOT_MODIFIED');
    await rejects(store.edit(BOB, userPeer(ALICE), sent!.recipients[0]!.row.id, 'hacked', undefined), 'MESSAGE_AUTHOR_REQUIRED');
    await rejects(store.edit(ALICE, userPeer(BOB), 999, 'x', undefined), 'MESSAGE_ID_INVALID');
    await rejects(store.edit(ALICE, userPeer(CAROL), sent!.id, 'x', undefined), 'MESSAGE_ID_INVALID');
    f.clock.now += 3 * 86400_000;
    await rejects(store.edit(ALICE, userPeer(BOB), sent!.id, 'late', undefined), 'MESSAGE_EDIT_TIME_EXPIRED');
  } finally {
    await f.close();
  }
});

test('delete for me keeps the other copy; revoke removes both and fixes dialogs', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const reader = f.messenger.reader;
    const sent = await store.send(toBob, [
      { randomId: rid(), message: 'one' },
      { randomId: rid(), message: 'two' },
      { randomId: rid(), message: 'three' },
    ]);
    const [mine] = await store.delete(ALICE, [sent[0]!.id], false);
    assert.deepEqual(mine!.ids, [sent[0]!.id]);
    assert.equal(mine!.pts, 4);
    assert.equal(mine!.ptsCount, 1);
    assert.equal((await reader.state(BOB)).pts, 3);

    const parts = await store.delete(ALICE, [sent[1]!.id, sent[2]!.id, 12345], true);
    assert.equal(parts[0]!.owner, ALICE);
    assert.deepEqual(parts[0]!.ids, [sent[1]!.id, sent[2]!.id]);
    assert.equal(parts[0]!.ptsCount, 2);
    const bobs = parts.find((p) => p.owner === BOB)!;
    assert.deepEqual(bobs.ids, [sent[1]!.recipients[0]!.row.id, sent[2]!.recipients[0]!.row.id]);
    assert.deepEqual(bobs.update, { _: 'updateDeleteMessages', messages: bobs.ids, pts: 5, ptsCount: 2 });

    const hist = await reader.history(BOB, userPeer(ALICE), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0 });
    assert.deepEqual(hist.rows.map((r) => r.message), ['one']);
    const d = [...(await reader.dialogsWith(BOB, [userPeer(ALICE)])).values()][0]!;
    assert.equal(d.topMessage, sent[0]!.recipients[0]!.row.id);
    assert.equal(d.unreadCount, 1);
    // Alice's box is empty: the dialog is gone.
    assert.equal((await reader.dialogsWith(ALICE, [userPeer(BOB)])).size, 0);
    // Content nobody holds any more is gone; content Bob still holds stays.
    const contents = await f.db.kysely.selectFrom('messages').select('message').execute();
    assert.deepEqual(contents.map((c) => c.message), ['one']);

    const [none] = await store.delete(ALICE, [777], true);
    assert.equal(none!.ptsCount, 0);
    assert.equal(none!.pts, 6);
  } finally {
    await f.close();
  }
});

test('reading marks the reader\'s inbox and the author\'s outbox, each with their own ids', async () => {
  const f = await fixture();
  try {
    const store = f.messenger.store;
    const reader = f.messenger.reader;
    await store.send(conversationOf(BOB, userPeer(CAROL)), [{ randomId: rid(), message: 'x' }]);
    const sent = await store.send(toBob, [
      { randomId: rid(), message: 'a' },
      { randomId: rid(), message: 'b' },
      { randomId: rid(), message: 'c' },
    ]);
    const bobIds = sent.map((s) => s.recipients[0]!.row.id);
    const peerOf = () => userPeer(BOB);
    const res = await store.readHistory(BOB, userPeer(ALICE), bobIds[1]!, peerOf);
    assert.equal(res.ptsCount, 1);
    assert.deepEqual(res.update, { _: 'updateReadHistoryInbox', folderId: undefined, peer: { _: 'peerUser', userId: ALICE }, maxId: bobIds[1], stillUnreadCount: 1, pts: res.pts, ptsCount: 1 });
    assert.equal(res.outbox.length, 1);
    assert.equal(res.outbox[0]!.owner, ALICE);
    assert.equal(res.outbox[0]!.maxId, sent[1]!.id);
    assert.deepEqual(res.outbox[0]!.update, { _: 'updateReadHistoryOutbox', peer: { _: 'peerUser', userId: BOB }, maxId: sent[1]!.id, pts: 4, ptsCount: 1 });
    const aliceDialog = [...(await reader.dialogsWith(ALICE, [userPeer(BOB)])).values()][0]!;
    assert.equal(aliceDialog.readOutboxMaxId, sent[1]!.id);
    assert.equal(await reader.unreadTotal(BOB), 1);
    // Reading the same range again changes nothing.
    const again = await store.readHistory(BOB, userPeer(ALICE), bobIds[1]!, peerOf);
    assert.equal(again.ptsCount, 0);
    assert.equal(again.outbox.length, 0);
    // max_id 0 reads everything.
    const all = await store.readHistory(BOB, userPeer(ALICE), 0, peerOf);
    assert.equal(all.ptsCount, 1);
    assert.equal(all.outbox[0]!.maxId, sent[2]!.id);
    const bobDialog = [...(await reader.dialogsWith(BOB, [userPeer(ALICE)])).values()][0]!;
    assert.equal(bobDialog.unreadCount, 0);
    assert.equal(bobDialog.readInboxMaxId, bobIds[2]);
    // A chat without a dialog: nothing to read.
    const none = await store.readHistory(BOB, userPeer(999n), 0, peerOf);
    assert.equal(none.ptsCount, 0);
  } finally {
    await f.close();
  }
});
