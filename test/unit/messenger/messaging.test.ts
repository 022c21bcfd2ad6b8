import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { checkText, MAX_MESSAGE_LENGTH } from '../../../src/messenger/messaging.js';
import { userPeer } from '../../../src/messenger/peer.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, CAROL, fixture, rid } from './fixture.js';

const aliceSession = { authKeyId: 11n, sessionId: 22n };
const alice = { userId: ALICE, session: aliceSession };

function isRpc(message: string) {
  return (e: unknown) => e instanceof RpcError && e.errorMessage === message;
}

test('a send pushes updateShortMessage to the recipient and, with out: true, to the sender\'s other sessions', async () => {
  const f = await fixture();
  try {
    const [sent] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'hello', entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }] }]);
    await f.bus.drain();
    const toBob = f.pushed.filter((p) => p.userId === BOB);
    assert.equal(toBob.length, 1);
    assert.deepEqual(toBob[0]!.updates, {
      _: 'updateShortMessage',
      out: undefined,
      mentioned: undefined,
      mediaUnread: undefined,
      silent: undefined,
      id: sent!.recipients[0]!.row.id,
      userId: ALICE,
      message: 'hello',
      pts: 1,
      ptsCount: 1,
      date: sent!.date,
      replyTo: undefined,
      entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }],
    });
    assert.equal(toBob[0]!.except, undefined);
    const toAlice = f.pushed.filter((p) => p.userId === ALICE);
    assert.equal(toAlice.length, 1);
    assert.deepEqual(toAlice[0]!.except, aliceSession);
    assert.deepEqual(toAlice[0]!.updates, {
      _: 'updateShortMessage',
      out: true,
      mentioned: undefined,
      mediaUnread: undefined,
      silent: undefined,
      id: sent!.id,
      userId: BOB,
      message: 'hello',
      pts: sent!.pts,
      ptsCount: 1,
      date: sent!.date,
      replyTo: undefined,
      entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }],
    });
  } finally {
    await f.close();
  }
});

test('offline users get no push (they catch up by getDifference); a duplicate send pushes nothing', async () => {
  const f = await fixture();
  try {
    f.online.delete(BOB);
    f.online.delete(ALICE);
    const r = rid();
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: r, message: 'x' }]);
    await f.bus.drain();
    // Bob's short form needs no user lookup, so it is published; the session layer drops it for offline users.
    assert.deepEqual(f.pushed.map((p) => p.userId), [BOB]);
    f.pushed.length = 0;
    f.online.add(BOB);
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: r, message: 'x' }]);
    await f.bus.drain();
    assert.deepEqual(f.pushed, []);
  } finally {
    await f.close();
  }
});

test('forwarded messages reach the recipient in the full form with the author among the users', async () => {
  const f = await fixture();
  try {
    await f.messenger.messaging.send({ userId: CAROL }, userPeer(ALICE), [{ randomId: rid(), message: 'from carol' }]);
    await f.bus.drain();
    f.pushed.length = 0;
    const [sent] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'from carol', fwdFrom: { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: CAROL }, date: 1 } }]);
    await f.bus.drain();
    const toBob = f.pushed.find((p) => p.userId === BOB)!;
    assert.equal(toBob.updates._, 'updates');
    assert.deepEqual((toBob.updates.users as TlObject[]).map((u) => u.id).sort(), [ALICE, CAROL].sort());
    const answer = await f.messenger.messaging.sentUpdates(alice, [sent!]);
    const [mid, nm] = answer.updates as TlObject[];
    assert.deepEqual(mid, { _: 'updateMessageID', id: sent!.id, randomId: sent!.randomId });
    assert.deepEqual(((nm!.message as TlObject).fwdFrom as TlObject).fromId, { _: 'peerUser', userId: CAROL });
  } finally {
    await f.close();
  }
});

test('blocks stop a send either way', async () => {
  const f = await fixture();
  try {
    f.blocks.add(`${ALICE}>${BOB}`);
    await assert.rejects(f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'x' }]), isRpc('YOU_BLOCKED_USER'));
    await assert.rejects(f.messenger.messaging.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'x' }]), isRpc('USER_IS_BLOCKED'));
    // Saved Messages are never blocked.
    await f.messenger.messaging.send(alice, userPeer(ALICE), [{ randomId: rid(), message: 'x' }]);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 0);
  } finally {
    await f.close();
  }
});

test('text checks: empty, blank and too long messages; entities outside the text are dropped', () => {
  assert.throws(() => checkText('', undefined), isRpc('MESSAGE_EMPTY'));
  assert.throws(() => checkText(' \n\t', undefined), isRpc('MESSAGE_EMPTY'));
  assert.throws(() => checkText('x'.repeat(MAX_MESSAGE_LENGTH + 1), undefined), isRpc('MESSAGE_TOO_LONG'));
  assert.equal(checkText('x'.repeat(MAX_MESSAGE_LENGTH), undefined).message.length, MAX_MESSAGE_LENGTH);
  const { entities } = checkText('hello', [
    { _: 'messageEntityBold', offset: 0, length: 5 },
    { _: 'messageEntityItalic', offset: 3, length: 5 },
    { _: 'messageEntityCode', offset: -1, length: 2 },
    { _: 'messageEntityCode', offset: 1, length: 0 },
  ]);
  assert.deepEqual(entities, [{ _: 'messageEntityBold', offset: 0, length: 5 }]);
  assert.equal(checkText('hi', [{ _: 'messageEntityCode', offset: 5, length: 1 }]).entities, undefined);
});

test('edit, delete and read push to the other side with its own ids; the acting session is skipped', async () => {
  const f = await fixture();
  try {
    const m = f.messenger.messaging;
    await m.send({ userId: BOB }, userPeer(CAROL), [{ randomId: rid(), message: 'shift bob ids' }]);
    const [sent] = await m.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'v1' }]);
    const bobId = sent!.recipients[0]!.row.id;
    await f.bus.drain();
    f.pushed.length = 0;

    const answer = await m.edit(alice, userPeer(BOB), sent!.id, 'v2', undefined);
    assert.equal(((answer.updates as TlObject[])[0]!.message as TlObject).id, sent!.id);
    await f.bus.drain();
    const bobEdit = f.pushed.find((p) => p.userId === BOB)!;
    assert.equal(((bobEdit.updates.updates as TlObject[])[0]!.message as TlObject).id, bobId);
    assert.deepEqual(f.pushed.find((p) => p.userId === ALICE)!.except, aliceSession);
    await assert.rejects(m.edit(alice, userPeer(BOB), sent!.id, '  ', undefined), isRpc('MESSAGE_EMPTY'));
    f.pushed.length = 0;

    const read = await m.readHistory({ userId: BOB, session: { authKeyId: 5n, sessionId: 6n } }, userPeer(ALICE), bobId);
    assert.equal(read.ptsCount, 1);
    await f.bus.drain();
    const outbox = f.pushed.find((p) => p.userId === ALICE)!;
    assert.deepEqual((outbox.updates.updates as TlObject[])[0], { _: 'updateReadHistoryOutbox', peer: { _: 'peerUser', userId: BOB }, maxId: sent!.id, pts: 3, ptsCount: 1 });
    f.pushed.length = 0;

    await m.setTyping(alice, userPeer(BOB), { _: 'sendMessageTypingAction' });
    await m.setTyping(alice, userPeer(ALICE), { _: 'sendMessageTypingAction' });
    await f.bus.drain();
    assert.equal(f.pushed.length, 1);
    assert.deepEqual((f.pushed[0]!.updates.update as TlObject), { _: 'updateUserTyping', userId: ALICE, action: { _: 'sendMessageTypingAction' } });
    f.pushed.length = 0;

    const del = await m.delete(alice, [sent!.id], true);
    assert.equal(del.ptsCount, 1);
    await f.bus.drain();
    const bobDel = f.pushed.find((p) => p.userId === BOB)!;
    assert.deepEqual((bobDel.updates.updates as TlObject[])[0], { _: 'updateDeleteMessages', messages: [bobId], pts: (await f.messenger.reader.state(BOB)).pts, ptsCount: 1 });
  } finally {
    await f.close();
  }
});

test('getDialogs lists both sides with unread counts and top messages, newest first, in pages', async () => {
  const f = await fixture();
  try {
    const m = f.messenger.messaging;
    f.clock.now += 1000;
    await m.send({ userId: CAROL }, userPeer(ALICE), [{ randomId: rid(), message: 'carol 1' }]);
    f.clock.now += 1000;
    await m.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'bob 1' }, { randomId: rid(), message: 'bob 2' }]);
    f.clock.now += 1000;
    await m.send(alice, userPeer(ALICE), [{ randomId: rid(), message: 'note' }]);
    const views = f.messenger.views;
    const all = await views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false });
    assert.equal(all._, 'messages.dialogs');
    const dialogs = all.dialogs as TlObject[];
    assert.deepEqual(dialogs.map((d) => (d.peer as TlObject).userId), [ALICE, BOB, CAROL]);
    assert.deepEqual(dialogs.map((d) => d.unreadCount), [0, 2, 1]);
    assert.deepEqual(((all as TlObject).messages as TlObject[]).map((x) => x.message).sort(), ['bob 2', 'carol 1', 'note']);
    assert.deepEqual((all.users as TlObject[]).map((u) => u.id).sort(), [ALICE, BOB, CAROL].sort());

    const first = await views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 2, excludePinned: false });
    assert.equal(first._, 'messages.dialogsSlice');
    assert.equal(first.count, 3);
    const last = ((first as TlObject).dialogs as TlObject[])[1]!;
    const lastMsg = ((first as TlObject).messages as TlObject[]).find((x) => x.id === last.topMessage)!;
    const second = await views.dialogs(ALICE, { offsetDate: lastMsg.date as number, offsetId: last.topMessage as number, limit: 2, excludePinned: false });
    assert.deepEqual(((second as TlObject).dialogs as TlObject[]).map((d) => (d.peer as TlObject).userId), [CAROL]);

    const bobSide = await views.dialogs(BOB, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false });
    assert.deepEqual(((bobSide as TlObject).dialogs as TlObject[]).map((d) => [(d.peer as TlObject).userId, d.unreadCount, d.topMessage]), [[ALICE, 0, 2]]);

    const peerDialogs = await views.peerDialogs(BOB, [userPeer(ALICE), userPeer(CAROL)]);
    assert.deepEqual(((peerDialogs as TlObject).dialogs as TlObject[]).map((d) => d.topMessage), [2, 0]);
    assert.equal((peerDialogs.state as TlObject).pts, 2);
  } finally {
    await f.close();
  }
});
