import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { messageTl } from '../../../src/messenger/message-row.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { MAX_MESSAGE_LENGTH } from '../../../src/messenger/messaging.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, CAROL, rid } from './fixture.js';
import { alice, aliceSession, extrasFixture } from './extras-fixture.js';
import { expectTl } from '../../support/tl.js';

const isRpc = (m: string) => (e: unknown) => e instanceof RpcError && e.errorMessage === m;
const updatesOf = (p: { updates: TlObject }) => (p.updates.updates as TlObject[] | undefined) ?? [];

test('pinning in a private chat: both copies, updatePinnedMessages to each side, a service message, pinned_msg_id', async () => {
  const f = await extrasFixture();
  try {
    await f.messenger.messaging.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'shift' }]);
    const [sent] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'pin me' }]);
    const aliceId = sent!.id;
    const bobId = sent!.recipients[0]!.row.id;
    await f.bus.drain();
    f.pushed.length = 0;

    const answer = await f.x.pins.pin(alice, userPeer(BOB), aliceId, {});
    await f.bus.drain();
    const [pinUpd, service] = answer.updates as TlObject[];
    assert.equal(pinUpd!._, 'updatePinnedMessages');
    assert.equal(pinUpd!.pinned, true);
    assert.deepEqual(pinUpd!.messages, [aliceId]);
    assert.equal(service!._, 'updateNewMessage');
    const sm = service!.message as TlObject;
    assert.equal(sm._, 'messageService');
    assert.deepEqual(sm.action, { _: 'messageActionPinMessage' });
    assert.deepEqual(sm.replyTo, { _: 'messageReplyHeader', replyToMsgId: aliceId });

    const toBob = f.pushed.filter((p) => p.userId === BOB).flatMap(updatesOf);
    const bobPin = toBob.find((u) => u._ === 'updatePinnedMessages')!;
    assert.deepEqual(bobPin.messages, [bobId]);
    assert.deepEqual(bobPin.peer, { _: 'peerUser', userId: ALICE });
    const bobService = toBob.find((u) => u._ === 'updateNewMessage')!.message as TlObject;
    assert.deepEqual(bobService.replyTo, { _: 'messageReplyHeader', replyToMsgId: bobId });
    assert.ok(f.pushed.filter((p) => p.userId === ALICE).every((p) => p.except === aliceSession));

    assert.equal(expectTl(messageTl((await f.messenger.reader.byIds(BOB, [bobId])).get(bobId)!), 'message').pinned, true);
    assert.equal(await f.x.pins.pinnedMsgId(ALICE, userPeer(BOB)), aliceId);
    assert.equal(await f.x.pins.pinnedMsgId(BOB, userPeer(ALICE)), bobId);
    // Pinning again changes nothing and posts nothing.
    const again = await f.x.pins.pin(alice, userPeer(BOB), aliceId, {});
    assert.deepEqual(again.updates, []);

    // Unpin for both.
    const un = await f.x.pins.pin(alice, userPeer(BOB), aliceId, { unpin: true });
    assert.equal((un.updates as TlObject[])[0]!.pinned, undefined);
    assert.equal(await f.x.pins.pinnedMsgId(BOB, userPeer(ALICE)), undefined);
    // A service message cannot be pinned, nor a message of another chat, nor an unknown id.
    await assert.rejects(f.x.pins.pin(alice, userPeer(BOB), sm.id as number, {}), isRpc('MESSAGE_ID_INVALID'));
    await assert.rejects(f.x.pins.pin(alice, userPeer(CAROL), aliceId, {}), isRpc('MESSAGE_ID_INVALID'));
    await assert.rejects(f.x.pins.pin(alice, userPeer(BOB), 999, {}), isRpc('MESSAGE_ID_INVALID'));
  } finally {
    await f.close();
  }
});

test('pm_oneside pins only for the caller, without a service message; unpinAll clears every pin of the chat', async () => {
  const f = await extrasFixture();
  try {
    const sent = await f.messenger.messaging.send(alice, userPeer(BOB), [
      { randomId: rid(), message: 'one' },
      { randomId: rid(), message: 'two' },
    ]);
    const before = await f.messenger.reader.state(BOB);
    const res = await f.x.pins.pin(alice, userPeer(BOB), sent[0]!.id, { pmOneside: true });
    assert.equal((res.updates as TlObject[]).length, 1);
    assert.equal(await f.x.pins.pinnedMsgId(BOB, userPeer(ALICE)), undefined);
    assert.equal((await f.messenger.reader.state(BOB)).pts, before.pts);
    await f.x.pins.pin(alice, userPeer(BOB), sent[1]!.id, { silent: true });
    assert.equal(await f.x.pins.pinnedMsgId(ALICE, userPeer(BOB)), sent[1]!.id);

    const state = await f.messenger.reader.state(ALICE);
    const all = await f.x.pins.unpinAll(alice, userPeer(BOB));
    assert.deepEqual(all, { pts: state.pts + 1, ptsCount: 1, offset: 0 });
    assert.equal(await f.x.pins.pinnedMsgId(ALICE, userPeer(BOB)), undefined);
    assert.equal(await f.x.pins.pinnedMsgId(BOB, userPeer(ALICE)), undefined);
    const none = await f.x.pins.unpinAll(alice, userPeer(BOB));
    assert.deepEqual(none, { pts: state.pts + 1, ptsCount: 0, offset: 0 });
    // The pin updates are in the log for devices that were offline.
    const diff = await f.messenger.reader.difference(BOB, before.pts, { limit: 100, tooLong: 1000 });
    assert.ok(diff.kind === 'full' && diff.updates.some((u) => u._ === 'updatePinnedMessages' && !u.pinned));
  } finally {
    await f.close();
  }
});

test('drafts: saved per dialog, shown in dialogs, synced to other sessions, cleared by empty text, clear_draft and clearAll', async () => {
  const f = await extrasFixture();
  try {
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'hi' }]);
    await f.bus.drain();
    f.pushed.length = 0;
    await f.x.drafts.save(alice, userPeer(BOB), { message: 'draft text', entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }, { _: 'messageEntityBold', offset: 8, length: 99 }], noWebpage: true, replyTo: { _: 'inputReplyToMessage', replyToMsgId: 1 } });
    await f.bus.drain();
    const [push] = f.pushed;
    assert.equal(push!.userId, ALICE);
    assert.deepEqual(push!.except, aliceSession);
    const upd = updatesOf(push!)[0]!;
    assert.equal(upd._, 'updateDraftMessage');
    assert.deepEqual(upd.peer, { _: 'peerUser', userId: BOB });
    const draft = upd.draft as TlObject;
    assert.equal(draft.message, 'draft text');
    assert.equal(draft.noWebpage, true);
    assert.deepEqual(draft.entities, [{ _: 'messageEntityBold', offset: 0, length: 5 }], 'entities past the text are dropped');
    assert.equal((draft.replyTo as TlObject).replyToMsgId, 1);

    const dialogs = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false });
    assert.equal((((dialogs as TlObject).dialogs as TlObject[])[0]!.draft as TlObject).message, 'draft text');
    assert.equal(((await f.x.drafts.allAsUpdates(ALICE)).updates as TlObject[]).length, 1);

    // clear_draft on a send removes it and tells the other sessions.
    f.pushed.length = 0;
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'sent' }], { clearDraft: true });
    await f.bus.drain();
    assert.ok(f.pushed.some((p) => updatesOf(p).some((u) => u._ === 'updateDraftMessage' && (u.draft as TlObject)._ === 'draftMessageEmpty')));
    assert.deepEqual(await f.x.drafts.all(ALICE), []);

    // An empty text clears; whitespace counts as empty; too long is refused.
    await f.x.drafts.save(alice, userPeer(CAROL), { message: 'for carol' });
    await f.x.drafts.save(alice, userPeer(CAROL), { message: '   ' });
    assert.deepEqual(await f.x.drafts.all(ALICE), []);
    await assert.rejects(f.x.drafts.save(alice, userPeer(CAROL), { message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }), isRpc('MESSAGE_TOO_LONG'));

    await f.x.drafts.save(alice, userPeer(CAROL), { message: 'a' });
    await f.x.drafts.save(alice, userPeer(BOB), { message: 'b' });
    await f.x.drafts.save(alice, userPeer(BOB), { message: 'b2' });
    assert.deepEqual((await f.x.drafts.all(ALICE)).map((d) => expectTl(d.draft, 'draftMessage').message).sort(), ['a', 'b2']);
    f.pushed.length = 0;
    await f.x.drafts.clearAll(alice);
    await f.bus.drain();
    assert.deepEqual(await f.x.drafts.all(ALICE), []);
    assert.equal(updatesOf(f.pushed[0]!).length, 2);
  } finally {
    await f.close();
  }
});
