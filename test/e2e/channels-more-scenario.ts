// Channels, second part (issue 14), end to end on the embedded database: channel dialogs arranged like any
// other (pinned, archived, marked unread), the unread total of updates.getState, updateChannelTooLong in
// updates.getDifference for a client back from offline, live view counters, join requests with approval,
// search filters, discussion groups with comment threads. Alice (GramJS, layer 198) runs the channels, Bob
// (mtcute, layer 227, updates loop on) and Carol (GramJS) are their readers. The tests run in order and
// share one echod; channels-more.test.ts runs them on SQLite, test/engines/channels-more-mysql-e2e.test.ts
// on MySQL/MariaDB.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox } from '../support/inbox.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { quietWhenDestroyed, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { signUpTrio } from '../support/trio.js';

const TIMEOUT = 60_000;
const PHONES = { alice: testPhone(415001), bob: testPhone(415002), carol: testPhone(415003) };

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();
const gLong = (v: bigint) => bigInt(v.toString());
const mLong = (v: bigint) => Long.fromString(v.toString());

let world: E2eWorld;
let alice: GramjsHandle;
let carol: GramjsHandle;
let bob: MtcuteHandle;
const ids = { alice: 0n, bob: 0n, carol: 0n };
const inbox = { alice: new Inbox(), carol: new Inbox(), bob: new Inbox() };

/** A channel as one client knows it: its id and the access hash that client was given. */
interface Known {
  id: bigint;
  hash: bigint;
}
type Who = 'alice' | 'bob' | 'carol';
const daily: Partial<Record<Who, Known>> = {};
const talk: Partial<Record<Who, Known>> = {};

const call = <R>(h: GramjsHandle, req: Api.AnyRequest) => h.client.invoke(req) as Promise<R>;
const mcall = (h: MtcuteHandle, req: Record<string, unknown>): Promise<any> => h.client.call(req as any);
const gChannel = (k: Known) => new Api.InputChannel({ channelId: gLong(k.id), accessHash: gLong(k.hash) });
const gPeer = (k: Known) => new Api.InputPeerChannel({ channelId: gLong(k.id), accessHash: gLong(k.hash) });
const mChannel = (k: Known) => ({ _: 'inputChannel', channelId: Number(k.id), accessHash: mLong(k.hash) });
const mPeer = (k: Known) => ({ _: 'inputPeerChannel', channelId: Number(k.id), accessHash: mLong(k.hash) });
const mDialogPeer = (k: Known) => ({ _: 'inputDialogPeer', peer: mPeer(k) });
const isChannelPeer = (p: any, k: Known) => p?._ === 'peerChannel' && BigInt(p.channelId) === k.id;

async function gSend(h: GramjsHandle, k: Known, message: string, extra: Partial<ConstructorParameters<typeof Api.messages.SendMessage>[0]> = {}): Promise<Api.Message> {
  const res = await call<Api.Updates>(h, new Api.messages.SendMessage({ peer: gPeer(k), message, randomId: gLong(randomLong()), ...extra }));
  const u = res.updates.find((x) => x instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
  return u.message as Api.Message;
}

async function mResolve(h: MtcuteHandle, username: string): Promise<Known> {
  const res = await mcall(h, { _: 'contacts.resolveUsername', username });
  const ch = res.chats[0];
  return { id: BigInt(ch.id), hash: BigInt(ch.accessHash.toString()) };
}

async function gResolve(h: GramjsHandle, username: string): Promise<Known> {
  const res = await call<Api.contacts.ResolvedPeer>(h, new Api.contacts.ResolveUsername({ username }));
  const ch = res.chats[0] as Api.Channel;
  return { id: big(ch.id), hash: big(ch.accessHash!) };
}

async function gCreate(title: string, kind: 'broadcast' | 'megagroup', username?: string): Promise<Known> {
  const res = await call<Api.Updates>(alice, new Api.channels.CreateChannel({ [kind]: true, title, about: '' }));
  const ch = res.chats[0] as Api.Channel;
  const k = { id: big(ch.id), hash: big(ch.accessHash!) };
  if (username) await call(alice, new Api.channels.UpdateUsername({ channel: gChannel(k), username }));
  return k;
}

let bobTeardown: { closing(): void } | undefined;

const bobDialogs = (folderId?: number): Promise<any> =>
  mcall(bob, { _: 'messages.getDialogs', folderId, offsetDate: 0, offsetId: 0, offsetPeer: { _: 'inputPeerEmpty' }, limit: 50, hash: Long.ZERO });

/** Registers the scenario's hooks and tests on an echod started with `env` (a database's settings, say). */
export function channelsMoreScenario(label: string, env: () => Record<string, string> = () => ({})): void {
  before(async () => {
    world = await E2eWorld.start({ env: env() });
    const trio = await signUpTrio(world, PHONES, inbox);
    ({ alice, bob, carol } = trio);
    Object.assign(ids, trio.ids);
    bobTeardown = quietWhenDestroyed(bob.client);

    daily.alice = await gCreate('Echo Daily', 'broadcast', 'echo_daily');
    talk.alice = await gCreate('Echo Talk', 'megagroup', 'echo_talk');
    daily.bob = await mResolve(bob, 'echo_daily');
    talk.bob = await mResolve(bob, 'echo_talk');
    await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(daily.bob) });
    await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(talk.bob) });
    daily.carol = await gResolve(carol, 'echo_daily');
    await call(carol, new Api.channels.JoinChannel({ channel: gChannel(daily.carol) }));
  });

  after(async () => {
    // mtcute's updates loop may still be catching up a channel (a getChannelDifference after the last
    // updateChannel) when the client is destroyed: that request is left pending rather than rejected.
    bobTeardown?.closing();
    await bob?.client.stopUpdatesLoop().catch(() => undefined);
    await world?.close();
  });

  describe(`channels, second part (${label})`, () => {
    test('a client back from offline learns with updateChannelTooLong which channel to catch up; getState counts channel unread posts', { timeout: TIMEOUT }, async () => {
      const before = await call<Api.updates.State>(carol, new Api.updates.GetState());
      const first = await gSend(alice, daily.alice!, 'while Carol was away 1');
      await gSend(alice, daily.alice!, 'while Carol was away 2');
      const last = await gSend(alice, daily.alice!, 'while Carol was away 3');
      const state = await call<Api.updates.State>(carol, new Api.updates.GetState());
      assert.equal(state.unreadCount, before.unreadCount + 3, 'the three unread posts count in updates.state');

      // Carol's client knew the state as of the second before the first post.
      const diff = await call<Api.updates.TypeDifference>(carol, new Api.updates.GetDifference({ pts: state.pts, date: first.date - 1, qts: state.qts }));
      assert.ok(diff instanceof Api.updates.Difference, `a difference, got ${diff.className}`);
      const tooLong = diff.otherUpdates.find((u) => u instanceof Api.UpdateChannelTooLong && big(u.channelId) === daily.alice!.id) as Api.UpdateChannelTooLong;
      assert.ok(tooLong, 'updateChannelTooLong names the channel');
      assert.ok(diff.chats.some((c) => big(c.id) === daily.alice!.id), 'with the channel object');
      assert.ok(diff.state.date >= last.date, 'the state date moves past the posts it covers');
      const fromPts = tooLong.pts ?? 1;
      const cd = await call<Api.updates.ChannelDifference>(carol, new Api.updates.GetChannelDifference({ channel: gChannel(daily.carol!), filter: new Api.ChannelMessagesFilterEmpty(), pts: fromPts, limit: 100 }));
      assert.ok(cd instanceof Api.updates.ChannelDifference);
      const texts = cd.newMessages.map((m) => (m as Api.Message).message);
      for (const t of ['while Carol was away 1', 'while Carol was away 2', 'while Carol was away 3']) assert.ok(texts.includes(t), `${t} caught up`);

      // Asking again from the new state names no channel.
      const again = await call<Api.updates.TypeDifference>(carol, new Api.updates.GetDifference({ pts: diff.state.pts, date: diff.state.date, qts: diff.state.qts }));
      assert.ok(again instanceof Api.updates.DifferenceEmpty, `nothing more, got ${again.className}`);

      await call(carol, new Api.channels.ReadHistory({ channel: gChannel(daily.carol!), maxId: last.id }));
      const read = await call<Api.updates.State>(carol, new Api.updates.GetState());
      assert.equal(read.unreadCount, before.unreadCount);
    });

    test('channel dialogs are pinned, reordered and listed as pinned like any dialog', { timeout: TIMEOUT }, async () => {
      assert.equal(await mcall(bob, { _: 'messages.toggleDialogPin', pinned: true, peer: mDialogPeer(daily.bob!) }), true);
      assert.equal(await mcall(bob, { _: 'messages.toggleDialogPin', pinned: true, peer: mDialogPeer(talk.bob!) }), true);
      let list = await bobDialogs();
      assert.ok(isChannelPeer(list.dialogs[0].peer, talk.bob!), 'the last pinned is on top');
      assert.ok(isChannelPeer(list.dialogs[1].peer, daily.bob!));
      assert.equal(list.dialogs[0].pinned, true);
      assert.equal(await mcall(bob, { _: 'messages.reorderPinnedDialogs', folderId: 0, force: true, order: [mDialogPeer(daily.bob!), mDialogPeer(talk.bob!)] }), true);
      list = await bobDialogs();
      assert.ok(isChannelPeer(list.dialogs[0].peer, daily.bob!), 'the new order holds');
      const pinned = await mcall(bob, { _: 'messages.getPinnedDialogs', folderId: 0 });
      assert.deepEqual(pinned.dialogs.map((d: any) => BigInt(d.peer.channelId)), [daily.bob!.id, talk.bob!.id]);
      assert.equal(await mcall(bob, { _: 'messages.toggleDialogPin', pinned: false, peer: mDialogPeer(talk.bob!) }), true);
      list = await bobDialogs();
      assert.ok(!list.dialogs.find((d: any) => isChannelPeer(d.peer, talk.bob!)).pinned, 'unpinned');
      // Carol is not in the supergroup: she has no dialog of it to pin.
      talk.carol = await gResolve(carol, 'echo_talk');
      await rejectsWith(call(carol, new Api.messages.ToggleDialogPin({ pinned: true, peer: new Api.InputDialogPeer({ peer: gPeer(talk.carol) }) })), 'PEER_ID_INVALID');
    });

    test('a channel dialog is marked unread until read, and archived into folder 1', { timeout: TIMEOUT }, async () => {
      assert.equal(await mcall(bob, { _: 'messages.markDialogUnread', unread: true, peer: mDialogPeer(talk.bob!) }), true);
      const marks = await mcall(bob, { _: 'messages.getDialogUnreadMarks' });
      assert.ok(marks.some((m: any) => isChannelPeer(m.peer, talk.bob!)));
      const pd = await mcall(bob, { _: 'messages.getPeerDialogs', peers: [mDialogPeer(talk.bob!)] });
      assert.equal(pd.dialogs[0].unreadMark, true);
      await mcall(bob, { _: 'channels.readHistory', channel: mChannel(talk.bob!), maxId: 0 });
      const after = await mcall(bob, { _: 'messages.getDialogUnreadMarks' });
      assert.ok(!after.some((m: any) => isChannelPeer(m.peer, talk.bob!)), 'reading clears the mark');

      const moved = await mcall(bob, { _: 'folders.editPeerFolders', folderPeers: [{ _: 'inputFolderPeer', peer: mPeer(talk.bob!), folderId: 1 }] });
      const fp = moved.updates.find((u: any) => u._ === 'updateFolderPeers');
      assert.ok(fp && isChannelPeer(fp.folderPeers[0].peer, talk.bob!) && fp.folderPeers[0].folderId === 1);
      const archive = await bobDialogs(1);
      assert.ok(archive.dialogs.some((d: any) => isChannelPeer(d.peer, talk.bob!) && d.folderId === 1), 'in the archive');
      const main = await bobDialogs(0);
      assert.ok(!main.dialogs.some((d: any) => isChannelPeer(d.peer, talk.bob!)), 'not in the main list');
      await mcall(bob, { _: 'folders.editPeerFolders', folderPeers: [{ _: 'inputFolderPeer', peer: mPeer(talk.bob!), folderId: 0 }] });
      assert.ok((await bobDialogs(0)).dialogs.some((d: any) => isChannelPeer(d.peer, talk.bob!)), 'back in the main list');
      await rejectsWith(mcall(bob, { _: 'folders.editPeerFolders', folderPeers: [{ _: 'inputFolderPeer', peer: mPeer(talk.bob!), folderId: 7 }] }), 'FOLDER_ID_INVALID');
    });

    test('a view counted reaches the members online as updateChannelMessageViews', { timeout: TIMEOUT }, async () => {
      const post = await gSend(alice, daily.alice!, 'watch my views');
      const live = inbox.alice.waitFor((u) => u instanceof Api.UpdateChannelMessageViews && u.id === post.id && u.views === 1, 'Alice sees the view counter move');
      const v = await call<Api.messages.MessageViews>(carol, new Api.messages.GetMessagesViews({ peer: gPeer(daily.carol!), id: [post.id], increment: true }));
      assert.equal(v.views[0]!.views, 1);
      await live;
      const asBob = await mcall(bob, { _: 'messages.getMessagesViews', peer: mPeer(daily.bob!), id: [post.id], increment: false });
      assert.equal(asBob.views[0].views, 1, 'the same count for everyone');
    });

    test('a link with request_needed collects join requests the admins approve or decline', { timeout: TIMEOUT }, async () => {
      const club = await gCreate('Echo Club', 'megagroup');
      await rejectsWith(call(alice, new Api.messages.ExportChatInvite({ peer: gPeer(club), requestNeeded: true, usageLimit: 5 })), 'USAGE_LIMIT_INVALID');
      const link = (await call<Api.ChatInviteExported>(alice, new Api.messages.ExportChatInvite({ peer: gPeer(club), requestNeeded: true, title: 'apply' }))) as Api.ChatInviteExported;
      assert.equal(link.requestNeeded, true);
      const hash = link.link.slice(link.link.lastIndexOf('/+') + 2);

      const preview = await call<Api.ChatInvite>(carol, new Api.messages.CheckChatInvite({ hash }));
      assert.ok(preview instanceof Api.ChatInvite);
      assert.equal(preview.requestNeeded, true, 'the preview says an admin must approve');

      const pendingAtAlice = inbox.alice.waitFor((u) => u instanceof Api.UpdatePendingJoinRequests && big((u.peer as Api.PeerChannel).channelId) === club.id && u.requestsPending === 1, 'Alice is told of the request');
      await rejectsWith(call(carol, new Api.messages.ImportChatInvite({ hash })), 'INVITE_REQUEST_SENT');
      const pending = await pendingAtAlice;
      assert.deepEqual(pending.recentRequesters.map(big), [ids.carol]);
      await rejectsWith(mcall(bob, { _: 'messages.importChatInvite', hash }), 'INVITE_REQUEST_SENT');
      await rejectsWith(mcall(bob, { _: 'messages.importChatInvite', hash }), 'INVITE_REQUEST_SENT');

      const full = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(club) }));
      assert.equal((full.fullChat as Api.ChannelFull).requestsPending, 2, 'asking twice is one request');
      const requests = await call<Api.messages.ChatInviteImporters>(alice, new Api.messages.GetChatInviteImporters({ requested: true, peer: gPeer(club), link: link.link, offsetDate: 0, offsetUser: new Api.InputUserEmpty(), limit: 10 }));
      assert.equal(requests.count, 2);
      assert.deepEqual(requests.importers.map((i) => big(i.userId)).sort(), [ids.bob, ids.carol].sort());
      assert.ok(requests.importers.every((i) => i.requested));
      const byName = await call<Api.messages.ChatInviteImporters>(alice, new Api.messages.GetChatInviteImporters({ requested: true, peer: gPeer(club), q: 'car', offsetDate: 0, offsetUser: new Api.InputUserEmpty(), limit: 10 }));
      assert.deepEqual(byName.importers.map((i) => big(i.userId)), [ids.carol]);
      const links = await call<Api.messages.ExportedChatInvites>(alice, new Api.messages.GetExportedChatInvites({ peer: gPeer(club), adminId: new Api.InputUserSelf(), limit: 10 }));
      const listed = links.invites.find((i) => (i as Api.ChatInviteExported).link === link.link) as Api.ChatInviteExported;
      assert.equal(listed.requested, 2, 'the link counts its pending requests');

      const carolUser = requests.users.find((u) => big(u.id) === ids.carol) as Api.User;
      const inputCarol = new Api.InputUser({ userId: carolUser.id, accessHash: carolUser.accessHash! });
      const carolLetIn = inbox.carol.waitFor((u) => u instanceof Api.UpdateChannel && big(u.channelId) === club.id, 'Carol learns she is in');
      const approved = await call<Api.Updates>(alice, new Api.messages.HideChatJoinRequest({ approved: true, peer: gPeer(club), userId: inputCarol }));
      const left = approved.updates.find((u) => u instanceof Api.UpdatePendingJoinRequests) as Api.UpdatePendingJoinRequests;
      assert.equal(left.requestsPending, 1);
      await carolLetIn;
      const asCarol = await call<Api.TypeChatInvite>(carol, new Api.messages.CheckChatInvite({ hash }));
      assert.ok(asCarol instanceof Api.ChatInviteAlready, 'the link now says Carol is in');
      const history = await call<Api.messages.ChannelMessages>(alice, new Api.messages.GetHistory({ peer: gPeer(club), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 5, maxId: 0, minId: 0, hash: bigInt.zero }));
      const joinedMsg = history.messages.find((m) => m instanceof Api.MessageService && m.action instanceof Api.MessageActionChatJoinedByRequest) as Api.MessageService;
      assert.ok(joinedMsg, 'the supergroup shows Carol joined by request');
      assert.equal(big((joinedMsg.fromId as Api.PeerUser).userId), ids.carol);
      await rejectsWith(call(alice, new Api.messages.HideChatJoinRequest({ approved: true, peer: gPeer(club), userId: inputCarol })), 'HIDE_REQUESTER_MISSING');
      const carolClub = ((await call<Api.ChatInviteAlready>(carol, new Api.messages.CheckChatInvite({ hash }))).chat as Api.Channel);
      await rejectsWith(call(carol, new Api.messages.GetChatInviteImporters({ requested: true, peer: gPeer({ id: club.id, hash: big(carolClub.accessHash!) }), offsetDate: 0, offsetUser: new Api.InputUserEmpty(), limit: 10 })), 'CHAT_ADMIN_REQUIRED');

      const declined = await call<Api.Updates>(alice, new Api.messages.HideAllChatJoinRequests({ approved: false, peer: gPeer(club), link: link.link }));
      assert.equal((declined.updates.find((u) => u instanceof Api.UpdatePendingJoinRequests) as Api.UpdatePendingJoinRequests).requestsPending, 0);
      const none = await call<Api.messages.ChatInviteImporters>(alice, new Api.messages.GetChatInviteImporters({ requested: true, peer: gPeer(club), offsetDate: 0, offsetUser: new Api.InputUserEmpty(), limit: 10 }));
      assert.equal(none.count, 0);
      const bobView = await mcall(bob, { _: 'messages.checkChatInvite', hash });
      assert.equal(bobView._, 'chatInvite', 'Bob, declined, is still outside');
      const joined = await call<Api.messages.ChatInviteImporters>(alice, new Api.messages.GetChatInviteImporters({ peer: gPeer(club), link: link.link, offsetDate: 0, offsetUser: new Api.InputUserEmpty(), limit: 10 }));
      assert.deepEqual(joined.importers.map((i) => [big(i.userId), i.approvedBy && big(i.approvedBy)]), [[ids.carol, ids.alice]], 'who joined through the link, and who let them in');
    });

    test('messages.search in a channel filters photos, documents, links, voice, music, GIFs and round videos', { timeout: TIMEOUT }, async () => {
      const upload = (name: string, bytes: Buffer) => alice.client.uploadFile({ file: new CustomFile(name, bytes.length, '', bytes), workers: 1 });
      const sendMedia = async (media: Api.TypeInputMedia, message = '') => {
        const res = await call<Api.Updates>(alice, new Api.messages.SendMedia({ peer: gPeer(daily.alice!), media, message, randomId: gLong(randomLong()) }));
        return ((res.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage).message as Api.Message).id;
      };
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
      const photo = await sendMedia(new Api.InputMediaUploadedPhoto({ file: await upload('p.jpg', jpeg) }), 'a photo');
      const doc = (attributes: Api.TypeDocumentAttribute[], mimeType: string, name: string) => async () =>
        sendMedia(new Api.InputMediaUploadedDocument({ file: await upload(name, randomBytes(2048)), mimeType, attributes: [new Api.DocumentAttributeFilename({ fileName: name }), ...attributes] }));
      const pdf = await doc([], 'application/pdf', 'report.pdf')();
      const voice = await doc([new Api.DocumentAttributeAudio({ voice: true, duration: 3 })], 'audio/ogg', 'v.ogg')();
      const song = await doc([new Api.DocumentAttributeAudio({ duration: 200, title: 'Song', performer: 'Band' })], 'audio/mpeg', 'song.mp3')();
      const gif = await doc([new Api.DocumentAttributeAnimated(), new Api.DocumentAttributeVideo({ duration: 1, w: 64, h: 48 })], 'video/mp4', 'g.mp4')();
      const round = await doc([new Api.DocumentAttributeVideo({ roundMessage: true, duration: 2, w: 240, h: 240 })], 'video/mp4', 'r.mp4')();
      const link = (await gSend(alice, daily.alice!, 'read https://example.org/news today', { entities: [new Api.MessageEntityUrl({ offset: 5, length: 24 })] })).id;

      const search = async (filter: Record<string, unknown>): Promise<number[]> => {
        const res = await mcall(bob, { _: 'messages.search', peer: mPeer(daily.bob!), q: '', filter, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 50, maxId: 0, minId: 0, hash: Long.ZERO });
        assert.equal(res._, 'messages.channelMessages');
        assert.equal(res.count, res.messages.length);
        return res.messages.map((m: any) => m.id);
      };
      assert.deepEqual(await search({ _: 'inputMessagesFilterPhotos' }), [photo]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterDocument' }), [pdf]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterUrl' }), [link]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterVoice' }), [voice]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterMusic' }), [song]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterGif' }), [gif]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterRoundVideo' }), [round]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterRoundVoice' }), [round, voice]);
      assert.deepEqual(await search({ _: 'inputMessagesFilterChatPhotos' }), [], 'nothing of a kind the channel has not');
      // Text and filter together, through GramJS.
      const g = await call<Api.messages.ChannelMessages>(carol, new Api.messages.Search({ peer: gPeer(daily.carol!), q: 'photo', filter: new Api.InputMessagesFilterPhotos(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }));
      assert.deepEqual(g.messages.map((m) => m.id), [photo]);
      await rejectsWith(mcall(bob, { _: 'messages.search', peer: mPeer(daily.bob!), q: '', filter: { _: 'inputMessagesFilterMyMentions' }, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 5, maxId: 0, minId: 0, hash: Long.ZERO }), 'INPUT_FILTER_INVALID');
      // An edit that drops the link drops the post from the links.
      await call(alice, new Api.messages.EditMessage({ peer: gPeer(daily.alice!), id: link, message: 'no link any more' }));
      assert.deepEqual(await search({ _: 'inputMessagesFilterUrl' }), []);
    });

    test('a discussion group gets each post automatically; comments are its thread, counted under the post', { timeout: TIMEOUT }, async () => {
      const posts = await gCreate('Echo Posts', 'broadcast', 'echo_posts');
      const chat = await gCreate('Echo Posts Chat', 'megagroup', 'echo_posts_chat');
      const early = await gSend(alice, posts, 'before the link');
      const bobPosts = await mResolve(bob, 'echo_posts');
      const bobChat = await mResolve(bob, 'echo_posts_chat');
      await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(bobPosts) });
      await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(bobChat) });
      const carolPosts = await gResolve(carol, 'echo_posts');
      await call(carol, new Api.channels.JoinChannel({ channel: gChannel(carolPosts) }));

      await rejectsWith(call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(chat), group: gChannel(chat) })), 'BROADCAST_ID_INVALID');
      await rejectsWith(call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(posts), group: gChannel(daily.alice!) })), 'MEGAGROUP_ID_INVALID');
      await rejectsWith(mcall(bob, { _: 'channels.setDiscussionGroup', broadcast: mChannel(bobPosts), group: mChannel(bobChat) }), 'CHAT_ADMIN_REQUIRED');
      await rejectsWith(call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(posts), group: new Api.InputChannelEmpty() })), 'LINK_NOT_MODIFIED');
      const candidates = await call<Api.messages.Chats>(alice, new Api.channels.GetGroupsForDiscussion());
      assert.ok(candidates.chats.some((c) => big(c.id) === chat.id), 'Alice may link her supergroup');
      assert.ok(!candidates.chats.some((c) => big(c.id) === posts.id), 'not a broadcast channel');
      assert.equal(await call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(posts), group: gChannel(chat) })), true);
      await rejectsWith(call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(posts), group: gChannel(chat) })), 'LINK_NOT_MODIFIED');
      const fullPosts = await call<Api.messages.ChatFull>(carol, new Api.channels.GetFullChannel({ channel: gChannel(carolPosts) }));
      assert.equal(big((fullPosts.fullChat as Api.ChannelFull).linkedChatId!), chat.id, 'the channel names its discussion group');
      assert.ok(fullPosts.chats.some((c) => big(c.id) === chat.id && c instanceof Api.Channel && c.megagroup), 'and carries it');
      assert.equal((fullPosts.chats.find((c) => big(c.id) === carolPosts.id) as Api.Channel).hasLink, true);
      const fullChat = await mcall(bob, { _: 'channels.getFullChannel', channel: mChannel(bobChat) });
      assert.equal(BigInt(fullChat.fullChat.linkedChatId), posts.id, 'the group names its channel');

      const copyAtBob = inbox.bob.waitFor((u) => u._ === 'updateNewChannelMessage' && isChannelPeer(u.message.peerId, bobChat) && u.message.message === 'discuss this', 'Bob sees the post copied into the group');
      const postAtBob = inbox.bob.waitFor((u) => u._ === 'updateNewChannelMessage' && isChannelPeer(u.message.peerId, bobPosts) && u.message.message === 'discuss this', 'Bob sees the post');
      const post = await gSend(alice, posts, 'discuss this');
      assert.equal(post.replies?.comments, true, 'the post opens comments');
      assert.equal(big(post.replies!.channelId!), chat.id);
      const live = await postAtBob;
      assert.equal(live.message.replies.comments, true);
      assert.equal(live.message.replies.replies, 0);
      const copy = (await copyAtBob).message;
      assert.ok(isChannelPeer(copy.fromId, bobPosts), 'the copy comes from the channel');
      assert.ok(isChannelPeer(copy.fwdFrom.fromId, bobPosts));
      assert.equal(copy.fwdFrom.channelPost, post.id);
      assert.equal(copy.fwdFrom.savedFromMsgId, post.id);

      // Carol reads the channel only; she can still open the comments.
      const discussion = await call<Api.messages.DiscussionMessage>(carol, new Api.messages.GetDiscussionMessage({ peer: gPeer(carolPosts), msgId: post.id }));
      assert.equal(discussion.messages[0]!.id, copy.id);
      assert.equal(discussion.unreadCount, 0);
      assert.ok(discussion.chats.some((c) => big(c.id) === chat.id));

      const first = await mcall(bob, { _: 'messages.sendMessage', peer: mPeer(bobChat), message: 'first comment', randomId: mLong(randomLong()), replyTo: { _: 'inputReplyToMessage', replyToMsgId: copy.id } });
      const firstMsg = first.updates.find((u: any) => u._ === 'updateNewChannelMessage').message;
      const answer = await gSend(alice, chat, 'answering Bob', { replyTo: new Api.InputReplyToMessage({ replyToMsgId: firstMsg.id, topMsgId: copy.id }) });
      assert.equal((answer.replyTo as Api.MessageReplyHeader).replyToMsgId, firstMsg.id);
      assert.equal((answer.replyTo as Api.MessageReplyHeader).replyToTopId, copy.id, 'a reply to a comment stays in the thread');
      await gSend(alice, chat, 'off topic');

      const replies = await call<Api.messages.ChannelMessages>(carol, new Api.messages.GetReplies({ peer: gPeer(carolPosts), msgId: post.id, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }));
      assert.deepEqual(replies.messages.map((m) => (m as Api.Message).message), ['answering Bob', 'first comment'], 'the comments, newest first, without the rest of the group');
      assert.equal(replies.count, 2);
      const inGroup = await mcall(bob, { _: 'messages.getReplies', peer: mPeer(bobChat), msgId: firstMsg.id, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.equal(inGroup.count, 2, 'the same thread, asked from a comment in the group');
      assert.equal(inGroup.messages.length, 1);

      const hist = await mcall(bob, { _: 'channels.getMessages', channel: mChannel(bobPosts), id: [{ _: 'inputMessageID', id: post.id }] });
      const under = hist.messages[0].replies;
      assert.equal(under.replies, 2, 'the post counts its comments');
      assert.equal(under.maxId, answer.id);
      assert.deepEqual(under.recentRepliers.map((p: any) => BigInt(p.userId)), [ids.alice, ids.bob]);
      assert.ok(hist.users.some((u: any) => BigInt(u.id) === ids.alice), 'with the repliers');
      const atBob = await mcall(bob, { _: 'messages.getDiscussionMessage', peer: mPeer(bobPosts), msgId: post.id });
      assert.equal(atBob.maxId, answer.id);

      // Editing the post edits its copy in the group too.
      const copyEdited = inbox.bob.waitFor((u) => u._ === 'updateEditChannelMessage' && isChannelPeer(u.message.peerId, bobChat) && u.message.id === copy.id && u.message.message === 'discuss this, please', 'Bob sees the copy edited');
      const editedPost = await call<Api.Updates>(alice, new Api.messages.EditMessage({ peer: gPeer(posts), id: post.id, message: 'discuss this, please' }));
      const editedMsg = (editedPost.updates.find((u) => u instanceof Api.UpdateEditChannelMessage) as Api.UpdateEditChannelMessage).message as Api.Message;
      assert.equal(editedMsg.replies?.replies, 2, 'the edited post still counts its comments');
      await copyEdited;

      await rejectsWith(call(carol, new Api.messages.GetReplies({ peer: gPeer(carolPosts), msgId: early.id, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero })), 'MSG_ID_INVALID');
      await rejectsWith(call(carol, new Api.messages.GetDiscussionMessage({ peer: gPeer(carolPosts), msgId: 999_999 })), 'MSG_ID_INVALID');

      assert.equal(await call(alice, new Api.channels.SetDiscussionGroup({ broadcast: gChannel(posts), group: new Api.InputChannelEmpty() })), true);
      const unlinked = await call<Api.messages.ChatFull>(alice, new Api.channels.GetFullChannel({ channel: gChannel(posts) }));
      assert.equal((unlinked.fullChat as Api.ChannelFull).linkedChatId ?? null, null, 'unlinked');
      const alone = await gSend(alice, posts, 'no comments here');
      assert.equal(alone.replies ?? null, null, 'a post after unlinking opens no comments');
    });

    test('forum topics: a supergroup turned forum gets topics its members write in, edit, close and pin', { timeout: TIMEOUT }, async () => {
      const forum = await gCreate('Echo Forum', 'megagroup', 'echo_forum');
      const bobForum = await mResolve(bob, 'echo_forum');
      await mcall(bob, { _: 'channels.joinChannel', channel: mChannel(bobForum) });
      await rejectsWith(call(alice, new Api.channels.GetForumTopics({ channel: gChannel(forum), offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 10 })), 'CHANNEL_FORUM_MISSING');
      await rejectsWith(mcall(bob, { _: 'channels.toggleForum', channel: mChannel(bobForum), enabled: true, tabs: false }), 'CHAT_ADMIN_REQUIRED');
      await rejectsWith(call(alice, new Api.channels.ToggleForum({ channel: gChannel(daily.alice!), enabled: true })), 'CHANNEL_INVALID');
      const toggled = await call<Api.Updates>(alice, new Api.channels.ToggleForum({ channel: gChannel(forum), enabled: true }));
      assert.equal((toggled.chats[0] as Api.Channel).forum, true, 'the supergroup is a forum');
      await rejectsWith(call(alice, new Api.channels.ToggleForum({ channel: gChannel(forum), enabled: true })), 'CHAT_NOT_MODIFIED');

      // Bob (mtcute, layer 227: messages.*) opens a topic; Alice (GramJS, layer 198: channels.*) sees it.
      const created = await mcall(bob, { _: 'messages.createForumTopic', peer: mPeer(bobForum), title: 'Releases', randomId: mLong(randomLong()) });
      const action = created.updates.find((u: any) => u._ === 'updateNewChannelMessage').message;
      assert.equal(action.action._, 'messageActionTopicCreate');
      const topicId: number = action.id;
      await rejectsWith(mcall(bob, { _: 'messages.createForumTopic', peer: mPeer(bobForum), title: '  ', randomId: mLong(randomLong()) }), 'TOPIC_TITLE_EMPTY');
      const inTopic = await gSend(alice, forum, 'v1.0 is out', { replyTo: new Api.InputReplyToMessage({ replyToMsgId: topicId, topMsgId: topicId }) });
      assert.equal((inTopic.replyTo as Api.MessageReplyHeader).forumTopic, true);
      assert.equal((inTopic.replyTo as Api.MessageReplyHeader).replyToMsgId, topicId);
      const reply = await mcall(bob, { _: 'messages.sendMessage', peer: mPeer(bobForum), message: 'congrats', randomId: mLong(randomLong()), replyTo: { _: 'inputReplyToMessage', replyToMsgId: inTopic.id, topMsgId: topicId } });
      const replyMsg = reply.updates.find((u: any) => u._ === 'updateNewChannelMessage').message;
      assert.equal(replyMsg.replyTo.replyToTopId, topicId, 'a reply inside a topic names the topic');
      await gSend(alice, forum, 'general chatter');

      const list = await call<Api.messages.ForumTopics>(alice, new Api.channels.GetForumTopics({ channel: gChannel(forum), offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 10 }));
      assert.equal(list.count, 2);
      const [releases, general] = list.topics as Api.ForumTopic[];
      assert.equal(releases!.title, 'Releases');
      assert.equal(releases!.topMessage, replyMsg.id, 'the topic\'s newest message');
      assert.equal(big((releases!.fromId as Api.PeerUser).userId), ids.bob);
      assert.equal(general!.id, 1);
      assert.equal(general!.title, 'General');
      assert.ok(list.messages.some((m) => (m as Api.Message).message === 'general chatter'), 'General\'s newest message is outside every topic');
      assert.equal(general!.topMessage, list.messages.find((m) => (m as Api.Message).message === 'general chatter')!.id);
      const found = await mcall(bob, { _: 'messages.getForumTopics', peer: mPeer(bobForum), q: 'rel', offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 10 });
      assert.deepEqual(found.topics.map((t: any) => t.id), [topicId]);
      assert.equal(found.topics[0].my, true, 'Bob made it');
      const byId = await call<Api.messages.ForumTopics>(alice, new Api.channels.GetForumTopicsByID({ channel: gChannel(forum), topics: [topicId, 424242] }));
      assert.ok(byId.topics[0] instanceof Api.ForumTopic);
      assert.ok(byId.topics[1] instanceof Api.ForumTopicDeleted);
      const thread = await mcall(bob, { _: 'messages.getReplies', peer: mPeer(bobForum), msgId: topicId, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
      assert.deepEqual(thread.messages.map((m: any) => m.message ?? m.action._), ['congrats', 'v1.0 is out', 'messageActionTopicCreate'], 'the topic\'s messages, from its creation');

      const renamed = await mcall(bob, { _: 'messages.editForumTopic', peer: mPeer(bobForum), topicId, title: 'Releases 2026' });
      assert.equal(renamed.updates.find((u: any) => u._ === 'updateNewChannelMessage').message.action._, 'messageActionTopicEdit');
      await rejectsWith(mcall(bob, { _: 'messages.editForumTopic', peer: mPeer(bobForum), topicId, title: 'Releases 2026' }), 'TOPIC_NOT_MODIFIED');
      await rejectsWith(mcall(bob, { _: 'messages.editForumTopic', peer: mPeer(bobForum), topicId: 31337, title: 'x' }), 'TOPIC_ID_INVALID');
      await rejectsWith(mcall(bob, { _: 'messages.editForumTopic', peer: mPeer(bobForum), topicId: 1, title: 'Mine' }), 'CHAT_ADMIN_REQUIRED');
      await call(alice, new Api.channels.EditForumTopic({ channel: gChannel(forum), topicId, closed: true }));
      await rejectsWith(mcall(bob, { _: 'messages.sendMessage', peer: mPeer(bobForum), message: 'too late', randomId: mLong(randomLong()), replyTo: { _: 'inputReplyToMessage', replyToMsgId: topicId, topMsgId: topicId } }), 'TOPIC_CLOSED');
      await gSend(alice, forum, 'admins may still write', { replyTo: new Api.InputReplyToMessage({ replyToMsgId: topicId }) });

      await rejectsWith(mcall(bob, { _: 'messages.updatePinnedForumTopic', peer: mPeer(bobForum), topicId, pinned: true }), 'CHAT_ADMIN_REQUIRED');
      const pinnedAtBob = inbox.bob.waitFor((u) => u._ === 'updatePinnedForumTopic' && u.topicId === topicId && u.pinned === true, 'Bob sees the topic pinned');
      await call(alice, new Api.channels.UpdatePinnedForumTopic({ channel: gChannel(forum), topicId, pinned: true }));
      await pinnedAtBob;
      const after = await mcall(bob, { _: 'messages.getForumTopicsByID', peer: mPeer(bobForum), topics: [topicId] });
      assert.equal(after.topics[0].title, 'Releases 2026');
      assert.equal(after.topics[0].closed, true);
      assert.equal(after.topics[0].pinned, true);
    });
  });
}
