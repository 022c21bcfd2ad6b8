// Methods the official apps call that Echo used to refuse (issue 9 item 6), except the saved dialogs
// (saved-dialogs.test.ts): messages.readMessageContents (voice notes played, mentions opened, with
// updateReadMessagesContents to the sender), messages.getWebPagePreview and messages.getOnlines.
// GramJS (Ann, two devices) and mtcute (Ben) share one echod; the tests run in order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { CustomFile } from 'telegram/client/uploads.js';
import { E2eWorld } from '../support/e2e.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, callAffecting, type MtcuteHandle } from '../support/mtcute.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { testPhone } from '../support/accounts.js';
import { rejectsWith } from '../support/rpc-errors.js';

const TIMEOUT = 90_000;
const ANN_PHONE = testPhone(910001);
const BEN_PHONE = testPhone(910002);

let world: E2eWorld;
let ann: GramjsHandle;
let ann2: GramjsHandle;
let annId: bigint;
let ben: MtcuteHandle;
let benId: bigint;
let benForAnn: Api.InputPeerUser;
let chatId: bigint;
const inbox = { ann: new Inbox(), ann2: new Inbox(), ben: new Inbox() };

const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());
const big = (v: { toString(): string }) => BigInt(v.toString());
const annCall = <R>(req: Api.AnyRequest, h: GramjsHandle = ann) => h.client.invoke(req) as Promise<R>;
const benCall = (req: Record<string, unknown>): Promise<any> => ben.client.call(req as any);
/** Ben's app marking contents read, its pts handed to his updates manager as mtcute's own methods do. */
const benReads = (id: number[]) => callAffecting(ben.client, { _: 'messages.readMessageContents', id });

before(async () => {
  world = await E2eWorld.start();
  const a = await world.signUpGramjs({ phone: ANN_PHONE, firstName: 'Ann' });
  ann = a.handle;
  annId = a.userId;
  const b = await world.signUpMtcute({ phone: BEN_PHONE, firstName: 'Ben', mtcute: { updates: true } });
  ben = b.handle;
  benId = b.userId;
  ann2 = (await world.signInGramjs({ phone: ANN_PHONE })).handle;
  watchGramjs(ann, inbox.ann);
  watchGramjs(ann2, inbox.ann2);
  watchMtcute(ben, inbox.ben);
  await startUpdates(ben);
  await annCall(new Api.updates.GetState(), ann2);
  const imported = await annCall<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BEN_PHONE}`, firstName: 'Ben', lastName: '' })] }),
  );
  const user = imported.users[0] as Api.User;
  benForAnn = new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash! });
});

after(() => world?.close());

async function annSendsVoice(peer: Api.TypeInputPeer, caption: string): Promise<Api.Message> {
  const audio = randomBytes(3000);
  const file = await ann.client.uploadFile({ file: new CustomFile('voice.ogg', audio.length, '', audio), workers: 1 });
  const res = await annCall<Api.Updates>(
    new Api.messages.SendMedia({
      peer,
      media: new Api.InputMediaUploadedDocument({ file, mimeType: 'audio/ogg', attributes: [new Api.DocumentAttributeAudio({ voice: true, duration: 2 })] }),
      message: caption,
      randomId: randomLong(),
    }),
  );
  const sent = res.updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage)!.message as Api.Message;
  return sent;
}

const benGot = (text: string) => (u: any) => u._ === 'updateNewMessage' && u.message.message === text;

async function annMessage(id: number): Promise<Api.Message> {
  const res = await annCall<Api.messages.Messages>(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id })] }));
  return res.messages[0] as Api.Message;
}

async function benMessage(id: number): Promise<any> {
  const res = await benCall({ _: 'messages.getMessages', id: [{ _: 'inputMessageID', id }] });
  return res.messages[0];
}

describe('messages.readMessageContents', { timeout: TIMEOUT }, () => {
  test('a voice note in a private chat: played by the recipient, the sender is told and sees it listened', async () => {
    const sent = await annSendsVoice(benForAnn, 'voice 1');
    assert.equal(sent.mediaUnread, true, 'the sender\'s copy waits to be played');
    const atBen = await inbox.ben.waitFor(benGot('voice 1'), 'Ben gets the voice note');
    assert.equal(atBen.message.mediaUnread, true);
    const benMsgId: number = atBen.message.id;

    const before = await benCall({ _: 'updates.getState' });
    const res = await benReads([benMsgId]);
    assert.equal(res._, 'messages.affectedMessages');
    assert.equal(res.ptsCount, 1);
    assert.equal(res.pts, before.pts + 1);

    const u = await inbox.ann.waitFor((x) => x instanceof Api.UpdateReadMessagesContents && x.messages.includes(sent.id), 'Ann gets updateReadMessagesContents');
    assert.deepEqual(u.messages, [sent.id]);
    await inbox.ann2.waitFor((x) => x instanceof Api.UpdateReadMessagesContents && x.messages.includes(sent.id), 'Ann\'s second device too');
    assert.equal((await annMessage(sent.id)).mediaUnread ?? false, false, 'Ann\'s copy is listened');
    assert.equal((await benMessage(benMsgId)).mediaUnread ?? false, false, 'Ben\'s copy is played');

    // Nothing left to mark: the same pts, nothing logged.
    const again = await benReads([benMsgId]);
    assert.deepEqual([again.pts, again.ptsCount], [res.pts, 0]);
  });

  test('a text message has no contents to read; unknown ids change nothing', async () => {
    await annCall(new Api.messages.SendMessage({ peer: benForAnn, message: 'plain text', randomId: randomLong() }));
    const atBen = await inbox.ben.waitFor(benGot('plain text'), 'Ben gets the text');
    assert.equal(atBen.message.mediaUnread ?? false, false);
    const res = await benReads([atBen.message.id, 999999]);
    assert.equal(res.ptsCount, 0);
  });

  test('in a group: a reply mentions its author until opened; a voice note played by a member is listened for the sender', async () => {
    const created = await annCall<Api.messages.InvitedUsers>(
      new Api.messages.CreateChat({ users: [new Api.InputUser({ userId: benForAnn.userId, accessHash: benForAnn.accessHash })], title: 'Contents' }),
    );
    chatId = big((created.updates as Api.Updates).chats[0]!.id);
    const chatPeer = new Api.InputPeerChat({ chatId: bigInt(chatId.toString()) });
    await inbox.ben.waitFor((u) => u._ === 'updateNewMessage' && u.message._ === 'messageService' && BigInt(u.message.peerId.chatId) === chatId, 'Ben sees the group');

    await benCall({ _: 'messages.sendMessage', peer: { _: 'inputPeerChat', chatId: Number(chatId) }, message: 'question from Ben', randomId: Long.fromNumber(Date.now()) });
    const q: Api.UpdateShortChatMessage = await inbox.ann.waitFor((u) => u instanceof Api.UpdateShortChatMessage && u.message === 'question from Ben', 'Ann gets the question');
    const qId = q.id;
    await annCall(new Api.messages.SendMessage({ peer: chatPeer, message: 'answer from Ann', replyTo: new Api.InputReplyToMessage({ replyToMsgId: qId }), randomId: randomLong() }));
    const answer = await inbox.ben.waitFor(benGot('answer from Ann'), 'Ben gets the reply');
    assert.equal(answer.message.mentioned, true);
    assert.equal(answer.message.mediaUnread, true, 'an unread mention');
    const read = await benReads([answer.message.id]);
    assert.equal(read.ptsCount, 1);
    const opened = await benMessage(answer.message.id);
    assert.equal(opened.mentioned, true);
    assert.equal(opened.mediaUnread ?? false, false, 'the mention is read');

    const voice = await annSendsVoice(chatPeer, 'group voice');
    const atBen = await inbox.ben.waitFor(benGot('group voice'), 'Ben gets the group voice note');
    assert.equal(atBen.message.mediaUnread, true);
    await benReads([atBen.message.id]);
    await inbox.ann.waitFor((x) => x instanceof Api.UpdateReadMessagesContents && x.messages.includes(voice.id), 'Ann is told her group voice note was played');
    assert.equal((await annMessage(voice.id)).mediaUnread ?? false, false);
  });
});

describe('messages.getOnlines and messages.getWebPagePreview', { timeout: TIMEOUT }, () => {
  test('getOnlines counts the connected members of a basic group; a private chat is refused', async () => {
    const res = await annCall<Api.ChatOnlines>(new Api.messages.GetOnlines({ peer: new Api.InputPeerChat({ chatId: bigInt(chatId.toString()) }) }));
    assert.ok(res instanceof Api.ChatOnlines);
    assert.equal(res.onlines, 2);
    await rejectsWith(annCall(new Api.messages.GetOnlines({ peer: benForAnn })), 'PEER_ID_INVALID');
    await rejectsWith(annCall(new Api.messages.GetOnlines({ peer: new Api.InputPeerChat({ chatId: bigInt(chatId.toString()).add(1000) }) })), 'PEER_ID_INVALID');
  });

  test('getWebPagePreview answers the empty media (no preview) at both clients\' layers', async () => {
    const g = await annCall<Api.messages.WebPagePreview>(new Api.messages.GetWebPagePreview({ message: 'see https://example.com/page' }));
    assert.ok(g instanceof Api.messages.WebPagePreview, `GramJS got ${(g as any).className}`);
    assert.ok(g.media instanceof Api.MessageMediaEmpty);
    const m = await benCall({ _: 'messages.getWebPagePreview', message: 'see https://example.com/page' });
    assert.equal(m._, 'messages.webPagePreview');
    assert.equal(m.media._, 'messageMediaEmpty');
  });
});
