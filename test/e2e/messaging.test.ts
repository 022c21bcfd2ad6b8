// Private messaging end to end (issue 4): a GramJS user (layer 198) and an mtcute user (layer 227) chat and
// each test checks what the other client actually received: real-time pushes, replies with each side's
// ids, edits, deletes with revoke, forwards, read receipts, typing, random_id de-duplication, dialogs with
// unread counts, an offline device catching up through updates.getDifference slices, and a SIGKILL of the
// server right after an acknowledged send. The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, connectGramjs, createGramjsClient, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, callAffecting, createMtcuteClient, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 120_000;
const ALICE_PHONE = testPhone(400001);
const BOB_PHONE = testPhone(400002);
/** Messages sent while a device is offline: more than two difference slices of 100. */
const OFFLINE_MESSAGES = 210;

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();

let echod: EchodProcess;
let target: EchoTarget;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let aliceId: bigint;
let bobId: bigint;
let aliceInbox = new Inbox();
let bobInbox = new Inbox();
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
let world: E2eWorld;

const aliceCall = <R>(req: Api.AnyRequest, h: GramjsHandle = alice) => h.client.invoke(req) as Promise<R>;

async function aliceSends(message: string, extra: Partial<ConstructorParameters<typeof Api.messages.SendMessage>[0]> = {}): Promise<Api.UpdateShortSentMessage> {
  const res = await aliceCall<Api.TypeUpdates>(new Api.messages.SendMessage({ peer: bobForAlice, message, randomId: bigInt(randomLong().toString()), ...extra }));
  assert.ok(res instanceof Api.UpdateShortSentMessage, `sendMessage answered ${res.className}`);
  return res;
}

async function historyOf(h: GramjsHandle, peer: Api.TypeInputPeer, limit = 100): Promise<Api.Message[]> {
  const res = await aliceCall<Api.messages.TypeMessages>(new Api.messages.GetHistory({ peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit, maxId: 0, minId: 0, hash: bigInt.zero }), h);
  assert.ok(!(res instanceof Api.messages.MessagesNotModified));
  return res.messages as Api.Message[];
}

async function bobHistory(h: MtcuteHandle = bob, limit = 100): Promise<any[]> {
  const res: any = await h.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit, maxId: 0, minId: 0, hash: Long.ZERO });
  return res.messages;
}

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const a = await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 600 } });
  alice = a.handle;
  aliceId = a.userId;
  const b = await world.signUpMtcute({ phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  bobId = b.userId;
  watchGramjs(alice, aliceInbox);
  watchMtcute(bob, bobInbox);
  // mtcute's loop starts with updates.getState (+ getDifference); awaiting it means later pushes are applied, not
  // taken for old ones already covered by the state.
  await startUpdates(bob);

  // Each side learns the other's access_hash the ordinary way: importing the phone number.
  const imported = await aliceCall<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BOB_PHONE}`, firstName: 'Bob', lastName: '' })] }),
  );
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${ALICE_PHONE}`, firstName: 'Alice', lastName: '' }] });
  const aliceUser = back.users[0];
  aliceForBob = { _: 'inputPeerUser', userId: aliceUser.id, accessHash: aliceUser.accessHash };
});

after(() => world?.close());

// Ids of the conversation, each in its owner's box.
let aliceHello: number;
let bobHelloForBob: number;
let bobHelloForAlice: number;
let bobsCopyOfAliceHello: number;
let aliceReply: number;

describe('private messaging', { timeout: TIMEOUT }, () => {
  test('GramJS -> mtcute: the sender gets updateShortSentMessage, the recipient the message in real time', async () => {
    const arrived = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'hello bob', 'Bob gets hello bob');
    const sent = await aliceSends('hello bob');
    assert.equal(sent.out, true);
    assert.equal(sent.ptsCount, 1);
    aliceHello = sent.id;
    const u = await arrived;
    assert.ok(!u.message.out);
    assert.equal(BigInt(u.message.peerId.userId), aliceId);
    bobsCopyOfAliceHello = u.message.id;
  });

  test('mtcute -> GramJS: GramJS receives updateShortMessage with its own message id', async () => {
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'hello alice', 'Alice gets hello alice');
    const sent = await bob.client.sendText(aliceForBob, 'hello alice');
    bobHelloForBob = sent.id;
    assert.equal(sent.isOutgoing, true);
    const u = (await arrived) as Api.UpdateShortMessage;
    assert.equal(big(u.userId), bobId);
    assert.ok(!u.out);
    bobHelloForAlice = u.id;
    // Each box numbers its own messages: Alice has 1 (hers) and 2 (Bob's); Bob has 1 (Alice's) and 2 (his).
    assert.deepEqual([aliceHello, bobHelloForAlice, bobsCopyOfAliceHello, bobHelloForBob], [1, 2, 1, 2]);
  });

  test('a reply points at the replied message with each side\'s own id', async () => {
    const arrived = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'a reply', 'Bob gets the reply');
    const sent = await aliceSends('a reply', { replyTo: new Api.InputReplyToMessage({ replyToMsgId: bobHelloForAlice }) });
    aliceReply = sent.id;
    const u = await arrived;
    assert.equal(u.message.replyTo.replyToMsgId, bobHelloForBob);
    const [mine] = await historyOf(alice, bobForAlice, 1);
    assert.equal((mine!.replyTo as Api.MessageReplyHeader).replyToMsgId, bobHelloForAlice);
  });

  test('an edit reaches the other side with its id; editing another\'s message or changing nothing fails', async () => {
    const arrived = bobInbox.waitFor((u) => u._ === 'updateEditMessage' && u.message.message === 'hello bob (edited)', 'Bob gets the edit');
    const res = await aliceCall<Api.Updates>(new Api.messages.EditMessage({ peer: bobForAlice, id: aliceHello, message: 'hello bob (edited)' }));
    assert.ok(res.updates.some((x) => x instanceof Api.UpdateEditMessage && (x.message as Api.Message).id === aliceHello));
    const u = await arrived;
    assert.equal(u.message.id, bobsCopyOfAliceHello);
    assert.ok(u.message.editDate > 0);
    await assert.rejects(aliceCall(new Api.messages.EditMessage({ peer: bobForAlice, id: bobHelloForAlice, message: 'not mine' })), (e: any) => e.errorMessage === 'MESSAGE_AUTHOR_REQUIRED');
    await assert.rejects(aliceCall(new Api.messages.EditMessage({ peer: bobForAlice, id: aliceHello, message: 'hello bob (edited)' })), (e: any) => e.errorMessage === 'MESSAGE_NOT_MODIFIED');
    await assert.rejects(aliceCall(new Api.messages.EditMessage({ peer: bobForAlice, id: 9999, message: 'x' })), (e: any) => e.errorMessage === 'MESSAGE_ID_INVALID');
  });

  test('delete with revoke removes the other side\'s copy, which receives updateDeleteMessages', async () => {
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateDeleteMessages && u.messages.includes(bobHelloForAlice), 'Alice gets the deletion');
    const res = await callAffecting(bob.client, { _: 'messages.deleteMessages', id: [bobHelloForBob], revoke: true });
    assert.equal(res._, 'messages.affectedMessages');
    assert.equal(res.ptsCount, 1);
    await arrived;
    const ids = (await historyOf(alice, bobForAlice)).map((m) => m.id);
    assert.ok(!ids.includes(bobHelloForAlice));
    assert.ok(ids.includes(aliceHello));
    assert.ok(!(await bobHistory()).some((m) => m.id === bobHelloForBob));
  });

  test('a forward carries the original author and date to the other side', async () => {
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateNewMessage && (u.message as Api.Message).message === 'hello bob (edited)' && (u.message as Api.Message).fwdFrom !== undefined, 'Alice gets the forward');
    const res: any = await bob.client.call({ _: 'messages.forwardMessages', fromPeer: aliceForBob, id: [bobsCopyOfAliceHello], randomId: [Long.fromString(randomLong().toString())], toPeer: aliceForBob });
    assert.equal(res._, 'updates');
    assert.ok(res.updates.some((x: any) => x._ === 'updateMessageID'));
    const fwd = res.updates.find((x: any) => x._ === 'updateNewMessage').message;
    assert.equal(BigInt(fwd.fwdFrom.fromId.userId), aliceId);
    const u = (await arrived) as Api.UpdateNewMessage;
    const m = u.message as Api.Message;
    assert.equal(big((m.fwdFrom!.fromId as Api.PeerUser).userId), aliceId);
    assert.ok(m.fwdFrom!.date > 0);
    assert.equal(big((m.peerId as Api.PeerUser).userId), bobId);
  });

  test('read receipts: the sender receives updateReadHistoryOutbox with its own message id', async () => {
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateReadHistoryOutbox && u.maxId === aliceReply, 'Alice gets the read receipt');
    const res = await callAffecting(bob.client, { _: 'messages.readHistory', peer: aliceForBob, maxId: 0 });
    assert.equal(res._, 'messages.affectedMessages');
    assert.equal(res.ptsCount, 1);
    const u = (await arrived) as Api.UpdateReadHistoryOutbox;
    assert.equal(big((u.peer as Api.PeerUser).userId), bobId);
  });

  test('typing reaches the other side as updateUserTyping', async () => {
    const arrived = bobInbox.waitFor((u) => u._ === 'updateUserTyping' && BigInt(u.userId) === aliceId, 'Bob sees Alice typing');
    const ok = await aliceCall<boolean>(new Api.messages.SetTyping({ peer: bobForAlice, action: new Api.SendMessageTypingAction() }));
    assert.equal(ok, true);
    const u = await arrived;
    assert.equal(u.action._, 'sendMessageTypingAction');
  });

  test('the same random_id sent twice returns the same message and stores one', async () => {
    const randomId = bigInt(randomLong().toString());
    const first = await aliceSends('only once', { randomId });
    const second = await aliceSends('only once', { randomId });
    assert.equal(second.id, first.id);
    assert.equal(second.pts, first.pts);
    assert.equal(second.date, first.date);
    assert.equal((await historyOf(alice, bobForAlice)).filter((m) => m.message === 'only once').length, 1);
    await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'only once', 'Bob gets it');
    assert.equal((await bobHistory()).filter((m) => m.message === 'only once').length, 1);
  });

  test('getDialogs shows the conversation on both sides with the right unread counts', async () => {
    await aliceSends('unread 1');
    const last = await aliceSends('unread 2');
    await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'unread 2', 'Bob gets unread 2');
    const bobDialogs: any = await bob.client.call({ _: 'messages.getDialogs', offsetDate: 0, offsetId: 0, offsetPeer: { _: 'inputPeerEmpty' }, limit: 20, hash: Long.ZERO });
    assert.equal(bobDialogs._, 'messages.dialogs');
    const withAlice = bobDialogs.dialogs.find((d: any) => BigInt(d.peer.userId) === aliceId);
    // Bob read everything before "only once", "unread 1" and "unread 2".
    assert.equal(withAlice.unreadCount, 3);
    const top = bobDialogs.messages.find((m: any) => m.id === withAlice.topMessage);
    assert.equal(top.message, 'unread 2');
    assert.ok(bobDialogs.users.some((u: any) => BigInt(u.id) === aliceId));

    const aliceDialogs = await aliceCall<Api.messages.Dialogs>(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt.zero }));
    const withBob = aliceDialogs.dialogs.find((d) => big((d.peer as Api.PeerUser).userId) === bobId) as Api.Dialog;
    assert.equal(withBob.topMessage, last.id);
    // The forward from Bob is the one unread incoming message; Bob's read reached Alice's outbox.
    assert.equal(withBob.unreadCount, 1);
    assert.equal(withBob.readOutboxMaxId, aliceReply);

    const state = await aliceCall<Api.updates.State>(new Api.updates.GetState());
    assert.equal(state.unreadCount, 1);
    const bobState: any = await bob.client.call({ _: 'updates.getState' });
    assert.equal(bobState.unreadCount, 3);
  });

  test('bad input is refused with Telegram\'s errors and stores nothing', async () => {
    const rejectsWith = (p: Promise<unknown>, message: string) => assert.rejects(p, (e: any) => (e.errorMessage ?? e.text) === message, message);
    const send = (fields: Partial<ConstructorParameters<typeof Api.messages.SendMessage>[0]>) =>
      aliceCall(new Api.messages.SendMessage({ peer: bobForAlice, message: 'x', randomId: bigInt(randomLong().toString()), ...fields }));
    const before = await aliceCall<Api.updates.State>(new Api.updates.GetState());
    const wrongHash = new Api.InputPeerUser({ userId: bobForAlice.userId, accessHash: bobForAlice.accessHash.add(1) });
    await rejectsWith(send({ peer: wrongHash }), 'PEER_ID_INVALID');
    await rejectsWith(send({ peer: new Api.InputPeerUser({ userId: bigInt(987654321), accessHash: bigInt(1) }) }), 'PEER_ID_INVALID');
    await rejectsWith(send({ peer: new Api.InputPeerChat({ chatId: bigInt(5) }) }), 'PEER_ID_INVALID');
    await rejectsWith(send({ peer: new Api.InputPeerEmpty() }), 'PEER_ID_INVALID');
    await rejectsWith(send({ message: '' }), 'MESSAGE_EMPTY');
    await rejectsWith(send({ message: '   ' }), 'MESSAGE_EMPTY');
    await rejectsWith(send({ message: 'x'.repeat(4097) }), 'MESSAGE_TOO_LONG');
    await rejectsWith(send({ replyTo: new Api.InputReplyToMessage({ replyToMsgId: 99999 }) }), 'REPLY_MESSAGE_ID_INVALID');
    const forward = (fields: Partial<ConstructorParameters<typeof Api.messages.ForwardMessages>[0]>) =>
      aliceCall(new Api.messages.ForwardMessages({ fromPeer: bobForAlice, toPeer: bobForAlice, id: [aliceHello], randomId: [bigInt(randomLong().toString())], ...fields }));
    await rejectsWith(forward({ id: [], randomId: [] }), 'MESSAGE_IDS_EMPTY');
    await rejectsWith(forward({ randomId: [] }), 'RANDOM_ID_INVALID');
    await rejectsWith(forward({ id: [aliceHello, aliceReply], randomId: [bigInt(7), bigInt(7)] }), 'RANDOM_ID_DUPLICATE');
    await rejectsWith(forward({ id: [99999] }), 'MESSAGE_ID_INVALID');
    await rejectsWith(forward({ fromPeer: new Api.InputPeerSelf() }), 'MESSAGE_ID_INVALID');
    await rejectsWith(aliceCall(new Api.messages.GetHistory({ peer: wrongHash, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero })), 'PEER_ID_INVALID');
    await rejectsWith(aliceCall(new Api.messages.ReadHistory({ peer: wrongHash, maxId: 0 })), 'PEER_ID_INVALID');
    // Blocks, both ways.
    await bob.client.call({ _: 'contacts.block', id: { _: 'inputPeerUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash } } as any);
    await rejectsWith(send({}), 'USER_IS_BLOCKED');
    await rejectsWith(bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: 'x', randomId: Long.fromInt(42) } as any), 'YOU_BLOCKED_USER');
    await bob.client.call({ _: 'contacts.unblock', id: { _: 'inputPeerUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash } } as any);
    const after = await aliceCall<Api.updates.State>(new Api.updates.GetState());
    assert.equal(after.pts, before.pts);
    // Deleting nothing answers the current pts.
    const none = await aliceCall<Api.messages.AffectedMessages>(new Api.messages.DeleteMessages({ id: [99999], revoke: true }));
    assert.equal(none.pts, before.pts);
    assert.equal(none.ptsCount, 0);
  });

  test('the sender\'s other device receives its sent message; the sending session gets only the result', async () => {
    const second = await world.signInGramjs({ phone: ALICE_PHONE });
    const secondInbox = new Inbox();
    watchGramjs(second.handle, secondInbox);
    // The new device has to be the live one of its key before pushes reach it: any request makes it so.
    await aliceCall(new Api.updates.GetState(), second.handle);
    const sent = await aliceSends('from device one');
    // Telegram's compact form: updateShortMessage with out set, naming the chat partner.
    const u = (await secondInbox.waitFor((x) => x instanceof Api.UpdateShortMessage && x.message === 'from device one', 'device two gets the message')) as Api.UpdateShortMessage;
    assert.equal(u.id, sent.id);
    assert.equal(u.out, true);
    assert.equal(u.pts, sent.pts);
    assert.equal(big(u.userId), bobId);
    // A later push to device one arrives after anything queued before it, so its absence is final.
    await bob.client.sendText(aliceForBob, 'marker');
    await aliceInbox.waitFor((x) => x instanceof Api.UpdateShortMessage && x.message === 'marker', 'Alice gets the marker');
    assert.ok(!aliceInbox.items.some((x) => (x instanceof Api.UpdateNewMessage || x instanceof Api.UpdateShortMessage) && ((x as any).message?.message ?? (x as any).message) === 'from device one'));
    await second.handle.close();
  });

  test(`a device offline during ${OFFLINE_MESSAGES} messages catches up through getDifference slices`, async () => {
    // Bob's second device: signs in, learns its state, goes offline.
    const second = await world.signInGramjs({ phone: BOB_PHONE });
    const state = await aliceCall<Api.updates.State>(new Api.updates.GetState(), second.handle);
    const session = second.handle.saveSession();
    await second.handle.close();

    const texts = Array.from({ length: OFFLINE_MESSAGES }, (_, i) => `bulk ${i}`);
    for (let i = 0; i < texts.length; i += 20) await Promise.all(texts.slice(i, i + 20).map((t) => aliceSends(t)));
    // The online device got them all in real time.
    for (const t of texts) await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === t, `Bob gets ${t}`);

    const back = createGramjsClient(target, { session });
    world.defer(() => back.close());
    await connectGramjs(back);
    let pts = state.pts;
    let slices = 0;
    const received: string[] = [];
    for (;;) {
      const d = await aliceCall<Api.updates.TypeDifference>(new Api.updates.GetDifference({ pts, date: state.date, qts: 0 }), back);
      if (d instanceof Api.updates.DifferenceSlice) {
        slices++;
        received.push(...d.newMessages.map((m) => (m as Api.Message).message));
        assert.ok(d.users.some((u) => big(u.id) === aliceId));
        pts = d.intermediateState.pts;
        continue;
      }
      assert.ok(d instanceof Api.updates.Difference, `expected updates.difference, got ${d.className}`);
      received.push(...d.newMessages.map((m) => (m as Api.Message).message));
      pts = d.state.pts;
      break;
    }
    assert.ok(slices >= 2, `expected differenceSlice at least twice, got ${slices}`);
    assert.deepEqual(received.filter((t) => t.startsWith('bulk ')), texts);
    const now = await aliceCall<Api.updates.State>(new Api.updates.GetState(), back);
    assert.equal(now.pts, pts);
    const empty = await aliceCall<Api.updates.TypeDifference>(new Api.updates.GetDifference({ pts, date: now.date, qts: 0 }), back);
    assert.ok(empty instanceof Api.updates.DifferenceEmpty);
  });

  test('SIGKILL right after an acknowledged send loses nothing', async () => {
    const sent = await aliceSends('before the crash');
    const aliceSession = alice.saveSession();
    const bobSession = await bob.saveSession();
    await echod.kill();
    await alice.close().catch(() => {});
    await bob.close().catch(() => {});
    await echod.restart();

    const alice2 = createGramjsClient(target, { session: aliceSession });
    world.defer(() => alice2.close());
    await connectGramjs(alice2);
    const bob2 = await createMtcuteClient(target, { session: bobSession, updates: true });
    world.defer(() => bob2.close());
    const bob2Inbox = new Inbox();
    watchMtcute(bob2, bob2Inbox);
    await startUpdates(bob2);

    const [aliceTop] = await historyOf(alice2, bobForAlice, 1);
    assert.equal(aliceTop!.id, sent.id);
    assert.equal(aliceTop!.message, 'before the crash');
    const [bobTop] = await bobHistory(bob2, 1);
    assert.equal(bobTop.message, 'before the crash');

    // The conversation goes on: a new message after the restart reaches Bob's new client.
    const arrived = bob2Inbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'after the restart', 'Bob gets a message after the restart');
    const res = await aliceCall<Api.TypeUpdates>(new Api.messages.SendMessage({ peer: bobForAlice, message: 'after the restart', randomId: bigInt(randomLong().toString()) }), alice2);
    assert.ok(res instanceof Api.UpdateShortSentMessage);
    assert.equal(res.pts, sent.pts + 1);
    await arrived;
  });

  test('no update failed to encode for a client layer and no bus handler failed', () => {
    const bad = (l: { msg?: unknown }) => l.msg === 'update cannot be encoded for this layer' || l.msg === 'bus handler failed';
    for (const logs of [...echod.previousLogs, echod.logs]) assert.deepEqual(logs.filter(bad), []);
  });
});
