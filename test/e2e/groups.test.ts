// Basic groups end to end (issue 4): Alice on GramJS (layer 198) with two devices, Bob on mtcute (layer
// 227) and Carol on a second GramJS client share a group; Dave (mtcute) comes in through an invite link.
// Each test checks what the other clients actually received: service messages for create, title,
// join, add, kick and leave; messages in real time on every device and in getHistory; read receipts and
// typing; admin rights; default banned rights blocking members; chatForbidden after a kick; and the
// layer-dependent result types (messages.invitedUsers, messages.chatInviteJoinResultOk vs Updates).
// The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, callAffecting, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 120_000;
const PHONES = { alice: testPhone(410001), bob: testPhone(410002), carol: testPhone(410003), dave: testPhone(410004) };

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();

let echod: EchodProcess;
let target: EchoTarget;
let alice: GramjsHandle;
let alice2: GramjsHandle;
let carol: GramjsHandle;
let bob: MtcuteHandle;
let dave: MtcuteHandle;
const ids = { alice: 0n, bob: 0n, carol: 0n, dave: 0n };
const inbox = { alice: new Inbox(), alice2: new Inbox(), carol: new Inbox(), bob: new Inbox(), dave: new Inbox() };
const inputUser: Record<'bob' | 'carol' | 'dave', Api.InputUser | undefined> = { bob: undefined, carol: undefined, dave: undefined };
let world: E2eWorld;
let chatId: bigint;

const call = <R>(h: GramjsHandle, req: Api.AnyRequest) => h.client.invoke(req) as Promise<R>;
const chatPeerG = () => new Api.InputPeerChat({ chatId: bigInt(chatId.toString()) });
const chatPeerM = () => ({ _: 'inputPeerChat' as const, chatId: Number(chatId) });

/** A GramJS-side update carrying a chat message (full or short form) with this text or action. */
const gramjsGot = (text: string) => (u: any) =>
  (u instanceof Api.UpdateShortChatMessage && u.message === text) || ((u instanceof Api.UpdateNewMessage) && (u.message as Api.Message).message === text);
const gramjsAction = (cls: any, extra: (a: any) => boolean = () => true) => (u: any) =>
  u instanceof Api.UpdateNewMessage && u.message instanceof Api.MessageService && u.message.action instanceof cls && extra(u.message.action);
const mtcuteGot = (text: string) => (u: any) => u._ === 'updateNewMessage' && u.message.message === text;
const mtcuteAction = (name: string, extra: (a: any) => boolean = () => true) => (u: any) =>
  u._ === 'updateNewMessage' && u.message._ === 'messageService' && u.message.action._ === name && extra(u.message.action);

async function gramjsSend(h: GramjsHandle, message: string): Promise<Api.UpdateShortSentMessage> {
  const res = await call<Api.TypeUpdates>(h, new Api.messages.SendMessage({ peer: chatPeerG(), message, randomId: bigInt(randomLong().toString()) }));
  assert.ok(res instanceof Api.UpdateShortSentMessage, `sendMessage answered ${res.className}`);
  return res;
}

function mtcuteSend(h: MtcuteHandle, message: string): Promise<any> {
  return h.client.call({ _: 'messages.sendMessage', peer: chatPeerM(), message, randomId: Long.fromString(randomLong().toString()) } as any);
}

async function gramjsHistory(h: GramjsHandle): Promise<any[]> {
  const res = await call<Api.messages.TypeMessages>(h, new Api.messages.GetHistory({ peer: chatPeerG(), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }));
  assert.ok(!(res instanceof Api.messages.MessagesNotModified));
  return res.messages;
}

async function mtcuteHistory(h: MtcuteHandle): Promise<any[]> {
  const res: any = await h.client.call({ _: 'messages.getHistory', peer: chatPeerM(), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: Long.ZERO } as any);
  return res.messages;
}

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const a = await world.signUpGramjs({ phone: PHONES.alice, firstName: 'Alice' });
  alice = a.handle;
  ids.alice = a.userId;
  const b = await world.signUpMtcute({ phone: PHONES.bob, firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  ids.bob = b.userId;
  const c = await world.signUpGramjs({ phone: PHONES.carol, firstName: 'Carol' });
  carol = c.handle;
  ids.carol = c.userId;
  const d = await world.signUpMtcute({ phone: PHONES.dave, firstName: 'Dave', mtcute: { updates: true } });
  dave = d.handle;
  ids.dave = d.userId;
  const a2 = await world.signInGramjs({ phone: PHONES.alice });
  alice2 = a2.handle;

  watchGramjs(alice, inbox.alice);
  watchGramjs(alice2, inbox.alice2);
  watchGramjs(carol, inbox.carol);
  watchMtcute(bob, inbox.bob);
  watchMtcute(dave, inbox.dave);
  await startUpdates(bob);
  await startUpdates(dave);
  // Each device has to be the live one of its key before pushes reach it: any request makes it so.
  await call(alice2, new Api.updates.GetState());
  await call(carol, new Api.updates.GetState());

  // Alice learns the others' access hashes the ordinary way: importing their phone numbers.
  const imported = await call<Api.contacts.ImportedContacts>(
    alice,
    new Api.contacts.ImportContacts({
      contacts: (['bob', 'carol', 'dave'] as const).map((n, i) => new Api.InputPhoneContact({ clientId: bigInt(i + 1), phone: `+${PHONES[n]}`, firstName: n, lastName: '' })),
    }),
  );
  for (const u of imported.users as Api.User[]) {
    const name = (['bob', 'carol', 'dave'] as const).find((n) => ids[n] === big(u.id))!;
    inputUser[name] = new Api.InputUser({ userId: u.id, accessHash: u.accessHash! });
  }
});

after(() => world?.close());

describe('basic groups', { timeout: TIMEOUT }, () => {
  test('createChat answers messages.invitedUsers; every member and Alice\'s second device get messageActionChatCreate', async () => {
    const res = await call<Api.messages.InvitedUsers>(alice, new Api.messages.CreateChat({ users: [inputUser.bob!, inputUser.carol!], title: 'Project' }));
    assert.ok(res instanceof Api.messages.InvitedUsers, `createChat answered ${(res as any).className}`);
    assert.deepEqual(res.missingInvitees, []);
    const updates = res.updates as Api.Updates;
    const chat = updates.chats[0] as Api.Chat;
    assert.ok(chat instanceof Api.Chat);
    assert.equal(chat.title, 'Project');
    assert.equal(chat.creator, true);
    assert.equal(chat.participantsCount, 3);
    chatId = big(chat.id);
    const own = updates.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    assert.ok(own.message instanceof Api.MessageService);
    assert.ok(own.message.action instanceof Api.MessageActionChatCreate);
    assert.deepEqual(own.message.action.users.map(big).sort(), [ids.alice, ids.bob, ids.carol].sort());

    const atBob = await inbox.bob.waitFor(mtcuteAction('messageActionChatCreate'), 'Bob gets the creation');
    assert.equal(BigInt(atBob.message.peerId.chatId), chatId);
    assert.equal(atBob.message.action.title, 'Project');
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionChatCreate), 'Carol gets the creation');
    await inbox.alice2.waitFor(gramjsAction(Api.MessageActionChatCreate), 'Alice\'s second device gets the creation');
    assert.ok(!inbox.alice.items.some(gramjsAction(Api.MessageActionChatCreate)), 'the creating session gets the result only');
  });

  test('messages reach every member and both of Alice\'s devices in real time and in getHistory', async () => {
    const sent = await gramjsSend(alice, 'hello team');
    const atBob = await inbox.bob.waitFor(mtcuteGot('hello team'), 'Bob gets hello team');
    assert.equal(BigInt(atBob.message.fromId.userId), ids.alice);
    const atCarol = (await inbox.carol.waitFor(gramjsGot('hello team'), 'Carol gets hello team')) as Api.UpdateShortChatMessage;
    assert.ok(atCarol instanceof Api.UpdateShortChatMessage, 'the compact form for a group text');
    assert.equal(big(atCarol.chatId), chatId);
    assert.equal(big(atCarol.fromId), ids.alice);
    const atAlice2 = (await inbox.alice2.waitFor(gramjsGot('hello team'), 'Alice\'s other device gets her own message')) as Api.UpdateNewMessage;
    assert.equal((atAlice2.message as Api.Message).id, sent.id);
    assert.equal((atAlice2.message as Api.Message).out, true);

    await mtcuteSend(bob, 'hi from bob');
    for (const [name, box] of [['Alice', inbox.alice], ['Alice 2', inbox.alice2], ['Carol', inbox.carol]] as const) {
      const u = await box.waitFor(gramjsGot('hi from bob'), `${name} gets Bob's message`);
      assert.equal(big(u.fromId ?? u.message.fromId.userId), ids.bob);
    }
    await gramjsSend(carol, 'carol here');
    await inbox.bob.waitFor(mtcuteGot('carol here'), 'Bob gets Carol\'s message');

    const texts = (ms: any[]) => ms.filter((m) => typeof m.message === 'string' && m.message !== '').map((m) => m.message);
    const expected = ['carol here', 'hi from bob', 'hello team'];
    assert.deepEqual(texts(await gramjsHistory(alice)), expected);
    assert.deepEqual(texts(await gramjsHistory(carol)), expected);
    assert.deepEqual(texts(await mtcuteHistory(bob)), expected);
    const history = await call<Api.messages.Messages>(alice2, new Api.messages.GetHistory({ peer: chatPeerG(), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }));
    assert.ok(history.chats.some((c) => big(c.id) === chatId));
    assert.ok(history.users.some((u) => big(u.id) === ids.carol));
  });

  test('read receipts reach the author; typing reaches the other members', async () => {
    const mine = (await gramjsHistory(alice)).find((m) => m.message === 'hello team');
    const receipt = inbox.alice.waitFor((u) => u instanceof Api.UpdateReadHistoryOutbox && u.peer instanceof Api.PeerChat && u.maxId >= mine.id, 'Alice gets the read receipt');
    const res = await callAffecting(bob.client, { _: 'messages.readHistory', peer: chatPeerM(), maxId: 0 });
    assert.equal(res._, 'messages.affectedMessages');
    const u = (await receipt) as Api.UpdateReadHistoryOutbox;
    assert.equal(big((u.peer as Api.PeerChat).chatId), chatId);

    const typing = inbox.alice.waitFor((u) => u instanceof Api.UpdateChatUserTyping && big((u.fromId as Api.PeerUser).userId) === ids.bob, 'Alice sees Bob typing');
    const carolSees = inbox.carol.waitFor((u) => u instanceof Api.UpdateChatUserTyping, 'Carol sees Bob typing');
    assert.equal(await bob.client.call({ _: 'messages.setTyping', peer: chatPeerM(), action: { _: 'sendMessageTypingAction' } } as any), true);
    assert.equal(big(((await typing) as Api.UpdateChatUserTyping).chatId), chatId);
    await carolSees;
  });

  test('a member renames the group: messageActionChatEditTitle everywhere; getFullChat and getDialogs show it', async () => {
    const res: any = await bob.client.call({ _: 'messages.editChatTitle', chatId: Number(chatId), title: 'Project X' } as any);
    assert.equal(res._, 'updates');
    assert.equal(res.chats[0].title, 'Project X');
    const u = await inbox.alice.waitFor(gramjsAction(Api.MessageActionChatEditTitle, (a) => a.title === 'Project X'), 'Alice sees the new title');
    assert.ok(u);
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionChatEditTitle), 'Carol sees the new title');
    await rejectsWith(call(alice, new Api.messages.EditChatTitle({ chatId: bigInt(chatId.toString()), title: 'Project X' })), 'CHAT_NOT_MODIFIED');
    await rejectsWith(call(alice, new Api.messages.EditChatTitle({ chatId: bigInt(chatId.toString()), title: ' ' })), 'CHAT_TITLE_EMPTY');

    const full = await call<Api.messages.ChatFull>(carol, new Api.messages.GetFullChat({ chatId: bigInt(chatId.toString()) }));
    const participants = (full.fullChat as Api.ChatFull).participants as Api.ChatParticipants;
    assert.equal(participants.participants.length, 3);
    assert.ok(participants.participants[0] instanceof Api.ChatParticipantCreator);
    assert.equal((full.chats[0] as Api.Chat).title, 'Project X');
    assert.equal(full.users.length, 3);

    const dialogs = await call<Api.messages.Dialogs>(carol, new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }));
    const d = dialogs.dialogs.find((x) => x.peer instanceof Api.PeerChat && big(x.peer.chatId) === chatId);
    assert.ok(d, 'the group is a dialog');
    assert.ok(dialogs.chats.some((c) => big(c.id) === chatId && (c as Api.Chat).title === 'Project X'));
  });

  test('admin rights: only the creator appoints; the new admin sees them', async () => {
    await rejectsWith(call(carol, new Api.messages.EditChatAdmin({ chatId: bigInt(chatId.toString()), userId: new Api.InputUserSelf(), isAdmin: true })), 'CHAT_ADMIN_REQUIRED');
    const seen = inbox.carol.waitFor((u) => u instanceof Api.UpdateChatParticipantAdmin && u.isAdmin, 'Carol learns she is an admin');
    assert.equal(await call(alice, new Api.messages.EditChatAdmin({ chatId: bigInt(chatId.toString()), userId: inputUser.carol!, isAdmin: true })), true);
    await seen;
    const chats = await call<Api.messages.Chats>(carol, new Api.messages.GetChats({ id: [bigInt(chatId.toString())] }));
    const chat = chats.chats[0] as Api.Chat;
    assert.ok(chat.adminRights?.deleteMessages);
    assert.ok(!chat.adminRights?.addAdmins);
    const bobFull: any = await bob.client.call({ _: 'messages.getFullChat', chatId: Number(chatId) } as any);
    assert.ok(bobFull.fullChat.participants.participants.some((p: any) => p._ === 'chatParticipantAdmin' && BigInt(p.userId) === ids.carol));
  });

  test('default banned rights: members cannot send, admins still can, lifting them restores sending', async () => {
    await rejectsWith(bob.client.call({ _: 'messages.editChatDefaultBannedRights', peer: chatPeerM(), bannedRights: { _: 'chatBannedRights', sendMessages: true, untilDate: 0 } } as any), 'CHAT_ADMIN_REQUIRED');
    const bobSees = inbox.bob.waitFor((u) => u._ === 'updateChatDefaultBannedRights' && u.defaultBannedRights.sendMessages === true, 'Bob learns the new default rights');
    const res = await call<Api.Updates>(carol, new Api.messages.EditChatDefaultBannedRights({ peer: chatPeerG(), bannedRights: new Api.ChatBannedRights({ sendMessages: true, untilDate: 0 }) }));
    assert.ok(res.updates.some((u) => u instanceof Api.UpdateChatDefaultBannedRights));
    await bobSees;
    await rejectsWith(mtcuteSend(bob, 'muted'), 'CHAT_WRITE_FORBIDDEN');
    await gramjsSend(carol, 'admins may speak');
    await inbox.bob.waitFor(mtcuteGot('admins may speak'), 'Bob still receives');
    await call(alice, new Api.messages.EditChatDefaultBannedRights({ peer: chatPeerG(), bannedRights: new Api.ChatBannedRights({ untilDate: 0 }) }));
    await mtcuteSend(bob, 'unmuted');
    await inbox.carol.waitFor(gramjsGot('unmuted'), 'Carol gets Bob\'s message again');
  });

  test('pins: a member pins for everyone with a service message; with pin_messages banned only admins may', async () => {
    await gramjsSend(carol, 'pin me');
    const bobCopy = (await inbox.bob.waitFor(mtcuteGot('pin me'), 'Bob gets the message')).message.id;
    const aliceGot = await inbox.alice.waitFor(gramjsGot('pin me'), 'Alice gets the message');
    const aliceCopy = aliceGot.id ?? aliceGot.message.id;

    // Bob, a plain member, may pin by default; the chat shows it to everyone.
    const res: any = await bob.client.call({ _: 'messages.updatePinnedMessage', peer: chatPeerM(), id: bobCopy } as any);
    assert.ok(res.updates.some((u: any) => u._ === 'updatePinnedMessages' && u.pinned && u.messages[0] === bobCopy), 'Bob\'s answer has the pin');
    const own = res.updates.find((u: any) => u._ === 'updateNewMessage');
    assert.equal(own?.message.action._, 'messageActionPinMessage');
    assert.equal(own.message.replyTo.replyToMsgId, bobCopy);
    const pinAtAlice = await inbox.alice.waitFor((u) => u instanceof Api.UpdatePinnedMessages && u.pinned === true, 'Alice sees the pin');
    assert.deepEqual(pinAtAlice.messages, [aliceCopy]);
    assert.ok(pinAtAlice.peer instanceof Api.PeerChat && big(pinAtAlice.peer.chatId) === chatId);
    const serviceAtAlice = await inbox.alice.waitFor(gramjsAction(Api.MessageActionPinMessage), 'Alice gets the pin service message');
    assert.equal(serviceAtAlice.message.replyTo.replyToMsgId, aliceCopy);
    assert.equal(big(serviceAtAlice.message.fromId.userId), ids.bob);
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionPinMessage), 'Carol gets the pin service message');

    // The creator bans pinning for members: Bob gets Telegram's CHAT_ADMIN_REQUIRED; Carol, an admin, still unpins.
    await call(alice, new Api.messages.EditChatDefaultBannedRights({ peer: chatPeerG(), bannedRights: new Api.ChatBannedRights({ pinMessages: true, untilDate: 0 }) }));
    await rejectsWith(bob.client.call({ _: 'messages.updatePinnedMessage', peer: chatPeerM(), id: bobCopy, unpin: true } as any), 'CHAT_ADMIN_REQUIRED');
    await rejectsWith(bob.client.call({ _: 'messages.unpinAllMessages', peer: chatPeerM() } as any), 'CHAT_ADMIN_REQUIRED');
    const carolCopy = (await inbox.carol.waitFor((u) => u instanceof Api.UpdatePinnedMessages && u.pinned === true, 'Carol sees the pin')).messages[0];
    await call(carol, new Api.messages.UpdatePinnedMessage({ peer: chatPeerG(), id: carolCopy, unpin: true }));
    await inbox.bob.waitFor((u) => u._ === 'updatePinnedMessages' && !u.pinned && u.messages[0] === bobCopy, 'Bob sees the unpin');
    await call(alice, new Api.messages.EditChatDefaultBannedRights({ peer: chatPeerG(), bannedRights: new Api.ChatBannedRights({ untilDate: 0 }) }));
  });

  test('invite link: exported on the server\'s host, previewed, imported (layer 227 result); everyone sees the join', async () => {
    const invite = await call<Api.ChatInviteExported>(alice, new Api.messages.ExportChatInvite({ peer: chatPeerG() }));
    assert.ok(invite instanceof Api.ChatInviteExported);
    assert.ok(invite.link.startsWith(`https://${target.host}/+`), invite.link);
    assert.equal(invite.permanent, true);
    const hash = invite.link.split('/+')[1]!;
    await rejectsWith(mtcuteSend(dave, 'not yet'), 'PEER_ID_INVALID');

    const preview: any = await dave.client.call({ _: 'messages.checkChatInvite', hash } as any);
    assert.equal(preview._, 'chatInvite');
    assert.equal(preview.title, 'Project X');
    assert.equal(preview.participantsCount, 3);
    const already = await call<Api.TypeChatInvite>(carol, new Api.messages.CheckChatInvite({ hash }));
    assert.ok(already instanceof Api.ChatInviteAlready);
    await rejectsWith(dave.client.call({ _: 'messages.checkChatInvite', hash: 'nosuchhash' } as any), 'INVITE_HASH_INVALID');

    const joined: any = await dave.client.call({ _: 'messages.importChatInvite', hash } as any);
    assert.equal(joined._, 'messages.chatInviteJoinResultOk');
    assert.equal(joined.updates.updates.find((u: any) => u._ === 'updateNewMessage').message.action._, 'messageActionChatJoinedByLink');
    await inbox.alice.waitFor(gramjsAction(Api.MessageActionChatJoinedByLink, (a) => big(a.inviterId) === ids.alice), 'Alice sees Dave join');
    await inbox.bob.waitFor(mtcuteAction('messageActionChatJoinedByLink'), 'Bob sees Dave join');
    await rejectsWith(dave.client.call({ _: 'messages.importChatInvite', hash } as any), 'USER_ALREADY_PARTICIPANT');
    await mtcuteSend(dave, 'dave joined');
    await inbox.carol.waitFor(gramjsGot('dave joined'), 'Carol gets Dave\'s message');
  });

  test('kick: the kicked member gets the service message and chatForbidden, then CHAT_WRITE_FORBIDDEN', async () => {
    // Anyone may leave; someone who left comes back by adding themselves, as basic groups allow.
    const left: any = await bob.client.call({ _: 'messages.deleteChatUser', chatId: Number(chatId), userId: { _: 'inputUserSelf' } } as any);
    assert.equal(left._, 'updates');
    assert.equal(left.chats[0].left, true);
    await inbox.alice.waitFor(gramjsAction(Api.MessageActionChatDeleteUser, (a) => big(a.userId) === ids.bob), 'Alice sees Bob leave');
    await rejectsWith(mtcuteSend(bob, 'gone'), 'CHAT_WRITE_FORBIDDEN');
    const back: any = await bob.client.call({ _: 'messages.addChatUser', chatId: Number(chatId), userId: { _: 'inputUserSelf' }, fwdLimit: 0 } as any);
    assert.equal(back._, 'messages.invitedUsers');
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionChatAddUser, (a) => a.users.some((u: any) => big(u) === ids.bob)), 'Carol sees Bob come back');

    const kicked = inbox.carol.waitFor(gramjsAction(Api.MessageActionChatDeleteUser, (a) => big(a.userId) === ids.carol), 'Carol sees her removal');
    const res = await call<Api.Updates>(alice, new Api.messages.DeleteChatUser({ chatId: bigInt(chatId.toString()), userId: inputUser.carol! }));
    assert.ok(res.updates.some((u) => u instanceof Api.UpdateNewMessage));
    await kicked;
    await inbox.bob.waitFor(mtcuteAction('messageActionChatDeleteUser', (a) => BigInt(a.userId) === ids.carol), 'Bob sees Carol removed');
    await rejectsWith(gramjsSend(carol, 'let me in'), 'CHAT_WRITE_FORBIDDEN');
    const chats = await call<Api.messages.Chats>(carol, new Api.messages.GetChats({ id: [bigInt(chatId.toString())] }));
    assert.ok(chats.chats[0] instanceof Api.ChatForbidden, `Carol sees ${chats.chats[0]?.className}`);
    const full = await call<Api.messages.ChatFull>(carol, new Api.messages.GetFullChat({ chatId: bigInt(chatId.toString()) }));
    assert.ok((full.fullChat as Api.ChatFull).participants instanceof Api.ChatParticipantsForbidden);
    // Her history up to the kick stays readable.
    assert.ok((await gramjsHistory(carol)).some((m) => m.message === 'hello team'));
    await gramjsSend(alice, 'after carol');
    await inbox.bob.waitFor(mtcuteGot('after carol'), 'Bob gets the next message');
    assert.ok(!(await gramjsHistory(carol)).some((m) => m.message === 'after carol'));
  });

  test('addChatUser brings Carol back (messages.invitedUsers on layer 198); rights and duplicates are checked', async () => {
    await rejectsWith(call(alice, new Api.messages.AddChatUser({ chatId: bigInt(chatId.toString()), userId: inputUser.bob!, fwdLimit: 0 })), 'USER_ALREADY_PARTICIPANT');
    const res = await call<Api.messages.InvitedUsers>(alice, new Api.messages.AddChatUser({ chatId: bigInt(chatId.toString()), userId: inputUser.carol!, fwdLimit: 10 }));
    assert.ok(res instanceof Api.messages.InvitedUsers);
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionChatAddUser, (a) => a.users.some((u: any) => big(u) === ids.carol)), 'Carol is told she was added');
    await inbox.dave.waitFor(mtcuteAction('messageActionChatAddUser'), 'Dave sees Carol added');
    // fwd_limit: the messages she missed are in her history now.
    assert.ok((await gramjsHistory(carol)).some((m) => m.message === 'after carol'));
    await gramjsSend(carol, 'back again');
    await inbox.bob.waitFor(mtcuteGot('back again'), 'Bob gets Carol\'s message');
  });

  test('delete with revoke: the author revokes for everyone; a member cannot revoke another\'s message', async () => {
    const sent = await gramjsSend(alice, 'to be revoked');
    const bobCopy = await inbox.bob.waitFor(mtcuteGot('to be revoked'), 'Bob gets it');
    // Bob "revokes" Alice's message: only his copy goes.
    await callAffecting(bob.client, { _: 'messages.deleteMessages', id: [bobCopy.message.id], revoke: true });
    assert.ok((await gramjsHistory(alice)).some((m) => m.message === 'to be revoked'));
    const gone = inbox.carol.waitFor((u) => u instanceof Api.UpdateDeleteMessages, 'Carol\'s copy is deleted');
    await call(alice, new Api.messages.DeleteMessages({ id: [sent.id], revoke: true }));
    await gone;
    assert.ok(!(await gramjsHistory(carol)).some((m) => m.message === 'to be revoked'));
  });

  test('a kicked member may rejoin through the link; GramJS (layer 198) gets plain Updates from importChatInvite', async () => {
    await call(alice, new Api.messages.DeleteChatUser({ chatId: bigInt(chatId.toString()), userId: inputUser.carol! }));
    await inbox.carol.waitFor(gramjsAction(Api.MessageActionChatDeleteUser, (a) => big(a.userId) === ids.carol && a !== undefined), 'Carol is removed again');
    const invite = await call<Api.ChatInviteExported>(alice, new Api.messages.ExportChatInvite({ peer: chatPeerG() }));
    const hash = invite.link.split('/+')[1]!;
    const res = await call<Api.TypeUpdates>(carol, new Api.messages.ImportChatInvite({ hash }));
    assert.ok(res instanceof Api.Updates, `importChatInvite answered ${res.className}`);
    assert.ok(res.updates.some((u) => u instanceof Api.UpdateNewMessage && u.message instanceof Api.MessageService && u.message.action instanceof Api.MessageActionChatJoinedByLink));
    assert.ok(res.chats[0] instanceof Api.Chat);
    await gramjsSend(carol, 'rejoined');
    await inbox.dave.waitFor(mtcuteGot('rejoined'), 'Dave gets Carol\'s message');
  });

  test('bad input is refused with Telegram\'s errors', async () => {
    const cid = bigInt(chatId.toString());
    await rejectsWith(call(carol, new Api.messages.GetFullChat({ chatId: bigInt(999999) })), 'CHAT_ID_INVALID');
    await rejectsWith(call(alice, new Api.messages.SendMessage({ peer: new Api.InputPeerChat({ chatId: bigInt(999999) }), message: 'x', randomId: bigInt(1) })), 'PEER_ID_INVALID');
    await rejectsWith(call(alice, new Api.messages.CreateChat({ users: [inputUser.bob!], title: '' })), 'CHAT_TITLE_EMPTY');
    await rejectsWith(call(alice, new Api.messages.DeleteChatUser({ chatId: cid, userId: new Api.InputUser({ userId: bigInt(123456), accessHash: bigInt(1) }) })), 'USER_ID_INVALID');
    // Access hashes are per viewer: Alice's hash for Bob means nothing coming from Carol.
    await rejectsWith(call(carol, new Api.messages.DeleteChatUser({ chatId: cid, userId: inputUser.bob! })), 'USER_ID_INVALID');
    await rejectsWith(mtcuteSend(bob, ''), 'MESSAGE_EMPTY');
    await rejectsWith(dave.client.call({ _: 'messages.editChatAdmin', chatId: Number(chatId), userId: { _: 'inputUserSelf' }, isAdmin: true } as any), 'CHAT_ADMIN_REQUIRED');
    await rejectsWith(call(alice, new Api.messages.ExportChatInvite({ peer: new Api.InputPeerSelf() })), 'PEER_ID_INVALID');
  });

  test('no update failed to encode for a client layer and no bus handler failed', () => {
    const bad = (l: { msg?: unknown }) => l.msg === 'update cannot be encoded for this layer' || l.msg === 'bus handler failed';
    for (const logs of [...echod.previousLogs, echod.logs]) assert.deepEqual(logs.filter(bad), []);
  });
});
