import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { SCOPE_PEER, SCOPE_USERS } from '../../../src/messenger/notify-settings.js';
import { READ_DATE_EXPIRE_PERIOD } from '../../../src/messenger/read-dates.js';
import { loginCodeText } from '../../../src/messenger/extras.js';
import type { TlObject } from '../../../src/tl/index.js';
import { ALICE, BOB, CAROL, rid } from './fixture.js';
import { alice, aliceSession, extrasFixture } from './extras-fixture.js';

const isRpc = (m: string) => (e: unknown) => e instanceof RpcError && e.errorMessage === m;
const updatesOf = (p: { updates: TlObject }) => (p.updates.updates as TlObject[] | undefined) ?? [];
const peersOf = (list: TlObject[]) => list.map((d) => ((d.peer as TlObject).peer as TlObject | undefined)?.userId ?? (d.peer as TlObject).userId);

test('pinned dialogs: newest pin on top, the limit of 5, reorder with and without force, updates to other sessions', async () => {
  const f = await extrasFixture();
  try {
    const peers = [2001n, 2002n, 2003n, 2004n, 2005n, 2006n];
    for (const p of peers) await f.messenger.messaging.send(alice, userPeer(p), [{ randomId: rid(), message: 'hi' }]);
    for (const p of peers.slice(0, 5)) await f.x.dialogs.togglePin(alice, userPeer(p), true);
    assert.deepEqual((await f.x.dialogs.pinnedPeers(ALICE, 0)).map((p) => p.id), [2005n, 2004n, 2003n, 2002n, 2001n]);
    await assert.rejects(f.x.dialogs.togglePin(alice, userPeer(2006n), true), isRpc('PINNED_DIALOGS_TOO_MUCH'));
    await assert.rejects(f.x.dialogs.togglePin(alice, userPeer(9999n), true), isRpc('PEER_ID_INVALID'));
    // Pinning a pinned dialog is a no-op, not a limit error.
    await f.x.dialogs.togglePin(alice, userPeer(2001n), true);

    await f.bus.drain();
    f.pushed.length = 0;
    await f.x.dialogs.reorderPinned(alice, 0, [userPeer(2001n), userPeer(2003n), userPeer(2006n)], false);
    assert.deepEqual((await f.x.dialogs.pinnedPeers(ALICE, 0)).map((p) => p.id), [2001n, 2003n, 2005n, 2004n, 2002n]);
    await f.bus.drain();
    const upd = updatesOf(f.pushed[0]!)[0]!;
    assert.equal(upd._, 'updatePinnedDialogs');
    assert.deepEqual(peersOf(upd.order as TlObject[]), [2001n, 2003n, 2005n, 2004n, 2002n]);
    assert.deepEqual(f.pushed[0]!.except, aliceSession);

    await f.x.dialogs.reorderPinned(alice, 0, [userPeer(2004n), userPeer(2002n)], true);
    assert.deepEqual((await f.x.dialogs.pinnedPeers(ALICE, 0)).map((p) => p.id), [2004n, 2002n]);
    await f.x.dialogs.togglePin(alice, userPeer(2004n), false);
    assert.deepEqual((await f.x.dialogs.pinnedPeers(ALICE, 0)).map((p) => p.id), [2002n]);
    const page = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 3, excludePinned: false });
    assert.equal((((page as TlObject).dialogs as TlObject[])[0]!.peer as TlObject).userId, 2002n);
    assert.equal(((page as TlObject).dialogs as TlObject[])[0]!.pinned, true);
    await assert.rejects(f.x.dialogs.reorderPinned(alice, 7, [], false), isRpc('FOLDER_ID_INVALID'));
  } finally {
    await f.close();
  }
});

test('unread marks and the archive folder (a pts event); getDialogs by folder; unread counters', async () => {
  const f = await extrasFixture();
  try {
    await f.messenger.messaging.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'b1' }, { randomId: rid(), message: 'b2' }]);
    await f.messenger.messaging.send({ userId: CAROL }, userPeer(ALICE), [{ randomId: rid(), message: 'c1' }]);
    await f.x.dialogs.markUnread(alice, userPeer(CAROL), true);
    assert.deepEqual(peersOf(await f.x.dialogs.unreadMarks(ALICE)), [CAROL]);
    await assert.rejects(f.x.dialogs.markUnread(alice, userPeer(9999n), true), isRpc('PEER_ID_INVALID'));

    await f.x.dialogs.togglePin(alice, userPeer(CAROL), true);
    const before = await f.messenger.reader.state(ALICE);
    const res = await f.x.dialogs.editFolders(alice, [{ peer: userPeer(CAROL), folderId: 1 }]);
    const u = (res.updates as TlObject[])[0]!;
    assert.equal(u._, 'updateFolderPeers');
    assert.equal(u.pts, before.pts + 1);
    assert.deepEqual(u.folderPeers, [{ _: 'folderPeer', peer: { _: 'peerUser', userId: CAROL }, folderId: 1 }]);
    // Moving leaves the old folder's pinned list; moving again to the same folder changes nothing.
    assert.deepEqual(await f.x.dialogs.pinnedPeers(ALICE, 0), []);
    assert.deepEqual((await f.x.dialogs.editFolders(alice, [{ peer: userPeer(CAROL), folderId: 1 }])).updates, []);
    await assert.rejects(f.x.dialogs.editFolders(alice, [{ peer: userPeer(CAROL), folderId: 2 }]), isRpc('FOLDER_ID_INVALID'));

    const archived = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false, folderId: 1 });
    assert.deepEqual(((archived as TlObject).dialogs as TlObject[]).map((d) => [(d.peer as TlObject).userId, d.folderId, d.unreadCount, d.unreadMark]), [[CAROL, 1, 1, true]]);
    const main = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false, folderId: 0 });
    assert.deepEqual(((main as TlObject).dialogs as TlObject[]).map((d) => [(d.peer as TlObject).userId, d.unreadCount]), [[BOB, 2]]);
    assert.equal(((await f.messenger.views.state(ALICE)) as TlObject).unreadCount, 3);
    // Reading clears the count and the mark.
    await f.messenger.messaging.readHistory(alice, userPeer(CAROL), 0);
    assert.equal(((await f.messenger.views.state(ALICE)) as TlObject).unreadCount, 2);
    assert.deepEqual(await f.x.dialogs.unreadMarks(ALICE), []);
  } finally {
    await f.close();
  }
});

test('notify settings: per peer and per kind, reset, pushed to other sessions, carried by dialogs and userFull', async () => {
  const f = await extrasFixture();
  try {
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'hi' }]);
    const n = f.x.notify;
    assert.deepEqual(await n.get(ALICE, { scope: SCOPE_PEER, peer: userPeer(BOB) }), { _: 'peerNotifySettings' });
    assert.deepEqual(await n.get(ALICE, { scope: SCOPE_USERS }), { _: 'peerNotifySettings', showPreviews: true, silent: false, muteUntil: 0 });
    const forever = 2147483647;
    await f.bus.drain();
    f.pushed.length = 0;
    await n.update(alice, { scope: SCOPE_PEER, peer: userPeer(BOB) }, { _: 'inputPeerNotifySettings', muteUntil: forever, sound: { _: 'notificationSoundNone' } });
    await f.bus.drain();
    const u = updatesOf(f.pushed[0]!)[0]!;
    assert.equal(u._, 'updateNotifySettings');
    assert.deepEqual(u.peer, { _: 'notifyPeer', peer: { _: 'peerUser', userId: BOB } });
    assert.equal((u.notifySettings as TlObject).muteUntil, forever);
    assert.deepEqual(f.pushed[0]!.except, aliceSession);
    const got = await n.get(ALICE, { scope: SCOPE_PEER, peer: userPeer(BOB) });
    assert.equal(got.muteUntil, forever);
    assert.deepEqual(got.otherSound, { _: 'notificationSoundNone' });
    assert.equal(await n.isMuted(ALICE, userPeer(BOB)), true);
    assert.equal(await n.isMuted(ALICE, userPeer(CAROL)), false);
    assert.equal(await n.isMuted(BOB, userPeer(ALICE)), false, 'settings are the owner\'s own');

    const dialogs = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false });
    assert.equal((((dialogs as TlObject).dialogs as TlObject[])[0]!.notifySettings as TlObject).muteUntil, forever);
    const full = await f.userViews.fullUserExtras!(ALICE, BOB);
    assert.equal((full.notifySettings as TlObject).muteUntil, forever);

    // Replacing, not merging: an update without mute_until unmutes.
    await n.update(alice, { scope: SCOPE_PEER, peer: userPeer(BOB) }, { _: 'inputPeerNotifySettings', silent: true });
    assert.equal(await n.isMuted(ALICE, userPeer(BOB)), false);
    await n.update(alice, { scope: SCOPE_USERS }, { _: 'inputPeerNotifySettings', muteUntil: forever });
    assert.equal(await n.isMuted(ALICE, userPeer(CAROL)), true, 'the default of private chats applies');
    f.pushed.length = 0;
    await n.reset(alice);
    await f.bus.drain();
    assert.equal(updatesOf(f.pushed[0]!).length, 2);
    assert.equal(await n.isMuted(ALICE, userPeer(CAROL)), false);
    assert.deepEqual(await n.get(ALICE, { scope: SCOPE_PEER, peer: userPeer(BOB) }), { _: 'peerNotifySettings' });
  } finally {
    await f.close();
  }
});

test('outbox read dates: recorded when the peer reads, per message; not yet read, too old, privacy', async () => {
  const f = await extrasFixture();
  try {
    const [m1] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'one' }]);
    const [m2] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'two' }]);
    const [incoming] = await f.messenger.messaging.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'from bob' }]);
    const r = f.x.readDates;
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), isRpc('MESSAGE_NOT_READ_YET'));
    f.clock.now += 60_000;
    const readAt1 = Math.floor(f.clock.now / 1000);
    await f.messenger.messaging.readHistory({ userId: BOB }, userPeer(ALICE), m1!.recipients[0]!.row.id);
    assert.equal(await r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), readAt1);
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), m2!.id), isRpc('MESSAGE_NOT_READ_YET'));
    f.clock.now += 60_000;
    await f.messenger.messaging.readHistory({ userId: BOB }, userPeer(ALICE), 0);
    assert.equal(await r.outboxReadDate(ALICE, userPeer(BOB), m2!.id), readAt1 + 60);
    assert.equal(await r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), readAt1);

    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), incoming!.recipients[0]!.row.id), isRpc('MESSAGE_ID_INVALID'));
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(CAROL), m1!.id), isRpc('MESSAGE_ID_INVALID'));
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(ALICE), m1!.id), isRpc('PEER_ID_INVALID'));
    f.denied.add(`${BOB}:statusTimestamp>${ALICE}`);
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), isRpc('USER_PRIVACY_RESTRICTED'));
    f.denied.clear();
    f.denied.add(`${ALICE}:statusTimestamp>${BOB}`);
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), isRpc('YOUR_PRIVACY_RESTRICTED'));
    f.denied.clear();
    f.clock.now += (READ_DATE_EXPIRE_PERIOD + 1) * 1000;
    await assert.rejects(r.outboxReadDate(ALICE, userPeer(BOB), m1!.id), isRpc('MESSAGE_TOO_OLD'));
  } finally {
    await f.close();
  }
});

test('peer settings: the bar for a stranger who wrote first, none for contacts, hidden on request; pinned_msg_id in userFull', async () => {
  const f = await extrasFixture();
  try {
    const [m] = await f.messenger.messaging.send({ userId: CAROL }, userPeer(ALICE), [{ randomId: rid(), message: 'buy now' }]);
    const ps = f.x.peerSettings;
    assert.deepEqual(await ps.settings(ALICE, userPeer(CAROL)), { _: 'peerSettings', reportSpam: true, addContact: true, blockContact: true });
    // Carol did not get unsolicited mail: she wrote first.
    assert.deepEqual(await ps.settings(CAROL, userPeer(ALICE)), { _: 'peerSettings', reportSpam: undefined, addContact: true, blockContact: true });
    f.blocks.add(`${ALICE}>${CAROL}`);
    assert.deepEqual(await ps.settings(ALICE, userPeer(CAROL)), { _: 'peerSettings', reportSpam: undefined, addContact: true, blockContact: undefined });
    f.blocks.clear();
    f.contacts.add(`${ALICE}>${CAROL}`);
    assert.deepEqual(await ps.settings(ALICE, userPeer(CAROL)), { _: 'peerSettings' });
    f.contacts.clear();
    await ps.hide(ALICE, userPeer(CAROL));
    await ps.hide(ALICE, userPeer(CAROL));
    assert.deepEqual(await ps.settings(ALICE, userPeer(CAROL)), { _: 'peerSettings' });
    assert.deepEqual(await ps.settings(ALICE, userPeer(ALICE)), { _: 'peerSettings' });

    const aliceCopy = m!.recipients[0]!.row.id;
    await f.x.pins.pin(alice, userPeer(CAROL), aliceCopy, { pmOneside: true });
    const full = await f.userViews.fullUserExtras!(ALICE, CAROL);
    assert.equal(full.pinnedMsgId, aliceCopy);
    assert.equal((await f.userViews.fullUserExtras!(CAROL, ALICE)).pinnedMsgId, undefined);
  } finally {
    await f.close();
  }
});

test('one-box messages: a login code from 777000 only when the user is online; a contact sign-up notice', async () => {
  const f = await extrasFixture();
  try {
    f.online.delete(BOB);
    assert.equal(await f.x.deliverLoginCode(BOB, '12345'), false);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 0);

    assert.equal(await f.x.deliverLoginCode(ALICE, '54321'), true);
    await f.bus.drain();
    const [push] = f.pushed.filter((p) => p.userId === ALICE);
    assert.equal(push!.except, undefined, 'every online device gets it');
    const msg = updatesOf(push!)[0]!.message as TlObject;
    assert.equal(msg.message, loginCodeText('54321').message);
    assert.deepEqual(msg.fromId, { _: 'peerUser', userId: 777000n });
    assert.deepEqual(msg.peerId, { _: 'peerUser', userId: 777000n });
    assert.equal(msg.out, undefined);
    assert.deepEqual(msg.entities, [{ _: 'messageEntityBold', offset: 12, length: 5 }]);
    // No copy anywhere else: the service account has no box.
    assert.equal((await f.messenger.reader.state(777000n)).pts, 0);
    const dialogs = await f.messenger.views.dialogs(ALICE, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false });
    assert.deepEqual(((dialogs as TlObject).dialogs as TlObject[]).map((d) => [(d.peer as TlObject).userId, d.unreadCount]), [[777000n, 1]]);

    f.pushed.length = 0;
    await f.joined(BOB, CAROL);
    const [notice] = (await f.messenger.reader.history(BOB, userPeer(CAROL), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0 })).rows;
    assert.equal(notice!.authorId, CAROL);
    assert.equal(notice!.out, false);
    assert.equal((await f.messenger.reader.state(CAROL)).pts, 0, 'the new user gets no copy');
    const tl = ((await f.messenger.views.messages(BOB, [{ _: 'inputMessageID', id: notice!.id }])) as TlObject).messages as TlObject[];
    assert.equal(tl[0]!._, 'messageService');
    assert.deepEqual(tl[0]!.action, { _: 'messageActionContactSignUp' });
  } finally {
    await f.close();
  }
});
