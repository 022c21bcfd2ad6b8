// Messaging extras end to end (issue 4, with issue 3's leftovers): a GramJS user (layer 198, two devices)
// and an mtcute user (layer 227) search their chats, pin messages, sync drafts, arrange dialogs (pin,
// reorder, unread mark, archive), mute a chat, ask when a message was read; a sign-in on a second device
// gets its code in the app from 777000, and a contact who signs up later shows up with Telegram's notice.
// The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { Raw } from 'telegram/events/index.js';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, connectGramjs, createGramjsClient, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, callAffecting, type MtcuteHandle } from '../support/mtcute.js';
import { FIXED_CODE, testPhone } from '../support/accounts.js';

const TIMEOUT = 120_000;
const ALICE_PHONE = testPhone(410001);
const BOB_PHONE = testPhone(410002);
const CAROL_PHONE = testPhone(410003);
const SERVICE_ID = 777000n;

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());

let echod: EchodProcess;
let target: EchoTarget;
let alice: GramjsHandle;
let alice2: GramjsHandle;
let bob: MtcuteHandle;
let aliceId: bigint;
let bobId: bigint;
const aliceInbox = new Inbox();
const alice2Inbox = new Inbox();
const bobInbox = new Inbox();
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
let world: E2eWorld;

const call = <R>(req: Api.AnyRequest, h: GramjsHandle = alice) => h.client.invoke(req) as Promise<R>;
const bobCall = (req: any): Promise<any> => bob.client.call(req);

async function aliceSends(message: string): Promise<Api.UpdateShortSentMessage> {
  const res = await call<Api.TypeUpdates>(new Api.messages.SendMessage({ peer: bobForAlice, message, randomId: randomLong() }));
  assert.ok(res instanceof Api.UpdateShortSentMessage);
  return res;
}

async function bobSends(message: string): Promise<number> {
  const res = await bobCall({ _: 'messages.sendMessage', peer: aliceForBob, message, randomId: Long.fromString(randomBytes(8).readBigInt64LE().toString()) });
  return res.id;
}

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const a = await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice' });
  alice = a.handle;
  aliceId = a.userId;
  const b = await world.signUpMtcute({ phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  bobId = b.userId;
  watchGramjs(alice, aliceInbox);
  watchMtcute(bob, bobInbox);
  await startUpdates(bob);
  // Alice's phone book has Bob and Carol (who has no account yet); Bob's has Alice.
  const imported = await call<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({
      contacts: [
        new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BOB_PHONE}`, firstName: 'Bob', lastName: '' }),
        new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${CAROL_PHONE}`, firstName: 'Carol', lastName: '' }),
      ],
    }),
  );
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back = await bobCall({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${ALICE_PHONE}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(() => world?.close());

describe('messaging extras between GramJS and mtcute', { timeout: TIMEOUT }, () => {
  test('a second device gets its code in the app (sentCodeTypeApp): a message from 777000 on the online device', async () => {
    alice2 = createGramjsClient(target);
    world.defer(() => alice2.close());
    await connectGramjs(alice2);
    const sent = await call<Api.auth.SentCode>(new Api.auth.SendCode({ phoneNumber: ALICE_PHONE, apiId: alice2.client.apiId, apiHash: alice2.client.apiHash, settings: new Api.CodeSettings({}) }), alice2);
    assert.ok(sent.type instanceof Api.auth.SentCodeTypeApp, `expected sentCodeTypeApp, got ${sent.type.className}`);
    assert.ok(sent.nextType instanceof Api.auth.CodeTypeSms);
    const u = await aliceInbox.waitFor((x) => x instanceof Api.UpdateNewMessage && x.message instanceof Api.Message && big((x.message.peerId as Api.PeerUser).userId) === SERVICE_ID, 'the code from 777000');
    const m = u.message as Api.Message;
    assert.match(m.message, new RegExp(`^Login code: ${FIXED_CODE}\\.`));
    assert.equal(m.out, false);
    const auth = await call<Api.auth.Authorization>(new Api.auth.SignIn({ phoneNumber: ALICE_PHONE, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE }), alice2);
    assert.equal(big(auth.user.id), aliceId);
    watchGramjs(alice2, alice2Inbox);
    // A request makes the new device the live one of its key, so pushes reach it.
    await call(new Api.updates.GetState(), alice2);
    // resendCode goes through the configured sender ("SMS").
    const other = createGramjsClient(target);
    world.defer(() => other.close());
    await connectGramjs(other);
    const first = await call<Api.auth.SentCode>(new Api.auth.SendCode({ phoneNumber: ALICE_PHONE, apiId: other.client.apiId, apiHash: other.client.apiHash, settings: new Api.CodeSettings({}) }), other);
    const again = await call<Api.auth.SentCode>(new Api.auth.ResendCode({ phoneNumber: ALICE_PHONE, phoneCodeHash: first.phoneCodeHash }), other);
    assert.ok(again.type instanceof Api.auth.SentCodeTypeSms);
    await other.close();
  });

  test('messages.search in a chat and messages.searchGlobal, on both clients', async () => {
    await aliceSends('Квартальный ОТЧЁТ готов');
    await aliceSends('lunch?');
    await bobSends('the отчёт looks fine');
    const found = await call<Api.messages.Messages>(
      new Api.messages.Search({ peer: bobForAlice, q: 'отчёт', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }),
    );
    assert.deepEqual(found.messages.map((m) => (m as Api.Message).message), ['the отчёт looks fine', 'Квартальный ОТЧЁТ готов']);
    const fromBob = await call<Api.messages.Messages>(
      new Api.messages.Search({ peer: bobForAlice, q: 'ОТЧЁТ', fromId: new Api.InputPeerUser({ userId: bobForAlice.userId, accessHash: bobForAlice.accessHash }), filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }),
    );
    assert.deepEqual(fromBob.messages.map((m) => (m as Api.Message).message), ['the отчёт looks fine']);
    const bobFound = await bobCall({ _: 'messages.search', peer: aliceForBob, q: 'квартальный', filter: { _: 'inputMessagesFilterEmpty' }, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
    assert.deepEqual(bobFound.messages.map((m: any) => m.message), ['Квартальный ОТЧЁТ готов']);
    const global = await call<Api.messages.TypeMessages>(
      new Api.messages.SearchGlobal({ q: 'отчёт', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 1 }),
    );
    assert.ok(global instanceof Api.messages.MessagesSlice);
    assert.equal(global.count, 2);
    assert.ok(global.nextRate);
    assert.ok(global.users.some((u) => big(u.id) === bobId));
    const rest = await call<Api.messages.Messages>(
      new Api.messages.SearchGlobal({ q: 'отчёт', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetRate: global.nextRate!, offsetPeer: bobForAlice, offsetId: global.messages[0]!.id, limit: 10 }),
    );
    assert.deepEqual(rest.messages.map((m) => (m as Api.Message).message), ['Квартальный ОТЧЁТ готов']);
    await rejectsWith(call(new Api.messages.SearchGlobal({ q: '', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 10 })), 'SEARCH_QUERY_EMPTY');
  });

  test('pin and unpin: the other side gets updatePinnedMessages with its own id and the pin service message', async () => {
    const sent = await aliceSends('pin this one');
    const bobCopy = (await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'pin this one', 'Bob gets the message')).message.id;
    const res = await call<Api.Updates>(new Api.messages.UpdatePinnedMessage({ peer: bobForAlice, id: sent.id }));
    assert.ok(res.updates.some((u) => u instanceof Api.UpdatePinnedMessages && u.pinned === true && u.messages[0] === sent.id));
    const pinned = await bobInbox.waitFor((u) => u._ === 'updatePinnedMessages' && u.pinned, 'Bob sees the pin');
    assert.deepEqual(pinned.messages, [bobCopy]);
    const service = await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message._ === 'messageService', 'Bob gets the service message');
    assert.equal(service.message.action._, 'messageActionPinMessage');
    assert.equal(service.message.replyTo.replyToMsgId, bobCopy);
    const full = await bobCall({ _: 'users.getFullUser', id: { _: 'inputUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash } });
    assert.equal(full.fullUser.pinnedMsgId, bobCopy);
    const [mine] = (await call<Api.messages.Messages>(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: sent.id })] }))).messages as Api.Message[];
    assert.equal(mine!.pinned, true);

    await call(new Api.messages.UpdatePinnedMessage({ peer: bobForAlice, id: sent.id, unpin: true }));
    await bobInbox.waitFor((u) => u._ === 'updatePinnedMessages' && !u.pinned && u.messages[0] === bobCopy, 'Bob sees the unpin');
    // Bob pins two of his copies, Alice clears every pin of the chat.
    await bobCall({ _: 'messages.updatePinnedMessage', peer: aliceForBob, id: bobCopy, silent: true });
    await aliceInbox.waitFor((u) => u instanceof Api.UpdatePinnedMessages && u.pinned === true && u.messages[0] === sent.id, 'Alice sees Bob\'s pin');
    const affected = await call<Api.messages.AffectedHistory>(new Api.messages.UnpinAllMessages({ peer: bobForAlice }));
    assert.equal(affected.ptsCount, 1);
    await bobInbox.waitFor((u) => u._ === 'updatePinnedMessages' && !u.pinned && u.messages.includes(bobCopy) && u.pts > pinned.pts + 2, 'Bob sees unpin-all');
    const after = await bobCall({ _: 'users.getFullUser', id: { _: 'inputUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash } });
    assert.equal(after.fullUser.pinnedMsgId, undefined);
  });

  test('drafts reach the user\'s second device, show in its dialogs, and clear_draft clears them', async () => {
    assert.equal(await call(new Api.messages.SaveDraft({ peer: bobForAlice, message: 'half-written', noWebpage: true })), true);
    const u = await alice2Inbox.waitFor((x) => x instanceof Api.UpdateDraftMessage && x.draft instanceof Api.DraftMessage, 'device two gets the draft');
    assert.equal((u.draft as Api.DraftMessage).message, 'half-written');
    assert.equal(big((u.peer as Api.PeerUser).userId), bobId);
    const dialogs = await call<Api.messages.Dialogs>(new Api.messages.GetPeerDialogs({ peers: [new Api.InputDialogPeer({ peer: bobForAlice })] }), alice2);
    assert.equal(((dialogs.dialogs[0] as Api.Dialog).draft as Api.DraftMessage).message, 'half-written');
    const all = await call<Api.Updates>(new Api.messages.GetAllDrafts(), alice2);
    assert.equal(all.updates.length, 1);
    await call(new Api.messages.SendMessage({ peer: bobForAlice, message: 'done writing', randomId: randomLong(), clearDraft: true }));
    await alice2Inbox.waitFor((x) => x instanceof Api.UpdateDraftMessage && x.draft instanceof Api.DraftMessageEmpty, 'device two sees the draft cleared');
    const again = await call<Api.Updates>(new Api.messages.GetAllDrafts(), alice2);
    assert.equal(again.updates.length, 0);
  });

  test('dialogs: pin, reorder, mark unread and archive, seen from the other device', async () => {
    const peerOf = (d: any) => big(d.peer.userId);
    assert.equal(await call(new Api.messages.ToggleDialogPin({ peer: new Api.InputDialogPeer({ peer: bobForAlice }), pinned: true })), true);
    await alice2Inbox.waitFor((x) => x instanceof Api.UpdateDialogPinned && x.pinned === true, 'device two sees the pin');
    const service = new Api.InputPeerUser({ userId: bigInt(777000), accessHash: ((await call<Api.messages.Dialogs>(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }))).users.find((x) => big(x.id) === SERVICE_ID) as Api.User).accessHash! });
    await call(new Api.messages.ToggleDialogPin({ peer: new Api.InputDialogPeer({ peer: service }), pinned: true }));
    let pinned = await call<Api.messages.PeerDialogs>(new Api.messages.GetPinnedDialogs({ folderId: 0 }), alice2);
    assert.deepEqual(pinned.dialogs.map(peerOf), [SERVICE_ID, bobId]);
    await call(new Api.messages.ReorderPinnedDialogs({ folderId: 0, order: [new Api.InputDialogPeer({ peer: bobForAlice }), new Api.InputDialogPeer({ peer: service })] }));
    const order = await alice2Inbox.waitFor((x) => x instanceof Api.UpdatePinnedDialogs, 'device two gets the order');
    assert.deepEqual(order.order.map((d: any) => big(d.peer.userId)), [bobId, SERVICE_ID]);
    pinned = await call<Api.messages.PeerDialogs>(new Api.messages.GetPinnedDialogs({ folderId: 0 }));
    assert.deepEqual(pinned.dialogs.map(peerOf), [bobId, SERVICE_ID]);

    // mtcute (layer 227) pins too.
    assert.equal(await bobCall({ _: 'messages.toggleDialogPin', pinned: true, peer: { _: 'inputDialogPeer', peer: aliceForBob } }), true);
    const bobPinned = await bobCall({ _: 'messages.getPinnedDialogs', folderId: 0 });
    assert.equal(bobPinned.dialogs.length, 1);

    await call(new Api.messages.MarkDialogUnread({ peer: new Api.InputDialogPeer({ peer: bobForAlice }), unread: true }));
    await alice2Inbox.waitFor((x) => x instanceof Api.UpdateDialogUnreadMark && x.unread === true, 'device two sees the unread mark');
    const marks = await call<Api.TypeDialogPeer[]>(new Api.messages.GetDialogUnreadMarks());
    assert.deepEqual(marks.map((d: any) => big(d.peer.userId)), [bobId]);

    const moved = await call<Api.Updates>(new Api.folders.EditPeerFolders({ folderPeers: [new Api.InputFolderPeer({ peer: service, folderId: 1 })] }));
    assert.ok(moved.updates[0] instanceof Api.UpdateFolderPeers);
    await alice2Inbox.waitFor((x) => x instanceof Api.UpdateFolderPeers, 'device two sees the archive move');
    const archived = await call<Api.messages.Dialogs>(new Api.messages.GetDialogs({ folderId: 1, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }), alice2);
    assert.deepEqual(archived.dialogs.map(peerOf), [SERVICE_ID]);
    assert.equal((archived.dialogs[0] as Api.Dialog).folderId, 1);
    const main = await call<Api.messages.Dialogs>(new Api.messages.GetDialogs({ folderId: 0, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }));
    assert.ok(!main.dialogs.map(peerOf).includes(SERVICE_ID));
    const withBob = main.dialogs.find((d) => peerOf(d) === bobId) as Api.Dialog;
    assert.equal(withBob.pinned, true);
    assert.equal(withBob.unreadMark, true);
    await rejectsWith(call(new Api.folders.EditPeerFolders({ folderPeers: [new Api.InputFolderPeer({ peer: service, folderId: 5 })] })), 'FOLDER_ID_INVALID');
  });

  test('mute through notify settings: stored, pushed to the other device, carried by dialogs and userFull', async () => {
    const forever = 2147483647;
    assert.equal(await call(new Api.account.UpdateNotifySettings({ peer: new Api.InputNotifyPeer({ peer: bobForAlice }), settings: new Api.InputPeerNotifySettings({ muteUntil: forever, showPreviews: false }) })), true);
    const u = await alice2Inbox.waitFor((x) => x instanceof Api.UpdateNotifySettings, 'device two sees the mute');
    assert.equal((u.notifySettings as Api.PeerNotifySettings).muteUntil, forever);
    const got = await call<Api.PeerNotifySettings>(new Api.account.GetNotifySettings({ peer: new Api.InputNotifyPeer({ peer: bobForAlice }) }), alice2);
    assert.equal(got.muteUntil, forever);
    assert.equal(got.showPreviews, false);
    const dialogs = await call<Api.messages.PeerDialogs>(new Api.messages.GetPeerDialogs({ peers: [new Api.InputDialogPeer({ peer: bobForAlice })] }));
    assert.equal(((dialogs.dialogs[0] as Api.Dialog).notifySettings as Api.PeerNotifySettings).muteUntil, forever);
    const full = await call<Api.users.UserFull>(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: bobForAlice.userId, accessHash: bobForAlice.accessHash }) }));
    assert.equal(full.fullUser.notifySettings.muteUntil, forever);
    // Bob's (mtcute) defaults are untouched; Alice resets hers.
    const bobDefaults = await bobCall({ _: 'account.getNotifySettings', peer: { _: 'inputNotifyUsers' } });
    assert.equal(bobDefaults.muteUntil, 0);
    assert.equal(await call(new Api.account.ResetNotifySettings()), true);
    const reset = await call<Api.PeerNotifySettings>(new Api.account.GetNotifySettings({ peer: new Api.InputNotifyPeer({ peer: bobForAlice }) }));
    assert.equal(reset.muteUntil ?? undefined, undefined, 'no mute left (GramJS reads an absent flag as null)');
  });

  test('getOutboxReadDate: not read yet, then the date Bob read it', async () => {
    const sent = await aliceSends('did you read this?');
    await rejectsWith(call(new Api.messages.GetOutboxReadDate({ peer: bobForAlice, msgId: sent.id })), 'MESSAGE_NOT_READ_YET');
    const bobCopy = (await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'did you read this?', 'Bob gets it')).message.id;
    await callAffecting(bob.client, { _: 'messages.readHistory', peer: aliceForBob, maxId: bobCopy });
    await aliceInbox.waitFor((u) => u instanceof Api.UpdateReadHistoryOutbox && u.maxId >= sent.id, 'Alice sees the read receipt');
    const read = await call<Api.OutboxReadDate>(new Api.messages.GetOutboxReadDate({ peer: bobForAlice, msgId: sent.id }));
    assert.ok(Math.abs(read.date - Math.floor(Date.now() / 1000)) < 60);
    await rejectsWith(call(new Api.messages.GetOutboxReadDate({ peer: bobForAlice, msgId: 99999 })), 'MESSAGE_ID_INVALID');
  });

  test('a contact from the phone book signs up: messageActionContactSignUp in the importer\'s chat; peer settings', async () => {
    const carol = await world.signUpGramjs({ phone: CAROL_PHONE, firstName: 'Carol' });
    const u = await aliceInbox.waitFor((x) => x instanceof Api.UpdateNewMessage && x.message instanceof Api.MessageService && x.message.action instanceof Api.MessageActionContactSignUp, 'Alice sees Carol join');
    const m = u.message as Api.MessageService;
    assert.equal(big((m.peerId as Api.PeerUser).userId), carol.userId);
    assert.equal(big((m.fromId as Api.PeerUser).userId), carol.userId);
    // Carol got a contact; Alice has her as a contact now, so no action bar on Alice's side.
    const carolUser = (await call<Api.messages.Dialogs>(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }))).users.find((x) => big(x.id) === carol.userId) as Api.User;
    const carolPeer = new Api.InputPeerUser({ userId: carolUser.id, accessHash: carolUser.accessHash! });
    const mine = await call<Api.messages.PeerSettings>(new Api.messages.GetPeerSettings({ peer: carolPeer }));
    assert.equal(mine.settings.addContact, false);
    // Alice writes first: Carol (not having Alice as a contact) sees the bar with report_spam.
    await call(new Api.messages.SendMessage({ peer: carolPeer, message: 'welcome!', randomId: randomLong() }));
    const carolDialogs = await call<Api.messages.Dialogs>(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }), carol.handle);
    const aliceUser = carolDialogs.users.find((x) => big(x.id) === aliceId) as Api.User;
    const theirs = await call<Api.messages.PeerSettings>(new Api.messages.GetPeerSettings({ peer: new Api.InputPeerUser({ userId: aliceUser.id, accessHash: aliceUser.accessHash! }) }), carol.handle);
    assert.equal(theirs.settings.addContact, true);
    assert.equal(theirs.settings.blockContact, true);
    assert.equal(theirs.settings.reportSpam, true);
    assert.ok(theirs.users.some((x) => big(x.id) === aliceId));
    assert.equal(await call(new Api.messages.HidePeerSettingsBar({ peer: new Api.InputPeerUser({ userId: aliceUser.id, accessHash: aliceUser.accessHash! }) }), carol.handle), true);
    const hidden = await call<Api.messages.PeerSettings>(new Api.messages.GetPeerSettings({ peer: new Api.InputPeerUser({ userId: aliceUser.id, accessHash: aliceUser.accessHash! }) }), carol.handle);
    assert.equal(hidden.settings.addContact, false);
  });

  test('bad input answers Telegram\'s errors', async () => {
    // Raw through mtcute: GramJS resolves every InputDialogPeer as an entity and cannot send the folder form.
    await rejectsWith(bobCall({ _: 'messages.toggleDialogPin', pinned: true, peer: { _: 'inputDialogPeerFolder', folderId: 1 } }), 'PEER_ID_INVALID');
    await rejectsWith(call(new Api.messages.GetPinnedDialogs({ folderId: 3 })), 'FOLDER_ID_INVALID');
    await rejectsWith(call(new Api.messages.UpdatePinnedMessage({ peer: bobForAlice, id: 424242 })), 'MESSAGE_ID_INVALID');
    await rejectsWith(call(new Api.messages.SaveDraft({ peer: bobForAlice, message: 'x'.repeat(4097) })), 'MESSAGE_TOO_LONG');
    await rejectsWith(call(new Api.messages.Search({ peer: new Api.InputPeerUser({ userId: bobForAlice.userId, accessHash: bigInt(1) }), q: 'x', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero })), 'PEER_ID_INVALID');
    await rejectsWith(call(new Api.account.UpdateNotifySettings({ peer: new Api.InputNotifyForumTopic({ peer: bobForAlice, topMsgId: 1 }), settings: new Api.InputPeerNotifySettings({}) })), 'PEER_ID_INVALID');
    await rejectsWith(call(new Api.account.UpdateNotifySettings({ peer: new Api.InputNotifyUsers(), settings: new Api.InputPeerNotifySettings({ muteUntil: -5 }) })), 'SETTINGS_INVALID');
    await rejectsWith(call(new Api.messages.GetOutboxReadDate({ peer: new Api.InputPeerSelf(), msgId: 1 })), 'PEER_ID_INVALID');
    await rejectsWith(call(new Api.messages.MarkDialogUnread({ peer: new Api.InputDialogPeer({ peer: new Api.InputPeerChat({ chatId: bigInt(987654) }) }), unread: true })), 'PEER_ID_INVALID');
  });

  test('no update failed to encode for a client layer and no bus handler failed', () => {
    const bad = (l: { msg?: unknown }) => l.msg === 'update cannot be encoded for this layer' || l.msg === 'bus handler failed';
    assert.deepEqual(echod.logs.filter(bad), []);
  });
});
