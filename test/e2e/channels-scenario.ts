// Channels and supergroups end to end (issue 14). Alice (GramJS, layer 198) runs a broadcast channel;
// Bob (mtcute, layer 227) creates a supergroup; Carol (GramJS) and Dave (mtcute) join both by username.
// Each test checks what the clients see: the channel objects, live posts (updateNewChannelMessage,
// edits, deletions), history, dialogs with their pts, catch-up through updates.getChannelDifference
// (channelDifference, channelDifferenceTooLong with a small limit, and the errors for a pts from the
// future), moderation with Telegram's error names, slow mode, signatures and views.
// The tests run in order and share one echod; channels.test.ts runs them on SQLite, the engine test
// channels-mysql-e2e.test.ts on MySQL/MariaDB.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox } from '../support/inbox.js';
import { rejectsWith, rpcMessage } from '../support/rpc-errors.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { quietWhenDestroyed, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { signUpTrio } from '../support/trio.js';

const TIMEOUT = 60_000;
const PHONES = { alice: testPhone(414001), bob: testPhone(414002), carol: testPhone(414003), dave: testPhone(414004) };

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();
const gLong = (v: bigint) => bigInt(v.toString());
const mLong = (v: bigint) => Long.fromString(v.toString());

let world: E2eWorld;
let alice: GramjsHandle;
let carol: GramjsHandle;
let bob: MtcuteHandle;
let dave: MtcuteHandle;
const ids = { alice: 0n, bob: 0n, carol: 0n, dave: 0n };
const userIds = ids;
const inbox = { alice: new Inbox(), carol: new Inbox(), bob: new Inbox() };
let bobTeardown: { closing(): void } | undefined;

/** A channel as one client knows it: its id and the access hash that client was given. */
interface Known {
  id: bigint;
  hash: bigint;
}
const news: Record<'alice' | 'bob' | 'carol' | 'dave', Known | undefined> = { alice: undefined, bob: undefined, carol: undefined, dave: undefined };
const club: Record<'alice' | 'bob' | 'carol' | 'dave', Known | undefined> = { alice: undefined, bob: undefined, carol: undefined, dave: undefined };

const call = <R>(h: GramjsHandle, req: Api.AnyRequest) => h.client.invoke(req) as Promise<R>;
const mcall = (h: MtcuteHandle, req: Record<string, unknown>): Promise<any> => h.client.call(req as any);
const gChannel = (k: Known) => new Api.InputChannel({ channelId: gLong(k.id), accessHash: gLong(k.hash) });
const gPeer = (k: Known) => new Api.InputPeerChannel({ channelId: gLong(k.id), accessHash: gLong(k.hash) });
const mChannel = (k: Known) => ({ _: 'inputChannel', channelId: Number(k.id), accessHash: mLong(k.hash) });
const mPeer = (k: Known) => ({ _: 'inputPeerChannel', channelId: Number(k.id), accessHash: mLong(k.hash) });

async function gSend(h: GramjsHandle, k: Known, message: string): Promise<Api.Message> {
  const res = await call<Api.Updates>(h, new Api.messages.SendMessage({ peer: gPeer(k), message, randomId: gLong(randomLong()) }));
  assert.ok(res instanceof Api.Updates, `sendMessage to a channel answers updates, got ${(res as any).className}`);
  assert.ok(res.updates.some((u) => u instanceof Api.UpdateMessageID));
  const u = res.updates.find((x) => x instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
  return u.message as Api.Message;
}

function mSend(h: MtcuteHandle, k: Known, message: string): Promise<any> {
  return mcall(h, { _: 'messages.sendMessage', peer: mPeer(k), message, randomId: mLong(randomLong()) });
}

const gGotChannelText = (text: string) => (u: any) => u instanceof Api.UpdateNewChannelMessage && (u.message as Api.Message).message === text;
const mGotChannelText = (text: string) => (u: any) => u._ === 'updateNewChannelMessage' && u.message.message === text;

async function mtcuteResolve(h: MtcuteHandle, username: string): Promise<Known> {
  const res = await mcall(h, { _: 'contacts.resolveUsername', username });
  assert.equal(res.peer._, 'peerChannel');
  const ch = res.chats[0];
  assert.equal(ch._, 'channel');
  return { id: BigInt(ch.id), hash: BigInt(ch.accessHash.toString()) };
}

async function gramjsResolve(h: GramjsHandle, username: string): Promise<Known> {
  const res = await call<Api.contacts.ResolvedPeer>(h, new Api.contacts.ResolveUsername({ username }));
  assert.ok(res.peer instanceof Api.PeerChannel);
  const ch = res.chats[0] as Api.Channel;
  assert.ok(ch instanceof Api.Channel);
  return { id: big(ch.id), hash: big(ch.accessHash!) };
}

/** Registers the scenario's hooks and tests on an echod started with `env` (a database's settings, say). */
export function channelsScenario(label: string, env: () => Record<string, string> = () => ({})): void {
  before(async () => {
    world = await E2eWorld.start({ env: env() });
    const trio = await signUpTrio(world, PHONES, inbox);
    ({ alice, bob, carol } = trio);
    Object.assign(ids, trio.ids);
    bobTeardown = quietWhenDestroyed(bob.client);
    const d = await world.signUpMtcute({ phone: PHONES.dave, firstName: 'Dave' });
    dave = d.handle;
    ids.dave = d.userId;
  });

  after(async () => {
    if (process.env.CHANNELS_TEST_LOG) (await import('node:fs')).writeFileSync(process.env.CHANNELS_TEST_LOG, world.echod.logs.map((l) => JSON.stringify(l)).join('\n'));
    // mtcute's updates loop may still be catching up a channel (its deferred getChannelDifference after the
    // last updateChannel) when the client is destroyed: that request is left pending rather than rejected.
    bobTeardown?.closing();
    await bob?.client.stopUpdatesLoop().catch(() => undefined);
    await world?.close();
  });

  describe(`channels and supergroups (${label})`, () => {
    test('GramJS creates a broadcast channel and makes it public; mtcute resolves and joins it by username', { timeout: TIMEOUT }, async () => {
      const res = await call<Api.Updates>(alice, new Api.channels.CreateChannel({ broadcast: true, title: 'Echo News', about: 'Announcements' }));
      const ch = res.chats[0] as Api.Channel;
      assert.ok(ch instanceof Api.Channel);
      assert.equal(ch.broadcast, true);
      assert.equal(ch.creator, true);
      assert.equal(ch.title, 'Echo News');
      assert.ok(ch.accessHash !== undefined);
      news.alice = { id: big(ch.id), hash: big(ch.accessHash!) };
      const created = res.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
      assert.ok(created.message instanceof Api.MessageService);
      assert.ok(created.message.action instanceof Api.MessageActionChannelCreate);
      assert.equal(created.pts, 1);

      assert.equal(await call(alice, new Api.channels.CheckUsername({ channel: gChannel(news.alice), username: 'echo_news' })), true);
      assert.equal(await call(alice, new Api.channels.UpdateUsername({ channel: gChannel(news.alice), username: 'echo_news' })), true);
      await rejectsWith(call(alice, new Api.channels.UpdateUsername({ channel: gChannel(news.alice), username: 'x' })), 'USERNAME_INVALID');
      await rejectsWith(call(carol, new Api.account.UpdateUsername({ username: 'Echo_News' })), 'USERNAME_OCCUPIED');

      news.bob = await mtcuteResolve(bob, 'echo_news');
      assert.equal(news.bob.id, news.alice.id);
      assert.notEqual(news.bob.hash, news.alice.hash, 'each viewer gets its own access hash');
      const joined = await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(news.bob) });
      assert.equal(joined._, 'messages.chatInviteJoinResultOk');
      assert.ok(!joined.updates.chats[0].left, 'Bob is in');
      await rejectsWith(mcall(bob, { _: 'channels.joinChannel', channel: mChannel(news.bob) }), 'USER_ALREADY_PARTICIPANT');
      const full = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(news.alice) }));
      assert.equal((full.fullChat as Api.ChannelFull).participantsCount, 2);
      assert.equal((full.fullChat as Api.ChannelFull).about, 'Announcements');
    });

    test('a post reaches the subscriber live, is in history and dialogs with the channel pts; subscribers cannot post', { timeout: TIMEOUT }, async () => {
      const post = await gSend(alice, news.alice!, 'first post');
      assert.equal(post.post, true);
      assert.equal(post.fromId, null);
      const live = await inbox.bob.waitFor(mGotChannelText('first post'), 'Bob gets the post');
      assert.equal(BigInt(live.message.peerId.channelId), news.alice!.id);
      assert.equal(live.message.post, true);

      const history = await mcall(bob, { _: 'messages.getHistory', peer: mPeer(news.bob!), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.equal(history._, 'messages.channelMessages');
      assert.deepEqual(history.messages.filter((m: any) => m._ === 'message').map((m: any) => m.message), ['first post']);
      assert.equal(history.pts, post.id === 2 ? 2 : history.pts);

      await rejectsWith(mSend(bob, news.bob!, 'may I?'), 'CHAT_WRITE_FORBIDDEN');

      const dialogs: any = await mcall(bob, { _: 'messages.getDialogs', offsetDate: 0, offsetId: 0, offsetPeer: { _: 'inputPeerEmpty' }, limit: 20, hash: Long.ZERO });
      const d = dialogs.dialogs.find((x: any) => x.peer._ === 'peerChannel' && BigInt(x.peer.channelId) === news.bob!.id);
      assert.ok(d, 'the channel is one of Bob\'s dialogs');
      assert.equal(d.pts, history.pts);
      assert.equal(d.unreadCount, 1);
      assert.equal(d.topMessage, post.id);
      const receipt = inbox.alice.waitFor((u) => u instanceof Api.UpdateReadChannelOutbox && big(u.channelId) === news.alice!.id && u.maxId === post.id, 'Alice learns her post was read');
      assert.equal(await mcall(bob, { _: 'channels.readHistory', channel: mChannel(news.bob!), maxId: post.id }), true);
      await receipt;
      const after: any = await mcall(bob, { _: 'messages.getPeerDialogs', peers: [{ _: 'inputDialogPeer', peer: mPeer(news.bob!) }] });
      assert.equal(after.dialogs[0].unreadCount, 0);
      assert.equal(after.dialogs[0].readInboxMaxId, post.id);
    });

    test('edits and deletions reach the subscriber; views are counted once per user; signatures name the author', { timeout: TIMEOUT }, async () => {
      const post = await gSend(alice, news.alice!, 'draft text');
      await inbox.bob.waitFor(mGotChannelText('draft text'), 'Bob gets the post');
      const edited = await call<Api.Updates>(alice, new Api.messages.EditMessage({ peer: gPeer(news.alice!), id: post.id, message: 'final text' }));
      assert.ok(edited.updates.some((u) => u instanceof Api.UpdateEditChannelMessage));
      const atBob = await inbox.bob.waitFor((u) => u._ === 'updateEditChannelMessage' && u.message.message === 'final text', 'Bob sees the edit');
      assert.equal(atBob.message.id, post.id);
      await rejectsWith(mcall(bob, { _: 'messages.editMessage', peer: mPeer(news.bob!), id: post.id, message: 'hijack' }), 'MESSAGE_AUTHOR_REQUIRED');

      for (let i = 0; i < 2; i++) {
        const v = await mcall(bob, { _: 'messages.getMessagesViews', peer: mPeer(news.bob!), id: [post.id], increment: true });
        assert.equal(v.views[0].views, 1, 'Bob\'s second look does not count');
      }
      const v2 = await call<Api.messages.MessageViews>(alice, new Api.messages.GetMessagesViews({ peer: gPeer(news.alice!), id: [post.id], increment: true }));
      assert.equal(v2.views[0]!.views, 2);

      const res = await call<Api.messages.AffectedMessages>(alice, new Api.channels.DeleteMessages({ channel: gChannel(news.alice!), id: [post.id] }));
      assert.equal(res.ptsCount, 1);
      const del = await inbox.bob.waitFor((u) => u._ === 'updateDeleteChannelMessages' && u.messages.includes(post.id), 'Bob sees the deletion');
      assert.equal(del.pts, res.pts);

      await call(alice, new Api.channels.ToggleSignatures({ channel: gChannel(news.alice!), signaturesEnabled: true }));
      const signed = await gSend(alice, news.alice!, 'signed post');
      assert.equal(signed.postAuthor, 'Alice');
      const atBob2 = await inbox.bob.waitFor(mGotChannelText('signed post'), 'Bob gets the signed post');
      assert.equal(atBob2.message.postAuthor, 'Alice');
    });

    test('mtcute creates a supergroup; GramJS joins it by username; both post and receive live', { timeout: TIMEOUT }, async () => {
      const res = await mcall(bob, { _: 'channels.createChannel', megagroup: true, title: 'Echo Club', about: '' });
      assert.equal(res._, 'updates');
      const ch = res.chats[0];
      assert.equal(ch._, 'channel');
      assert.equal(ch.megagroup, true);
      club.bob = { id: BigInt(ch.id), hash: BigInt(ch.accessHash.toString()) };
      assert.equal(await mcall(bob, { _: 'channels.updateUsername', channel: mChannel(club.bob), username: 'echo_club' }), true);
      assert.equal(await mcall(bob, { _: 'channels.checkUsername', channel: mChannel(club.bob), username: 'echo_news' }), false, 'taken by the broadcast');

      club.carol = await gramjsResolve(carol, 'echo_club');
      const joined = await call<any>(carol, new Api.channels.JoinChannel({ channel: gChannel(club.carol) }));
      // GramJS's layer 198 has Updates as the result (messages.chatInviteJoinResultOk came later).
      assert.ok(joined instanceof Api.Updates, `joinChannel answered ${joined.className}`);
      await inbox.bob.waitFor((u) => u._ === 'updateNewChannelMessage' && u.message._ === 'messageService' && u.message.action._ === 'messageActionChatAddUser', 'Bob sees Carol join');

      await gSend(carol, club.carol, 'hello club');
      const atBob = await inbox.bob.waitFor(mGotChannelText('hello club'), 'Bob gets Carol\'s message');
      assert.equal(BigInt(atBob.message.fromId.userId), ids.carol, 'supergroup messages carry their author');
      await mSend(bob, club.bob, 'welcome carol');
      const atCarol = await inbox.carol.waitFor(gGotChannelText('welcome carol'), 'Carol gets Bob\'s message');
      assert.equal(big((((atCarol as Api.UpdateNewChannelMessage).message as Api.Message).peerId as Api.PeerChannel).channelId), club.bob.id);

      club.dave = await mtcuteResolve(dave, 'echo_club');
      await mcall(dave, { _: 'channels.joinChannel', channel: mChannel(club.dave) });
      club.alice = await gramjsResolve(alice, 'echo_club');
      await call(alice, new Api.channels.JoinChannel({ channel: gChannel(club.alice) }));
      const members = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob), filter: { _: 'channelParticipantsRecent' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.equal(members.count, 4);
      assert.ok(members.participants.some((p: any) => p._ === 'channelParticipantCreator' && BigInt(p.userId) === ids.bob));
      const search = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob), filter: { _: 'channelParticipantsSearch', q: 'car' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.deepEqual(search.participants.map((p: any) => BigInt(p.userId)), [ids.carol]);
      const found = await call<Api.messages.ChannelMessages>(carol, new Api.messages.Search({ peer: gPeer(club.carol), q: 'CLUB', filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }));
      assert.deepEqual(found.messages.map((m) => (m as Api.Message).message), ['hello club']);
      const byBob = await mcall(dave, { _: 'messages.search', peer: mPeer(club.dave), q: '', fromId: { _: 'inputPeerUser', userId: Number(ids.bob), accessHash: members.users.find((u: any) => BigInt(u.id) === ids.bob).accessHash }, filter: { _: 'inputMessagesFilterEmpty' }, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO }).catch((err: unknown) => err);
      // Dave knows Bob only through Bob's own participant list (another viewer's access hash): refused.
      assert.equal(rpcMessage(byBob), 'PEER_ID_INVALID');
      const page = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob), filter: { _: 'channelParticipantsRecent' }, offset: 1, limit: 2, hash: Long.ZERO });
      assert.equal(page.participants.length, 2);
      assert.equal(page.count, 4);
    });

    test('pins and forwards: an admin pins a post for everyone; posts forward out of a channel and into a supergroup', { timeout: TIMEOUT }, async () => {
      const post = await gSend(alice, news.alice!, 'pin me');
      await inbox.bob.waitFor(mGotChannelText('pin me'), 'Bob gets the post');
      await rejectsWith(mcall(bob, { _: 'messages.updatePinnedMessage', peer: mPeer(news.bob!), id: post.id }), 'CHAT_ADMIN_REQUIRED');
      const bobSeesPin = inbox.bob.waitFor((u) => u._ === 'updatePinnedChannelMessages' && u.pinned === true && u.messages.includes(post.id), 'Bob sees the pin');
      const pinned = await call<Api.Updates>(alice, new Api.messages.UpdatePinnedMessage({ peer: gPeer(news.alice!), id: post.id }));
      assert.ok(pinned.updates.some((u) => u instanceof Api.UpdatePinnedChannelMessages && u.pinned));
      const service = pinned.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
      assert.ok((service.message as Api.MessageService).action instanceof Api.MessageActionPinMessage);
      assert.equal(((service.message as Api.MessageService).replyTo as Api.MessageReplyHeader).replyToMsgId, post.id);
      await bobSeesPin;
      const full = await mcall(bob, { _: 'channels.getFullChannel', channel: mChannel(news.bob!) });
      assert.equal(full.fullChat.pinnedMsgId, post.id);
      const got = await mcall(bob, { _: 'channels.getMessages', channel: mChannel(news.bob!), id: [{ _: 'inputMessageID', id: post.id }] });
      assert.equal(got.messages[0].pinned, true);
      const pinnedOnly = await mcall(bob, { _: 'messages.search', peer: mPeer(news.bob!), q: '', filter: { _: 'inputMessagesFilterPinned' }, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.deepEqual(pinnedOnly.messages.map((m: any) => m.id), [post.id]);
      await rejectsWith(mcall(bob, { _: 'messages.search', peer: mPeer(news.bob!), q: '', filter: { _: 'inputMessagesFilterMyMentions' }, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO }), 'INPUT_FILTER_INVALID');

      // Out of the channel: Bob keeps the post in Saved Messages; it names the channel and the post.
      const saved: any = await mcall(bob, { _: 'messages.forwardMessages', fromPeer: mPeer(news.bob!), toPeer: { _: 'inputPeerSelf' }, id: [post.id], randomId: [mLong(randomLong())] });
      const fwd = saved.updates.find((u: any) => u._ === 'updateNewMessage').message;
      assert.equal(fwd.fwdFrom.fromId._, 'peerChannel');
      assert.equal(BigInt(fwd.fwdFrom.fromId.channelId), news.bob!.id);
      assert.equal(fwd.fwdFrom.channelPost, post.id);
      assert.ok(saved.chats.some((c: any) => BigInt(c.id) === news.bob!.id), 'the channel comes with the forward');

      // Into a supergroup: Bob forwards the post to the club (he created it); Alice and Carol get it live.
      const res: any = await mcall(bob, { _: 'messages.forwardMessages', fromPeer: mPeer(news.bob!), toPeer: mPeer(club.bob!), id: [post.id], randomId: [mLong(randomLong())] });
      const inClub = res.updates.find((u: any) => u._ === 'updateNewChannelMessage');
      assert.equal(BigInt(inClub.message.peerId.channelId), club.bob!.id);
      for (const [name, box] of [['Alice', inbox.alice], ['Carol', inbox.carol]] as const) {
        const u = (await box.waitFor((x) => x instanceof Api.UpdateNewChannelMessage && (x.message as Api.Message).message === 'pin me' && big(((x.message as Api.Message).peerId as Api.PeerChannel).channelId) === club.bob!.id, `${name} gets the forward in the club`)) as Api.UpdateNewChannelMessage;
        const header = (u.message as Api.Message).fwdFrom!;
        assert.equal(header.channelPost, post.id);
        assert.equal(big((header.fromId as Api.PeerChannel).channelId), news.alice!.id);
      }
      const unpinned = await call<Api.Updates>(alice, new Api.messages.UpdatePinnedMessage({ peer: gPeer(news.alice!), id: post.id, unpin: true }));
      assert.ok(unpinned.updates.some((u) => u instanceof Api.UpdatePinnedChannelMessages && !u.pinned));
    });

    test('a channel photo: the admin sets it, the subscriber sees messageActionChatEditPhoto and downloads it with mtcute', { timeout: TIMEOUT }, async () => {
      const raw = Buffer.alloc(800 * 600 * 3);
      let x = 12345;
      for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      const jpeg = await sharp(raw, { raw: { width: 800, height: 600, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
      const file = await alice.client.uploadFile({ file: new CustomFile('news.jpg', jpeg.length, '', jpeg), workers: 2 });
      await rejectsWith(mcall(bob, { _: 'channels.editPhoto', channel: mChannel(news.bob!), photo: { _: 'inputChatPhotoEmpty' } }), 'CHAT_ADMIN_REQUIRED');
      const res = await call<Api.Updates>(alice, new Api.channels.EditPhoto({ channel: gChannel(news.alice!), photo: new Api.InputChatUploadedPhoto({ file }) }));
      const ch = res.chats[0] as Api.Channel;
      assert.ok(ch.photo instanceof Api.ChatPhoto);
      const photoId = big((ch.photo as Api.ChatPhoto).photoId);
      const u = await inbox.bob.waitFor((v) => v._ === 'updateNewChannelMessage' && v.message._ === 'messageService' && v.message.action._ === 'messageActionChatEditPhoto', 'Bob sees the new photo');
      assert.equal(BigInt(u.message.action.photo.id), photoId);
      const chat: any = await bob.client.getChat(-1000000000000 - Number(news.bob!.id));
      assert.equal(BigInt(chat.photo.raw.photoId), photoId);
      const bytes = Buffer.from(await bob.client.downloadAsBuffer(chat.photo.big));
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 600, 600], 'the square crop, not enlarged');
      const full = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(news.alice!) }));
      assert.equal(big(((full.fullChat as Api.ChannelFull).chatPhoto as Api.Photo).id), photoId);
    });

    test('an offline member catches up with getChannelDifference: channelDifference, TooLong with a small limit, errors for bad pts', { timeout: TIMEOUT }, async () => {
      const full = await mcall(dave, { _: 'channels.getFullChannel', channel: mChannel(club.dave!) });
      const pts: number = full.fullChat.pts;
      assert.ok(pts > 0);
      await dave.close();
      const texts = ['m1', 'm2', 'm3', 'm4', 'm5'];
      for (const t of texts) await gSend(carol, club.carol!, t);
      const editedTarget = await gSend(carol, club.carol!, 'typo');
      await call(carol, new Api.messages.EditMessage({ peer: gPeer(club.carol!), id: editedTarget.id, message: 'fixed' }));

      dave = (await world.signInMtcute({ phone: PHONES.dave })).handle;
      const diff = await mcall(dave, { _: 'updates.getChannelDifference', channel: mChannel(club.dave!), filter: { _: 'channelMessagesFilterEmpty' }, pts, limit: 100 });
      assert.equal(diff._, 'updates.channelDifference');
      assert.equal(diff.final, true);
      assert.deepEqual(diff.newMessages.map((m: any) => m.message), [...texts, 'fixed'], 'the edited post is shown once, as it is now');
      assert.equal(diff.pts, pts + 6 + 1);
      assert.ok(diff.users.some((u: any) => BigInt(u.id) === ids.carol));

      const partial = await mcall(dave, { _: 'updates.getChannelDifference', channel: mChannel(club.dave!), filter: { _: 'channelMessagesFilterEmpty' }, pts: diff.pts, limit: 100 });
      assert.equal(partial._, 'updates.channelDifferenceEmpty');
      assert.equal(partial.pts, diff.pts);

      const tooLong = await mcall(dave, { _: 'updates.getChannelDifference', channel: mChannel(club.dave!), filter: { _: 'channelMessagesFilterEmpty' }, pts, limit: 2 });
      assert.equal(tooLong._, 'updates.channelDifferenceTooLong');
      assert.equal(tooLong.dialog.pts, diff.pts);
      assert.deepEqual(tooLong.messages.map((m: any) => m.message), ['fixed', 'm5']);
      assert.ok(tooLong.dialog.unreadCount >= 6);

      const farPast = await mcall(dave, { _: 'updates.getChannelDifference', channel: mChannel(club.dave!), filter: { _: 'channelMessagesFilterEmpty' }, pts: 1, limit: 3 });
      assert.equal(farPast._, 'updates.channelDifferenceTooLong');
      await rejectsWith(mcall(dave, { _: 'updates.getChannelDifference', channel: mChannel(club.dave!), filter: { _: 'channelMessagesFilterEmpty' }, pts: diff.pts + 1000, limit: 10 }), 'PERSISTENT_TIMESTAMP_INVALID');
      // GramJS too, on its layer.
      const g = await call<Api.updates.ChannelDifference>(carol, new Api.updates.GetChannelDifference({ channel: gChannel(club.carol!), filter: new Api.ChannelMessagesFilterEmpty(), pts, limit: 100 }));
      assert.ok(g instanceof Api.updates.ChannelDifference);
      assert.equal(g.newMessages.length, 6);
    });

    test('forged access hashes are refused with CHANNEL_INVALID', { timeout: TIMEOUT }, async () => {
      const forged = { id: club.alice!.id, hash: club.alice!.hash ^ 1n };
      await rejectsWith(gSend(alice, forged, 'forged'), 'CHANNEL_INVALID');
      // Bob's hash is useless to Alice.
      await rejectsWith(call(alice, new Api.channels.GetFullChannel({ channel: gChannel({ id: club.bob!.id, hash: club.bob!.hash }) })), 'CHANNEL_INVALID');
      await rejectsWith(call(alice, new Api.channels.GetChannels({ id: [gChannel(forged)] })), 'CHANNEL_INVALID');
    });

    test('promote, restrict, ban: the rights are enforced with Telegram\'s error names; a kicked member sees channelForbidden', { timeout: TIMEOUT }, async () => {
      // Carol becomes an admin who may ban and add admins, but not delete messages.
      const rights = new Api.ChatAdminRights({ banUsers: true, addAdmins: true, inviteUsers: true });
      await rejectsWith(call(carol, new Api.channels.EditAdmin({ channel: gChannel(club.carol!), userId: new Api.InputUserSelf(), adminRights: rights, rank: '' })), 'CHAT_ADMIN_REQUIRED');
      const carolInput = (await mcall(bob, { _: 'channels.getParticipant', channel: mChannel(club.bob!), participant: { _: 'inputPeerSelf' } }));
      assert.equal(carolInput.participant._, 'channelParticipantCreator');
      const members = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob!), filter: { _: 'channelParticipantsRecent' }, offset: 0, limit: 10, hash: Long.ZERO });
      const user = (id: bigint) => {
        const u = members.users.find((x: any) => BigInt(x.id) === id);
        return { _: 'inputUser', userId: Number(u.id), accessHash: u.accessHash };
      };
      await mcall(bob, { _: 'channels.editAdmin', channel: mChannel(club.bob!), userId: user(ids.carol), adminRights: { _: 'chatAdminRights', banUsers: true, addAdmins: true, inviteUsers: true }, rank: 'mod' });
      const admins = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob!), filter: { _: 'channelParticipantsAdmins' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.deepEqual(admins.participants.map((p: any) => p._).sort(), ['channelParticipantAdmin', 'channelParticipantCreator']);
      const carolSees = await call<Api.messages.Chats>(carol, new Api.channels.GetChannels({ id: [gChannel(club.carol!)] }));
      assert.equal((carolSees.chats[0] as Api.Channel).adminRights?.banUsers, true);
      assert.ok(!(carolSees.chats[0] as Api.Channel).adminRights?.deleteMessages);

      // Carol's view of the others (she learns their access hashes from the participant list).
      const seen = await call<Api.channels.ChannelParticipants>(carol, new Api.channels.GetParticipants({ channel: gChannel(club.carol!), filter: new Api.ChannelParticipantsRecent(), offset: 0, limit: 10, hash: bigInt.zero }));
      const gUser = (id: bigint) => {
        const u = seen.users.find((x) => big(x.id) === id) as Api.User;
        return new Api.InputUser({ userId: u.id, accessHash: u.accessHash! });
      };
      const gPeerUser = (id: bigint) => {
        const u = seen.users.find((x) => big(x.id) === id) as Api.User;
        return new Api.InputPeerUser({ userId: u.id, accessHash: u.accessHash! });
      };
      await rejectsWith(call(carol, new Api.channels.EditAdmin({ channel: gChannel(club.carol!), userId: gUser(ids.dave), adminRights: new Api.ChatAdminRights({ deleteMessages: true }), rank: '' })), 'RIGHT_FORBIDDEN');
      await rejectsWith(call(carol, new Api.channels.EditBanned({ channel: gChannel(club.carol!), participant: gPeerUser(ids.bob), bannedRights: new Api.ChatBannedRights({ viewMessages: true, untilDate: 0 }) })), 'USER_ADMIN_INVALID');
      // Dave, a plain member, may not ban.
      const daveMembers = await mcall(dave, { _: 'channels.getParticipants', channel: mChannel(club.dave!), filter: { _: 'channelParticipantsRecent' }, offset: 0, limit: 10, hash: Long.ZERO });
      const aliceForDave = daveMembers.users.find((x: any) => BigInt(x.id) === ids.alice);
      await rejectsWith(mcall(dave, { _: 'channels.editBanned', channel: mChannel(club.dave!), participant: { _: 'inputPeerUser', userId: Number(aliceForDave.id), accessHash: aliceForDave.accessHash }, bannedRights: { _: 'chatBannedRights', sendMessages: true, untilDate: 0 } }), 'CHAT_ADMIN_REQUIRED');

      // Restricted: Dave stays a member but may not write.
      await call(carol, new Api.channels.EditBanned({ channel: gChannel(club.carol!), participant: gPeerUser(ids.dave), bannedRights: new Api.ChatBannedRights({ sendMessages: true, untilDate: 0 }) }));
      await rejectsWith(mSend(dave, club.dave!, 'let me speak'), 'USER_BANNED_IN_CHANNEL');
      const restricted = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob!), filter: { _: 'channelParticipantsBanned', q: '' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.deepEqual(restricted.participants.map((p: any) => [p._, BigInt(p.peer.userId)]), [['channelParticipantBanned', ids.dave]]);

      // Kicked: Dave is out and sees channelForbidden; posting and reading answer CHANNEL_PRIVATE.
      await call(carol, new Api.channels.EditBanned({ channel: gChannel(club.carol!), participant: gPeerUser(ids.dave), bannedRights: new Api.ChatBannedRights({ viewMessages: true, sendMessages: true, untilDate: 0 }) }));
      await inbox.bob.waitFor((u) => u._ === 'updateNewChannelMessage' && u.message._ === 'messageService' && u.message.action._ === 'messageActionChatDeleteUser' && BigInt(u.message.action.userId) === ids.dave, 'Bob sees Dave removed');
      const daveSees = await mcall(dave, { _: 'channels.getChannels', id: [mChannel(club.dave!)] });
      assert.equal(daveSees.chats[0]._, 'channelForbidden');
      await rejectsWith(mSend(dave, club.dave!, 'still here?'), 'CHANNEL_PRIVATE');
      await rejectsWith(mcall(dave, { _: 'messages.getHistory', peer: mPeer(club.dave!), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO }), 'CHANNEL_PRIVATE');
      await rejectsWith(mcall(dave, { _: 'channels.joinChannel', channel: mChannel(club.dave!) }), 'CHANNEL_PRIVATE');
      const kicked = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(club.bob!), filter: { _: 'channelParticipantsKicked', q: '' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.deepEqual(kicked.participants.map((p: any) => BigInt(p.peer.userId)), [ids.dave]);
      assert.equal(kicked.participants[0].left, true);
      const full = await mcall(bob, { _: 'channels.getFullChannel', channel: mChannel(club.bob!) });
      assert.equal(full.fullChat.participantsCount, 3);
    });

    test('slow mode makes members wait (SLOWMODE_WAIT_X); admins are not held; default rights mute members', { timeout: TIMEOUT }, async () => {
      await rejectsWith(call(alice, new Api.channels.ToggleSlowMode({ channel: gChannel(club.alice!), seconds: 60 })), 'CHAT_ADMIN_REQUIRED');
      await mcall(bob, { _: 'channels.toggleSlowMode', channel: mChannel(club.bob!), seconds: 60 });
      await gSend(alice, club.alice!, 'slow one');
      // GramJS parses SLOWMODE_WAIT_X into its SlowModeWaitError with the seconds; mtcute keeps the name.
      await assert.rejects(gSend(alice, club.alice!, 'slow two'), (err: any) => err.constructor.name === 'SlowModeWaitError' && err.seconds > 0 && err.seconds <= 60);
      await rejectsWith(mcall(bob, { _: 'channels.editBanned', channel: mChannel(club.bob!), participant: { _: 'inputPeerSelf' }, bannedRights: { _: 'chatBannedRights', sendMessages: true, untilDate: 0 } }), 'USER_ADMIN_INVALID');
      await mSend(bob, club.bob!, 'admin 1');
      await mSend(bob, club.bob!, 'admin 2');
      await mcall(bob, { _: 'channels.toggleSlowMode', channel: mChannel(club.bob!), seconds: 0 });

      await mcall(bob, { _: 'messages.editChatDefaultBannedRights', peer: mPeer(club.bob!), bannedRights: { _: 'chatBannedRights', sendMessages: true, untilDate: 0 } });
      await rejectsWith(gSend(alice, club.alice!, 'muted'), 'CHAT_WRITE_FORBIDDEN');
      await gSend(carol, club.carol!, 'admins still speak');
      await mcall(bob, { _: 'messages.editChatDefaultBannedRights', peer: mPeer(club.bob!), bannedRights: { _: 'chatBannedRights', untilDate: 0 } });
      await gSend(alice, club.alice!, 'unmuted');
    });

    test('invite links: an admin exports one, outsiders preview and join through it (both layers), members are told', { timeout: TIMEOUT }, async () => {
      const created = await call<Api.Updates>(alice, new Api.channels.CreateChannel({ megagroup: true, title: 'Secret', about: 'invite only' }));
      const ch = created.chats[0] as Api.Channel;
      const secret: Known = { id: big(ch.id), hash: big(ch.accessHash!) };
      const exported = (await call<Api.ChatInviteExported>(alice, new Api.messages.ExportChatInvite({ peer: gPeer(secret) }))) as Api.ChatInviteExported;
      assert.ok(exported.permanent);
      const again = (await call<Api.ChatInviteExported>(alice, new Api.messages.ExportChatInvite({ peer: gPeer(secret) }))) as Api.ChatInviteExported;
      assert.equal(again.link, exported.link, 'the permanent link stays the same');
      const hash = exported.link.slice(exported.link.lastIndexOf('/+') + 2);
      // New members will not see what was said before they came.
      await gSend(alice, secret, 'before you came');
      await call(alice, new Api.channels.TogglePreHistoryHidden({ channel: gChannel(secret), enabled: true }));

      const preview = await mcall(dave, { _: 'messages.checkChatInvite', hash });
      assert.equal(preview._, 'chatInvite');
      assert.equal(preview.channel, true);
      assert.equal(preview.megagroup, true);
      assert.equal(preview.title, 'Secret');
      assert.equal(preview.about, 'invite only');
      assert.equal(preview.participantsCount, 1);
      const joined = inbox.alice.waitFor((u) => u instanceof Api.UpdateNewChannelMessage && u.message instanceof Api.MessageService && u.message.action instanceof Api.MessageActionChatJoinedByLink, 'Alice sees Dave join by link');
      const res = await mcall(dave, { _: 'messages.importChatInvite', hash });
      assert.equal(res._, 'messages.chatInviteJoinResultOk');
      assert.equal(BigInt(res.updates.chats[0].id), secret.id);
      await joined;
      const already = await mcall(dave, { _: 'messages.checkChatInvite', hash });
      assert.equal(already._, 'chatInviteAlready');
      await rejectsWith(mcall(dave, { _: 'messages.importChatInvite', hash }), 'USER_ALREADY_PARTICIPANT');
      const daveSecret = { id: secret.id, hash: BigInt(already.chat.accessHash.toString()) };
      const daveHistory = await mcall(dave, { _: 'messages.getHistory', peer: mPeer(daveSecret), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 20, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.ok(!daveHistory.messages.some((m: any) => m.message === 'before you came'), 'hidden prehistory stays hidden');
      assert.ok(daveHistory.messages.some((m: any) => m._ === 'messageService' && m.action._ === 'messageActionChatJoinedByLink'), 'what came after joining is there');
      const daveFull = await mcall(dave, { _: 'channels.getFullChannel', channel: mChannel(daveSecret) });
      assert.equal(daveFull.fullChat.hiddenPrehistory, true);
      assert.ok(daveFull.fullChat.availableMinId > 0);
      const aliceHistory = await call<Api.messages.ChannelMessages>(alice, new Api.messages.GetHistory({ peer: gPeer(secret), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 20, maxId: 0, minId: 0, hash: bigInt.zero }));
      assert.ok(aliceHistory.messages.some((m) => (m as Api.Message).message === 'before you came'), 'admins still see it');
      await rejectsWith(mcall(dave, { _: 'messages.exportChatInvite', peer: mPeer(daveSecret) }), 'CHAT_ADMIN_REQUIRED');
      const carolRes = await call<any>(carol, new Api.messages.ImportChatInvite({ hash }));
      assert.ok(carolRes instanceof Api.Updates, 'layer 198 gets Updates');
      await rejectsWith(call(carol, new Api.messages.CheckChatInvite({ hash: 'nosuchhash' })), 'INVITE_HASH_INVALID');
      const full = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(secret) }));
      assert.equal((full.fullChat as Api.ChannelFull).participantsCount, 3);
    });

    test('the admin log records joins, promotions, bans and settings; filters select kinds; members may not read it', { timeout: TIMEOUT }, async () => {
      const log = await mcall(bob, { _: 'channels.getAdminLog', channel: mChannel(club.bob!), q: '', maxId: Long.ZERO, minId: Long.ZERO, limit: 100 });
      const kinds = log.events.map((e: any) => e.action._);
      for (const k of ['channelAdminLogEventActionChangeUsername', 'channelAdminLogEventActionParticipantJoin', 'channelAdminLogEventActionParticipantToggleAdmin', 'channelAdminLogEventActionParticipantToggleBan', 'channelAdminLogEventActionToggleSlowMode', 'channelAdminLogEventActionDefaultBannedRights']) {
        assert.ok(kinds.includes(k), `the log has ${k}: ${kinds.join(', ')}`);
      }
      const ids = log.events.map((e: any) => BigInt(e.id.toString()));
      assert.deepEqual([...ids].sort((a, b) => (a < b ? 1 : -1)), ids, 'newest first');
      const kicks = await mcall(bob, { _: 'channels.getAdminLog', channel: mChannel(club.bob!), q: '', eventsFilter: { _: 'channelAdminLogEventsFilter', kick: true }, maxId: Long.ZERO, minId: Long.ZERO, limit: 100 });
      assert.equal(kicks.events.length, 1);
      assert.equal(BigInt(kicks.events[0].userId), userIds.carol);
      assert.equal(kicks.events[0].action.newParticipant.left, true);
      assert.ok(kicks.users.some((u: any) => BigInt(u.id) === userIds.dave));
      await rejectsWith(call(alice, new Api.channels.GetAdminLog({ channel: gChannel(club.alice!), q: '', maxId: bigInt.zero, minId: bigInt.zero, limit: 10 })), 'CHAT_ADMIN_REQUIRED');
    });

    test('messages.migrateChat turns a basic group into a supergroup: members move, the old history stays reachable', { timeout: TIMEOUT }, async () => {
      const imported = await call<Api.contacts.ImportedContacts>(
        alice,
        new Api.contacts.ImportContacts({ contacts: (['bob', 'carol'] as const).map((n, i) => new Api.InputPhoneContact({ clientId: bigInt(i + 1), phone: `+${PHONES[n]}`, firstName: n, lastName: '' })) }),
      );
      const input = (id: bigint) => {
        const u = imported.users.find((x) => big(x.id) === id) as Api.User;
        return new Api.InputUser({ userId: u.id, accessHash: u.accessHash! });
      };
      const made = await call<Api.messages.InvitedUsers>(alice, new Api.messages.CreateChat({ users: [input(ids.bob), input(ids.carol)], title: 'Old group' }));
      const chatId = big((made.updates as Api.Updates).chats[0]!.id);
      const chatPeer = new Api.InputPeerChat({ chatId: gLong(chatId) });
      await call(alice, new Api.messages.SendMessage({ peer: chatPeer, message: 'before migration', randomId: gLong(randomLong()) }));
      await inbox.bob.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'before migration', 'Bob gets the group message');

      await rejectsWith(call(carol, new Api.messages.MigrateChat({ chatId: gLong(chatId) })), 'CHAT_ADMIN_REQUIRED');
      const bobSees = inbox.bob.waitFor((u) => u._ === 'updateNewMessage' && u.message._ === 'messageService' && u.message.action._ === 'messageActionChatMigrateTo', 'Bob sees the migration');
      const res = await call<Api.Updates>(alice, new Api.messages.MigrateChat({ chatId: gLong(chatId) }));
      const channel = res.chats.find((c) => c instanceof Api.Channel) as Api.Channel;
      assert.ok(channel?.megagroup && channel.creator, 'a supergroup Alice created');
      const old = res.chats.find((c) => c instanceof Api.Chat) as Api.Chat;
      assert.equal(old.deactivated, true);
      assert.ok(old.migratedTo instanceof Api.InputChannel);
      assert.equal(big((old.migratedTo as Api.InputChannel).channelId), big(channel.id));
      const from = res.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
      assert.ok((from.message as Api.MessageService).action instanceof Api.MessageActionChannelMigrateFrom);
      assert.equal(big(((from.message as Api.MessageService).action as Api.MessageActionChannelMigrateFrom).chatId), chatId);
      const to = res.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
      assert.ok((to.message as Api.MessageService).action instanceof Api.MessageActionChatMigrateTo);
      await rejectsWith(call(alice, new Api.messages.MigrateChat({ chatId: gLong(chatId) })), 'CHAT_ID_INVALID');

      const atBob = await bobSees;
      assert.equal(BigInt(atBob.message.action.channelId), big(channel.id));
      const bobChats = await mcall(bob, { _: 'messages.getChats', id: [Number(chatId)] });
      const migratedTo = bobChats.chats[0].migratedTo;
      assert.equal(bobChats.chats[0].deactivated, true);
      const bobSuper: Known = { id: BigInt(migratedTo.channelId), hash: BigInt(migratedTo.accessHash.toString()) };
      await rejectsWith(mcall(bob, { _: 'messages.sendMessage', peer: { _: 'inputPeerChat', chatId: Number(chatId) }, message: 'old place', randomId: mLong(randomLong()) }), 'CHAT_WRITE_FORBIDDEN');
      const history = await mcall(bob, { _: 'messages.getHistory', peer: { _: 'inputPeerChat', chatId: Number(chatId) }, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.ok(history.messages.some((m: any) => m.message === 'before migration'), 'the old history stays reachable');

      await mSend(bob, bobSuper, 'in the supergroup now');
      await inbox.carol.waitFor(gGotChannelText('in the supergroup now'), 'Carol gets Bob\'s supergroup message');
      const full = await mcall(bob, { _: 'channels.getFullChannel', channel: mChannel(bobSuper) });
      assert.equal(full.fullChat.participantsCount, 3);
      assert.equal(BigInt(full.fullChat.migratedFromChatId), chatId);
      assert.ok(full.fullChat.migratedFromMaxId > 0);
      const admins = await mcall(bob, { _: 'channels.getParticipants', channel: mChannel(bobSuper), filter: { _: 'channelParticipantsAdmins' }, offset: 0, limit: 10, hash: Long.ZERO });
      assert.deepEqual(admins.participants.map((p: any) => [p._, BigInt(p.userId)]), [['channelParticipantCreator', ids.alice]]);
    });

    test('title, about, leave and delete', { timeout: TIMEOUT }, async () => {
      const renamed: any = await mcall(bob, { _: 'channels.editTitle', channel: mChannel(club.bob!), title: 'Echo Club 2' });
      assert.equal(renamed.chats[0].title, 'Echo Club 2');
      await rejectsWith(call(alice, new Api.channels.EditTitle({ channel: gChannel(club.alice!), title: 'mine now' })), 'CHAT_ADMIN_REQUIRED');
      assert.equal(await mcall(bob, { _: 'messages.editChatAbout', peer: mPeer(club.bob!), about: 'The club' }), true);
      const full = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(club.alice!) }));
      assert.equal((full.fullChat as Api.ChannelFull).about, 'The club');
      assert.equal((full.chats[0] as Api.Channel).title, 'Echo Club 2');

      const left = await call<Api.Updates>(alice, new Api.channels.LeaveChannel({ channel: gChannel(club.alice!) }));
      assert.equal((left.chats[0] as Api.Channel).left, true);
      await rejectsWith(gSend(alice, club.alice!, 'gone'), 'CHANNEL_PRIVATE');
      await rejectsWith(mcall(bob, { _: 'channels.leaveChannel', channel: mChannel(club.bob!) }), 'USER_CREATOR');
      const leftList = await call<Api.messages.Chats>(alice, new Api.channels.GetLeftChannels({ offset: 0 }));
      assert.deepEqual(leftList.chats.map((c) => big(c.id)), [club.alice!.id]);
      const admined = await mcall(bob, { _: 'channels.getAdminedPublicChannels' });
      assert.deepEqual(admined.chats.map((c: any) => c.username), ['echo_club']);

      await rejectsWith(call(carol, new Api.channels.DeleteChannel({ channel: gChannel(club.carol!) })), 'CHAT_ADMIN_REQUIRED');
      await mcall(bob, { _: 'channels.deleteChannel', channel: mChannel(club.bob!) });
      await rejectsWith(gSend(carol, club.carol!, 'anyone?'), 'CHANNEL_INVALID');
      await rejectsWith(call(carol, new Api.contacts.ResolveUsername({ username: 'echo_club' })), 'USERNAME_NOT_OCCUPIED');
    });
  });
}
