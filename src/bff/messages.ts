// messages.* for private chats and Saved Messages (core.telegram.org/api/messages): send, forward, edit,
// delete, read, typing, history and dialogs. Writes go through the messenger, which answers only after
// every copy is stored and pushes to the other sessions concerned.
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { userPeer, type PeerRef } from '../messenger/peer.js';
import type { Caller } from '../messenger/messaging.js';
import type { OutgoingMessage } from '../messenger/message-store.js';
import { checkText } from '../messenger/messaging.js';
import { isChannelPeer } from './channels.js';
import { CHANNEL_BROADCAST } from '../messenger/channels/index.js';
import { dedupeUsers, mergeChannelDialogs, mergePeerDialogs } from './channel-dialogs.js';
import { peerKey } from '../messenger/peer.js';
import { CONTENT_NOFORWARDS, CONTENT_SERVICE, entitiesColumn, fwdFromColumn, mediaColumn } from '../messenger/message-row.js';

/** Messages per forwardMessages / deleteMessages / getMessages call, as Telegram allows. */
const MAX_IDS = 100;

export function registerMessages(rpc: RpcDispatcher, services: AppServices): void {
  const { messaging, views } = services.messenger;

  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** The chat an InputPeer names. Basic groups and channels are not there yet. */
  async function peerOf(ctx: RpcContext, input: TlType<'InputPeer'>, opts: { forWriting?: boolean } = {}): Promise<PeerRef> {
    if (input._ === 'inputPeerChat') return services.chats.peerFor(viewerOf(ctx), input.chatId);
    if (input._ !== 'inputPeerSelf' && input._ !== 'inputPeerUser') throw RpcError.badRequest('PEER_ID_INVALID');
    const record = await resolveInputUserRecord(services, ctx, input);
    if (opts.forWriting && record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return userPeer(record.id);
  }

  const replyToId = (replyTo: TlType<'InputReplyTo'> | undefined): number | undefined => (replyTo?._ === 'inputReplyToMessage' ? replyTo.replyToMsgId : undefined);

  rpc.register('messages.sendMessage', async (req, ctx) => {
    const { message, entities } = checkText(req.message, req.entities);
    const item: OutgoingMessage = { randomId: req.randomId, message, entities, replyToId: replyToId(req.replyTo), silent: req.silent === true, noforwards: req.noforwards === true };
    if (isChannelPeer(req.peer)) {
      const me = caller(ctx);
      const { channel } = await services.channels.access(me.userId, req.peer);
      return services.channels.postAnswer(me, channel.id, await services.channels.post(me, channel.id, [item]));
    }
    const peer = await peerOf(ctx, req.peer, { forWriting: true });
    const [sent] = await messaging.send(caller(ctx), peer, [item], { clearDraft: req.clearDraft === true });
    return { _: 'updateShortSentMessage', out: true, id: sent!.id, pts: sent!.pts, ptsCount: 1, date: sent!.date, entities: sent!.own?.row.entities ? entitiesColumn(sent!.own.row.entities) : undefined };
  });

  rpc.register('messages.forwardMessages', async (req, ctx) => {
    const ids = req.id;
    const randomIds = req.randomId;
    if (ids.length === 0) throw RpcError.badRequest('MESSAGE_IDS_EMPTY');
    if (ids.length !== randomIds.length || ids.length > MAX_IDS) throw RpcError.badRequest('RANDOM_ID_INVALID');
    if (new Set(randomIds.map((r) => BigInt.asIntN(64, r))).size !== randomIds.length) throw RpcError.badRequest('RANDOM_ID_DUPLICATE');
    const me = caller(ctx);
    const items = isChannelPeer(req.fromPeer) ? await channelSources(me.userId, req.fromPeer, ids, randomIds, req) : await boxSources(ctx, me.userId, req.fromPeer, ids, randomIds, req);
    if (isChannelPeer(req.toPeer)) {
      const { channel } = await services.channels.access(me.userId, req.toPeer);
      return services.channels.postAnswer(me, channel.id, await services.channels.post(me, channel.id, items));
    }
    const to = await peerOf(ctx, req.toPeer, { forWriting: true });
    const sent = await messaging.send(me, to, items);
    return messaging.sentUpdates(me, sent);
  });

  type ForwardFlags = { dropAuthor?: boolean; silent?: boolean; noforwards?: boolean };

  /** The messages to forward from the caller's box (private chats, basic groups). */
  async function boxSources(ctx: RpcContext, viewer: bigint, fromPeer: TlType<'InputPeer'>, ids: number[], randomIds: bigint[], req: ForwardFlags): Promise<OutgoingMessage[]> {
    const from = await peerOf(ctx, fromPeer);
    const rows = await services.messenger.reader.byIds(viewer, ids);
    return ids.map((id, i) => {
      const row = rows.get(id);
      if (!row || row.peer.type !== from.type || row.peer.id !== from.id) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      if (row.flags & CONTENT_NOFORWARDS) throw RpcError.badRequest('CHAT_FORWARDS_RESTRICTED');
      if (row.flags & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      // A forwarded message keeps the header of its first forward, so the original author stays visible.
      const fwdFrom: Obj<'messageFwdHeader'> | undefined = req.dropAuthor === true ? undefined : (fwdFromColumn(row.fwdFrom) ?? { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: row.authorId }, date: row.date });
      return { randomId: randomIds[i]!, message: row.message, entities: entitiesColumn(row.entities), media: mediaColumn(row.media), fwdFrom, silent: req.silent === true, noforwards: req.noforwards === true };
    });
  }

  /**
   * The posts to forward out of a channel: a broadcast post is attributed to the channel (channel_post,
   * post_author), a supergroup message to its author.
   */
  async function channelSources(viewer: bigint, fromPeer: Extract<TlType<'InputPeer'>, { _: 'inputPeerChannel' }>, ids: number[], randomIds: bigint[], req: ForwardFlags): Promise<OutgoingMessage[]> {
    const { channel, posts } = await services.channels.readablePosts(viewer, fromPeer, ids);
    const broadcast = (channel.flags & CHANNEL_BROADCAST) !== 0;
    return posts.map((m, i) => {
      if (m.flags & CONTENT_NOFORWARDS) throw RpcError.badRequest('CHAT_FORWARDS_RESTRICTED');
      if (m.flags & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      const original: Obj<'messageFwdHeader'> = broadcast
        ? { _: 'messageFwdHeader', fromId: { _: 'peerChannel', channelId: channel.id }, channelPost: m.id, postAuthor: m.postAuthor ?? undefined, date: m.date }
        : { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: m.authorId }, date: m.date };
      const fwdFrom = req.dropAuthor === true ? undefined : (fwdFromColumn(m.fwdFrom) ?? original);
      return { randomId: randomIds[i]!, message: m.message, entities: entitiesColumn(m.entities), media: mediaColumn(m.media), fwdFrom, silent: req.silent === true, noforwards: req.noforwards === true };
    });
  }

  rpc.register('messages.editMessage', async (req, ctx) => {
    if (req.media !== undefined) throw RpcError.badRequest('MEDIA_INVALID');
    if (typeof req.message !== 'string') throw RpcError.badRequest('MESSAGE_NOT_MODIFIED');
    if (isChannelPeer(req.peer)) {
      const checked = checkText(req.message, req.entities);
      return services.channels.edit(caller(ctx), req.peer, req.id, checked.message, checked.entities);
    }
    const peer = await peerOf(ctx, req.peer);
    return messaging.edit(caller(ctx), peer, req.id, req.message, req.entities);
  });

  rpc.register('messages.deleteMessages', async (req, ctx) => {
    const ids = req.id;
    if (ids.length > MAX_IDS) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    const me = caller(ctx);
    if (ids.length === 0) {
      const state = await services.messenger.reader.state(me.userId);
      return { _: 'messages.affectedMessages', pts: state.pts, ptsCount: 0 };
    }
    const res = await messaging.delete(me, ids, req.revoke === true);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.register('messages.readHistory', async (req, ctx) => {
    const peer = await peerOf(ctx, req.peer);
    const res = await messaging.readHistory(caller(ctx), peer, req.maxId);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.register('messages.setTyping', async (req, ctx) => {
    if (isChannelPeer(req.peer)) {
      // Typing in channels is accepted and not relayed (Telegram relays it in small supergroups only).
      await services.channels.access(viewerOf(ctx), req.peer);
      return true;
    }
    const peer = await peerOf(ctx, req.peer);
    await messaging.setTyping(caller(ctx), peer, req.action);
    return true;
  });

  rpc.register('messages.getHistory', async (req, ctx) => {
    if (isChannelPeer(req.peer)) {
      return services.channels.history(viewerOf(ctx), req.peer, { offsetId: req.offsetId, offsetDate: req.offsetDate, addOffset: req.addOffset, limit: req.limit, maxId: req.maxId, minId: req.minId }, req.hash);
    }
    const peer = await peerOf(ctx, req.peer);
    return views.history(viewerOf(ctx), peer, { offsetId: req.offsetId, offsetDate: req.offsetDate, addOffset: req.addOffset, limit: req.limit, maxId: req.maxId, minId: req.minId }, req.hash);
  });

  rpc.register('messages.getMessages', async (req, ctx) => {
    const ids = req.id;
    if (ids.length > MAX_IDS) throw RpcError.badRequest('LIMIT_INVALID');
    return views.messages(viewerOf(ctx), ids);
  });

  rpc.register('messages.getDialogs', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const base = await views.dialogs(viewer, { offsetDate: req.offsetDate, offsetId: req.offsetId, limit: req.limit, excludePinned: req.excludePinned === true, folderId: req.folderId });
    const firstPage = req.offsetDate === 0 && req.offsetId === 0;
    // Channel dialogs of the folder asked for (all folders when none is), pinned ones on the first page only.
    const all = (await services.channels.dialogs(viewer)).filter((d) => req.folderId === undefined || d.me.folderId === req.folderId);
    const mine = all.filter((d) => (firstPage ? !(req.excludePinned && d.me.pinned > 0) : d.me.pinned === 0 && d.channel.topDate < req.offsetDate));
    // A later page past every channel still counts them in the total.
    if (mine.length === 0) return base._ === 'messages.dialogsSlice' ? { ...base, count: base.count + all.length } : base;
    const ranks = await services.messengerExtras.dialogs.pinnedRanks(viewer, req.folderId ?? 0);
    const pinRank = new Map(ranks.map((r) => [peerKey(r.peer), r.rank]));
    return mergeChannelDialogs(base, mine, await services.channels.dialogsPayload(viewer, mine), req.limit, all.length, pinRank);
  });

  rpc.register('messages.getPeerDialogs', async (req, ctx) => {
    const peers: PeerRef[] = [];
    const viewer = viewerOf(ctx);
    const channelDialogs = [];
    for (const p of req.peers) {
      if (p._ !== 'inputDialogPeer') continue;
      if (isChannelPeer(p.peer)) channelDialogs.push(await services.channels.dialogOf(viewer, p.peer));
      else peers.push(await peerOf(ctx, p.peer));
    }
    const res = await views.peerDialogs(viewer, peers);
    const withUnread = { ...res, state: { ...res.state, unreadCount: res.state.unreadCount + (await services.channels.unreadTotal(viewer)) } };
    if (channelDialogs.length === 0) return withUnread;
    return mergePeerDialogs(withUnread, await services.channels.dialogsPayload(viewer, channelDialogs));
  });
}
