// Basic groups over a real (migrated, temporary) SQLite database: creation, fan-out of messages into every
// member's box, service messages, leaving and kicking, admins, default rights, invite links, revoke rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../../src/infra/db/index.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { Messenger } from '../../../src/messenger/index.js';
import { ChatBase, type ChatService } from '../../../src/messenger/chats/index.js';
import { chatPeer } from '../../../src/messenger/peer.js';
import { PinService } from '../../../src/messenger/pins.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { plainUserViews, recordingPush, type Pushed } from './stubs.js';

const A = 2_000_001n;
const B = 2_000_002n;
const C = 2_000_003n;
const D = 2_000_004n;

const rpc = (message: string) => (e: unknown) => e instanceof RpcError && e.errorMessage === message;

async function setup(opts: { chatSizeMax?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-chats-'));
  const db = await openDatabase(dir);
  const bus = new MemoryBus({ maxAttempts: 1 });
  const pushed: Pushed[] = [];
  const denied = new Set<string>();
  const clock = { now: 1_700_000_000_000 };
  const base = new ChatBase(db.kysely);
  const push = recordingPush(pushed);
  const userViews = plainUserViews;
  const messenger = new Messenger({ db: db.kysely, bus, push, contacts: { isBlocked: async () => false, blockBetween: async () => undefined }, userViews, now: () => clock.now, groups: base.directory });
  let seq = 0n;
  const chats: ChatService = base.service({
    messages: messenger.store,
    messaging: messenger.messaging,
    sync: messenger.sync,
    userViews,
    privacy: { allows: async (owner, _key, viewer) => !denied.has(`${owner}<${viewer}`) },
    contacts: { isBlocked: async () => false },
    push,
    ids: { next: async () => ++seq + 500n },
    random: (n) => randomBytes(n),
    now: () => clock.now,
    linkHost: () => 'echo.test',
    chatSizeMax: opts.chatSizeMax,
  });
  const pins = new PinService({ db: db.kysely, sync: messenger.sync, messaging: messenger.messaging, userViews, push, now: () => clock.now, groups: base.directory });
  const drain = () => bus.drain();
  return {
    db,
    messenger,
    chats,
    pins,
    pushed,
    denied,
    clock,
    drain,
    async close() {
      await bus.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const me = (userId: bigint) => ({ userId, session: { authKeyId: userId, sessionId: 1n } });
let rnd = 1n;
const text = (message: string) => ({ randomId: rnd++, message });

async function history(f: Awaited<ReturnType<typeof setup>>, owner: bigint, chatId: bigint): Promise<any[]> {
  const res: any = await f.messenger.views.history(owner, chatPeer(chatId), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0 }, 0n);
  return res.messages;
}

test('createChat: members get messageActionChatCreate in their own boxes; privacy-restricted users are reported missing', async () => {
  const f = await setup();
  try {
    f.denied.add(`${D}<${A}`);
    const res = await f.chats.create(me(A), [B, C, D, B, A], '  Team ');
    assert.deepEqual(res.missing, [D]);
    const upd = res.updates as any;
    assert.equal(upd._, 'updates');
    const created = upd.updates[0].message;
    assert.equal(created._, 'messageService');
    assert.equal(created.out, true);
    assert.deepEqual(created.action, { _: 'messageActionChatCreate', title: 'Team', users: [A, B, C] });
    assert.deepEqual(created.peerId, { _: 'peerChat', chatId: res.chatId });
    assert.equal(upd.chats[0]._, 'chat');
    assert.equal(upd.chats[0].creator, true);
    assert.equal(upd.chats[0].participantsCount, 3);
    assert.deepEqual(new Set(upd.users.map((u: any) => u.id)), new Set([A, B, C]));
    await f.drain();
    const toB = f.pushed.find((p) => p.userId === B)!.updates;
    assert.equal(toB.updates[0].message.action._, 'messageActionChatCreate');
    assert.equal(toB.updates[0].message.out, undefined);
    assert.equal(toB.chats[0].creator, undefined);
    assert.ok(!f.pushed.some((p) => p.userId === D));
    const full: any = await f.chats.getFullChat(B, res.chatId);
    assert.deepEqual(full.fullChat.participants.participants.map((x: any) => x._), ['chatParticipantCreator', 'chatParticipant', 'chatParticipant']);
    await assert.rejects(f.chats.getFullChat(D, res.chatId), rpc('CHAT_ID_INVALID'));
    await assert.rejects(f.chats.create(me(A), [B], '   '), rpc('CHAT_TITLE_EMPTY'));
  } finally {
    await f.close();
  }
});

test('a group message fans out to every member with its own id and pts; recipients get updateShortChatMessage', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C], 'G');
    // B sends something first so the boxes' ids diverge.
    await f.messenger.messaging.send(me(B), { type: 1, id: C }, [text('private')]);
    f.pushed.length = 0;
    const [sent] = await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('hello group')]);
    assert.equal(sent!.recipients.length, 2);
    await f.drain();
    const toC = f.pushed.find((p) => p.userId === C)!.updates;
    assert.equal(toC._, 'updateShortChatMessage');
    assert.equal(toC.fromId, A);
    assert.equal(toC.chatId, chatId);
    assert.equal(toC.message, 'hello group');
    assert.equal(toC.id, 3);
    const ownPush = f.pushed.find((p) => p.userId === A)!.updates;
    assert.equal(ownPush.chats[0].id, chatId);
    const hist = await history(f, C, chatId);
    assert.deepEqual(hist.map((m) => m.message ?? m.action._), ['hello group', 'messageActionChatCreate']);
    // Dialogs carry the chat object.
    const dialogs: any = await f.messenger.views.dialogs(B, { offsetDate: 0, offsetId: 0, limit: 20, excludePinned: false });
    assert.ok(dialogs.chats.some((c: any) => c._ === 'chat' && c.id === chatId));
    // getDifference from zero carries the chat and the users named by the service message.
    const diff: any = await f.messenger.views.difference(C, 0);
    assert.ok(diff.chats.some((c: any) => c.id === chatId));
    assert.ok(diff.users.some((u: any) => u.id === B));
    // Reading: the author gets updateReadHistoryOutbox for the chat.
    f.pushed.length = 0;
    await f.messenger.messaging.readHistory(me(C), chatPeer(chatId), 0);
    await f.drain();
    const receipt = f.pushed.find((p) => p.userId === A)!.updates.updates[0];
    assert.equal(receipt._, 'updateReadHistoryOutbox');
    assert.deepEqual(receipt.peer, { _: 'peerChat', chatId });
    assert.equal(receipt.maxId, sent!.id);
    // Typing reaches the other members only.
    f.pushed.length = 0;
    await f.messenger.messaging.setTyping(me(B), chatPeer(chatId), { _: 'sendMessageTypingAction' });
    await f.drain();
    assert.deepEqual(f.pushed.map((p) => p.userId).sort(), [A, C]);
    assert.deepEqual(f.pushed[0]!.updates.update, { _: 'updateChatUserTyping', chatId, fromId: { _: 'peerUser', userId: B }, action: { _: 'sendMessageTypingAction' } });
  } finally {
    await f.close();
  }
});

test('leave and kick: service messages reach the removed member, who then sees chat{left} or chatForbidden and cannot write', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C, D], 'G');
    await assert.rejects(f.chats.deleteUser(me(B), chatId, C, false), rpc('CHAT_ADMIN_REQUIRED'));
    f.pushed.length = 0;
    await f.chats.deleteUser(me(A), chatId, C, false);
    await f.drain();
    const toC = f.pushed.find((p) => p.userId === C)!.updates;
    assert.deepEqual(toC.updates[0].message.action, { _: 'messageActionChatDeleteUser', userId: C });
    assert.deepEqual(toC.chats[0], { _: 'chatForbidden', id: chatId, title: 'G' });
    await assert.rejects(f.messenger.messaging.send(me(C), chatPeer(chatId), [text('x')]), rpc('CHAT_WRITE_FORBIDDEN'));
    await assert.rejects(f.chats.deleteUser(me(A), chatId, C, false), rpc('USER_NOT_PARTICIPANT'));

    const left: any = await f.chats.deleteUser(me(D), chatId, D, false);
    assert.equal(left.chats[0].left, true);
    await assert.rejects(f.messenger.messaging.send(me(D), chatPeer(chatId), [text('x')]), rpc('CHAT_WRITE_FORBIDDEN'));
    // The kicked and the left member still have their history; new messages no longer reach them.
    await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('after')]);
    assert.ok(!(await history(f, C, chatId)).some((m) => m.message === 'after'));
    assert.ok((await history(f, B, chatId)).some((m) => m.message === 'after'));
    // Someone who left may come back by adding themselves; a kicked member may not.
    await f.chats.addUser(me(D), chatId, D, 0);
    await assert.rejects(f.chats.addUser(me(C), chatId, C, 0), rpc('CHAT_WRITE_FORBIDDEN'));
    const view: any = await f.chats.getChats(D, [chatId]);
    assert.equal(view.chats[0].left, undefined);
    assert.equal(view.chats[0].participantsCount, 3);
  } finally {
    await f.close();
  }
});

test('addChatUser: rights, duplicates, privacy, member limit, fwd_limit history', async () => {
  const f = await setup({ chatSizeMax: 3 });
  try {
    const { chatId } = await f.chats.create(me(A), [B], 'G');
    await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('one')]);
    await f.messenger.messaging.send(me(B), chatPeer(chatId), [text('two')]);
    await assert.rejects(f.chats.addUser(me(A), chatId, B, 0), rpc('USER_ALREADY_PARTICIPANT'));
    f.denied.add(`${C}<${A}`);
    await assert.rejects(f.chats.addUser(me(A), chatId, C, 0), rpc('USER_PRIVACY_RESTRICTED'));
    f.denied.clear();
    await assert.rejects(f.chats.addUser(me(D), chatId, C, 0), rpc('CHAT_ID_INVALID'));
    const upd: any = await f.chats.addUser(me(A), chatId, C, 2);
    assert.deepEqual(upd.updates[0].message.action, { _: 'messageActionChatAddUser', users: [C] });
    const hist = await history(f, C, chatId);
    assert.deepEqual(hist.map((m) => m.message ?? m.action._), ['messageActionChatAddUser', 'two', 'one']);
    await assert.rejects(f.chats.addUser(me(A), chatId, D, 0), rpc('USERS_TOO_MUCH'));
  } finally {
    await f.close();
  }
});

test('admins, title and default banned rights', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C], 'G');
    await assert.rejects(f.chats.editAdmin(me(B), chatId, C, true), rpc('CHAT_ADMIN_REQUIRED'));
    await assert.rejects(f.chats.editAdmin(me(A), chatId, D, true), rpc('USER_NOT_PARTICIPANT'));
    f.pushed.length = 0;
    await f.chats.editAdmin(me(A), chatId, B, true);
    await f.drain();
    const toC = f.pushed.find((p) => p.userId === C)!.updates;
    assert.equal(toC.updates[0]._, 'updateChatParticipantAdmin');
    assert.equal(toC.updates[0].isAdmin, true);
    await assert.rejects(f.chats.editAdmin(me(A), chatId, B, true), rpc('CHAT_NOT_MODIFIED'));
    assert.equal(((await f.chats.getChats(B, [chatId])) as any).chats[0].adminRights._, 'chatAdminRights');

    await assert.rejects(f.chats.editDefaultBannedRights(me(C), chatId, { _: 'chatBannedRights', sendMessages: true, untilDate: 0 }), rpc('CHAT_ADMIN_REQUIRED'));
    const res: any = await f.chats.editDefaultBannedRights(me(B), chatId, { _: 'chatBannedRights', sendMessages: true, changeInfo: true, untilDate: 0 });
    assert.equal(res.updates[0]._, 'updateChatDefaultBannedRights');
    await assert.rejects(f.chats.editDefaultBannedRights(me(B), chatId, { _: 'chatBannedRights', sendMessages: true, changeInfo: true, untilDate: 0 }), rpc('CHAT_NOT_MODIFIED'));
    await assert.rejects(f.messenger.messaging.send(me(C), chatPeer(chatId), [text('muted')]), rpc('CHAT_WRITE_FORBIDDEN'));
    await f.messenger.messaging.send(me(B), chatPeer(chatId), [text('admins may')]);
    await assert.rejects(f.chats.editTitle(me(C), chatId, 'New'), rpc('CHAT_ADMIN_REQUIRED'));
    const renamed: any = await f.chats.editTitle(me(B), chatId, 'New');
    assert.deepEqual(renamed.updates[0].message.action, { _: 'messageActionChatEditTitle', title: 'New' });
    assert.equal(renamed.chats[0].title, 'New');
    await assert.rejects(f.chats.editTitle(me(B), chatId, 'New'), rpc('CHAT_NOT_MODIFIED'));
  } finally {
    await f.close();
  }
});

test('delete with revoke: authors revoke their own, admins anyone\'s, members only their own copy of others\'', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C], 'G');
    const [fromB] = await f.messenger.messaging.send(me(B), chatPeer(chatId), [text('by B')]);
    const [fromA] = await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('by A')]);
    const cIdOf = async (t: string) => (await history(f, C, chatId)).find((m) => m.message === t)?.id;
    // C revokes B's message: only C's copy goes.
    await f.messenger.messaging.delete(me(C), [(await cIdOf('by B'))!], true);
    assert.ok((await history(f, A, chatId)).some((m) => m.message === 'by B'));
    // B revokes their own: gone everywhere.
    await f.messenger.messaging.delete(me(B), [fromB!.id], true);
    assert.ok(!(await history(f, A, chatId)).some((m) => m.message === 'by B'));
    // The creator revokes C's message for everyone.
    const [fromC] = await f.messenger.messaging.send(me(C), chatPeer(chatId), [text('by C')]);
    const aIdOfC = (await history(f, A, chatId)).find((m) => m.message === 'by C').id;
    await f.messenger.messaging.delete(me(A), [aIdOfC], true);
    assert.equal(await cIdOf('by C'), undefined);
    assert.ok(fromC && fromA);
    // Service messages cannot be edited.
    const service = (await history(f, A, chatId)).find((m) => m._ === 'messageService');
    await assert.rejects(f.messenger.messaging.edit(me(A), chatPeer(chatId), service.id, 'x', undefined), rpc('MESSAGE_ID_INVALID'));
  } finally {
    await f.close();
  }
});

test('invite links: export, check, import, limits, revoke and replace', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B], 'G');
    await assert.rejects(f.chats.exportInvite(me(B), chatId, {}), rpc('CHAT_ADMIN_REQUIRED'));
    const perm: any = await f.chats.exportInvite(me(A), chatId, {});
    assert.equal(perm._, 'chatInviteExported');
    assert.equal(perm.permanent, true);
    assert.match(perm.link, /^https:\/\/echo\.test\/\+[A-Za-z0-9_-]{22}$/);
    assert.equal(((await f.chats.exportInvite(me(A), chatId, {})) as any).link, perm.link);
    const preview: any = await f.chats.checkInvite(C, perm.link);
    assert.equal(preview._, 'chatInvite');
    assert.equal(preview.title, 'G');
    assert.equal(preview.participantsCount, 2);
    assert.equal(((await f.chats.checkInvite(B, perm.link)) as any)._, 'chatInviteAlready');
    await assert.rejects(f.chats.checkInvite(C, 'https://echo.test/+nope'), rpc('INVITE_HASH_INVALID'));

    const joined: any = await f.chats.importInvite(me(C), perm.link.split('/+')[1]);
    assert.deepEqual(joined.updates[0].message.action, { _: 'messageActionChatJoinedByLink', inviterId: A });
    await assert.rejects(f.chats.importInvite(me(C), perm.link), rpc('USER_ALREADY_PARTICIPANT'));

    const once: any = await f.chats.exportInvite(me(A), chatId, { usageLimit: 1, title: 'one' });
    assert.equal(once.permanent, undefined);
    await f.chats.importInvite(me(D), once.link);
    await f.chats.deleteUser(me(D), chatId, D, false);
    await assert.rejects(f.chats.importInvite(me(D), once.link), rpc('INVITE_HASH_EXPIRED'));
    await assert.rejects(f.chats.exportInvite(me(A), chatId, { usageLimit: 0 }), rpc('USAGE_LIMIT_INVALID'));
    await assert.rejects(f.chats.exportInvite(me(A), chatId, { expireDate: 1 }), rpc('EXPIRE_DATE_INVALID'));

    const replaced: any = await f.chats.editInvite(me(A), chatId, perm.link, true, {});
    assert.equal(replaced._, 'messages.exportedChatInviteReplaced');
    assert.equal(replaced.invite.revoked, true);
    assert.notEqual(replaced.newInvite.link, perm.link);
    await assert.rejects(f.chats.importInvite(me(D), perm.link), rpc('INVITE_HASH_EXPIRED'));
    const list: any = await f.chats.listInvites(A, chatId, A, false, 0, undefined, 10);
    assert.deepEqual(new Set(list.invites.map((i: any) => i.link)), new Set([replaced.newInvite.link, once.link]));
    await f.chats.deleteInvite(me(A), chatId, perm.link);
    await assert.rejects(f.chats.deleteInvite(me(A), chatId, replaced.newInvite.link), rpc('INVITE_REVOKED_MISSING'));
    const full: any = await f.chats.getFullChat(A, chatId);
    assert.equal(full.fullChat.exportedInvite.link, replaced.newInvite.link);
  } finally {
    await f.close();
  }
});

test('deleteChatUser with revoke_history deletes the removed member\'s messages from every box', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C], 'G');
    await f.messenger.messaging.send(me(C), chatPeer(chatId), [text('spam 1'), text('spam 2')]);
    await f.messenger.messaging.send(me(B), chatPeer(chatId), [text('keep')]);
    await f.chats.deleteUser(me(A), chatId, C, true);
    await f.drain();
    for (const owner of [A, B, C]) {
      const texts = (await history(f, owner, chatId)).map((m) => m.message ?? m.action._);
      assert.ok(!texts.includes('spam 1') && !texts.includes('spam 2'), `${owner}: ${texts}`);
      assert.ok(texts.includes('keep'));
    }
    assert.ok(f.pushed.some((p) => p.userId === B && p.updates.updates?.[0]?._ === 'updateDeleteMessages'));
  } finally {
    await f.close();
  }
});

test('pins in a basic group: every member\'s copy, a service message for all, and only with the pin right', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B, C], 'G');
    const [sent] = await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('read the rules')]);
    const copyOf = new Map<bigint, number>([[A, sent!.id], ...sent!.recipients.map((r) => [r.owner, r.row.id] as [bigint, number])]);
    await f.drain();
    f.pushed.length = 0;

    // A plain member may pin by default; pm_oneside means nothing in a group.
    const answer: any = await f.pins.pin(me(B), chatPeer(chatId), copyOf.get(B)!, { pmOneside: true });
    await f.drain();
    const [pinUpd, service] = answer.updates;
    assert.equal(pinUpd._, 'updatePinnedMessages');
    assert.deepEqual(pinUpd.peer, { _: 'peerChat', chatId });
    assert.deepEqual(pinUpd.messages, [copyOf.get(B)]);
    assert.equal(service._, 'updateNewMessage');
    assert.deepEqual(service.message.action, { _: 'messageActionPinMessage' });
    assert.deepEqual(service.message.replyTo, { _: 'messageReplyHeader', replyToMsgId: copyOf.get(B) });
    assert.equal(answer.chats[0].id, chatId);
    for (const owner of [A, B, C]) assert.equal(await f.pins.pinnedMsgId(owner, chatPeer(chatId)), copyOf.get(owner), `${owner}'s copy is pinned`);
    for (const owner of [A, C]) {
      const got = f.pushed.filter((p) => p.userId === owner).flatMap((p) => p.updates.updates ?? [p.updates.update]);
      assert.deepEqual(got.find((u: any) => u._ === 'updatePinnedMessages')?.messages, [copyOf.get(owner)]);
      const pinService = got.find((u: any) => u.message?.action?._ === 'messageActionPinMessage');
      assert.ok(pinService, `${owner} gets the service message`);
      assert.equal(pinService.message.replyTo?.replyToMsgId ?? pinService.message.replyToMsgId, copyOf.get(owner));
    }
    // Everyone's history shows it.
    for (const owner of [A, B, C]) assert.ok((await history(f, owner, chatId)).some((m) => m.action?._ === 'messageActionPinMessage'));

    // With pin_messages banned by default, a plain member gets CHAT_ADMIN_REQUIRED for pin, unpin and unpin-all;
    // the creator and admins still pin. Being barred from writing does not stop an admin's pin either.
    await f.chats.editDefaultBannedRights(me(A), chatId, { _: 'chatBannedRights', pinMessages: true, sendMessages: true, untilDate: 0 });
    await assert.rejects(f.pins.pin(me(C), chatPeer(chatId), copyOf.get(C)!, { unpin: true }), rpc('CHAT_ADMIN_REQUIRED'));
    await assert.rejects(f.pins.unpinAll(me(C), chatPeer(chatId)), rpc('CHAT_ADMIN_REQUIRED'));
    await assert.rejects(f.pins.pin(me(B), chatPeer(chatId), copyOf.get(B)!, {}), rpc('CHAT_ADMIN_REQUIRED'));
    assert.equal(await f.pins.pinnedMsgId(A, chatPeer(chatId)), copyOf.get(A), 'the refused unpin changed nothing');
    await f.chats.editAdmin(me(A), chatId, B, true);
    await f.pins.pin(me(B), chatPeer(chatId), copyOf.get(B)!, { unpin: true });
    for (const owner of [A, B, C]) assert.equal(await f.pins.pinnedMsgId(owner, chatPeer(chatId)), undefined);
    const again: any = await f.pins.pin(me(A), chatPeer(chatId), copyOf.get(A)!, { silent: true });
    assert.equal(again.updates[1].message.silent, true);
    const all = await f.pins.unpinAll(me(A), chatPeer(chatId));
    assert.equal(all.ptsCount, 1);
    assert.equal(await f.pins.pinnedMsgId(C, chatPeer(chatId)), undefined);

    // Former members and strangers cannot pin.
    await f.chats.deleteUser(me(A), chatId, C, false);
    await assert.rejects(f.pins.pin(me(C), chatPeer(chatId), copyOf.get(C)!, {}), rpc('CHAT_WRITE_FORBIDDEN'));
    await assert.rejects(f.pins.pin(me(D), chatPeer(chatId), 1, {}), rpc('CHAT_ID_INVALID'));
  } finally {
    await f.close();
  }
});

test('pins in a group need the group directory: without it the chat is not a peer one can pin in', async () => {
  const f = await setup();
  try {
    const { chatId } = await f.chats.create(me(A), [B], 'G');
    const [sent] = await f.messenger.messaging.send(me(A), chatPeer(chatId), [text('x')]);
    const bare = new PinService({ db: f.db.kysely, sync: f.messenger.sync, messaging: f.messenger.messaging, userViews: { many: async () => [] }, push: { isOnline: () => false }, now: () => f.clock.now });
    await assert.rejects(bare.pin(me(A), chatPeer(chatId), sent!.id, {}), rpc('PEER_ID_INVALID'));
    await assert.rejects(bare.unpinAll(me(A), chatPeer(chatId)), rpc('PEER_ID_INVALID'));
  } finally {
    await f.close();
  }
});
