// The dialog list as the user arranges it and per-chat extras (core.telegram.org/api/pin, /api/drafts,
// /api/folders): pinned messages, cloud drafts, pinned and archived dialogs, unread marks, the peer
// settings bar and outbox read dates. Everything lives in messenger/extras.ts.
import { RpcError } from '../common/rpc-error.js';
import type { TlType } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { PEER_CHANNEL, PEER_USER, peerKey, userPeer, type PeerRef } from '../messenger/peer.js';
import { mergePeerDialogs } from './channel-dialogs.js';
import type { Caller } from '../messenger/messaging.js';
import { checkFolder } from '../messenger/dialog-settings.js';

/** Dialogs per reorderPinnedDialogs / editPeerFolders call: more than any folder can pin. */
const MAX_PEERS_PER_CALL = 100;

export function callerOf(ctx: RpcContext): Caller {
  return { userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } };
}

/**
 * The chat an InputPeer names: the caller, a user reachable with its access_hash, or a group the caller is in;
 * with `channels`, also a channel the caller may read (for the callers whose stores key any peer: drafts,
 * notify settings, peer settings, and the arrangement of the dialog list: a channel's dialog settings live on
 * the member's participant row).
 */
export async function resolvePeer(services: AppServices, ctx: RpcContext, input: TlType<'InputPeer'> | undefined, opts: { channels?: boolean } = {}): Promise<PeerRef> {
  switch (input?._) {
    case 'inputPeerChannel': {
      if (!opts.channels) throw RpcError.badRequest('PEER_ID_INVALID');
      const { channel } = await services.channels.dialogOf(viewerOf(ctx), input);
      return { type: PEER_CHANNEL, id: channel.id };
    }
    case 'inputPeerSelf':
    case 'inputPeerUser':
      return userPeer((await resolveInputUserRecord(services, ctx, input)).id);
    case 'inputPeerChat':
      return services.chats.peerFor(viewerOf(ctx), input.chatId);
    default:
      throw RpcError.badRequest('PEER_ID_INVALID');
  }
}

/** An InputDialogPeer naming one chat (folder entries are not dialogs one can act on here). */
export function resolveDialogPeer(services: AppServices, ctx: RpcContext, input: TlType<'InputDialogPeer'> | undefined): Promise<PeerRef> {
  if (input?._ !== 'inputDialogPeer') throw RpcError.badRequest('PEER_ID_INVALID');
  return resolvePeer(services, ctx, input.peer, { channels: true });
}

export function registerMessagesDialogs(rpc: RpcDispatcher, services: AppServices): void {
  const x = services.messengerExtras;

  rpc.register('messages.updatePinnedMessage', async (req, ctx) => {
    if (req.peer._ === 'inputPeerChannel') return services.channels.pin(callerOf(ctx), req.peer, req.id, { unpin: req.unpin === true, silent: req.silent === true });
    const peer = await resolvePeer(services, ctx, req.peer);
    return x.pins.pin(callerOf(ctx), peer, req.id, { unpin: req.unpin === true, silent: req.silent === true, pmOneside: req.pmOneside === true });
  });

  rpc.register('messages.unpinAllMessages', async (req, ctx) => {
    const peer = await resolvePeer(services, ctx, req.peer);
    const res = await x.pins.unpinAll(callerOf(ctx), peer);
    return { _: 'messages.affectedHistory', pts: res.pts, ptsCount: res.ptsCount, offset: res.offset };
  });

  rpc.register('messages.saveDraft', async (req, ctx) => {
    const peer = await resolvePeer(services, ctx, req.peer, { channels: true });
    if (typeof req.message !== 'string') throw RpcError.badRequest('MESSAGE_EMPTY');
    await x.drafts.save(callerOf(ctx), peer, {
      message: req.message,
      entities: req.entities,
      replyTo: req.replyTo,
      noWebpage: req.noWebpage === true,
      invertMedia: req.invertMedia === true,
    });
    return true;
  });

  rpc.register('messages.getAllDrafts', async (_req, ctx) => x.drafts.allAsUpdates(viewerOf(ctx)));

  rpc.register('messages.clearAllDrafts', async (_req, ctx) => {
    await x.drafts.clearAll(callerOf(ctx));
    return true;
  });

  rpc.register('messages.toggleDialogPin', async (req, ctx) => {
    const peer = await resolveDialogPeer(services, ctx, req.peer);
    await x.dialogs.togglePin(callerOf(ctx), peer, req.pinned === true);
    return true;
  });

  rpc.register('messages.reorderPinnedDialogs', async (req, ctx) => {
    const order = req.order;
    if (order.length > MAX_PEERS_PER_CALL) throw RpcError.badRequest('PINNED_DIALOGS_TOO_MUCH');
    const folderId = checkFolder(req.folderId);
    const peers: PeerRef[] = [];
    for (const p of order) peers.push(await resolveDialogPeer(services, ctx, p));
    await x.dialogs.reorderPinned(callerOf(ctx), folderId, peers, req.force === true);
    return true;
  });

  rpc.register('messages.getPinnedDialogs', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const peers = await x.dialogs.pinnedPeers(viewer, checkFolder(req.folderId));
    const res = await services.messenger.views.peerDialogs(viewer, peers.filter((p) => p.type !== PEER_CHANNEL));
    const channelIds = peers.flatMap((p) => (p.type === PEER_CHANNEL ? [p.id] : []));
    if (channelIds.length === 0) return res;
    return mergePeerDialogs(res, await services.channels.dialogsPayload(viewer, await services.channels.dialogsByIds(viewer, channelIds)), peers.map(peerKey));
  });

  rpc.register('messages.markDialogUnread', async (req, ctx) => {
    const peer = await resolveDialogPeer(services, ctx, req.peer);
    await x.dialogs.markUnread(callerOf(ctx), peer, req.unread === true);
    return true;
  });

  rpc.register('messages.getDialogUnreadMarks', async (_req, ctx) => x.dialogs.unreadMarks(viewerOf(ctx)));

  rpc.register('folders.editPeerFolders', async (req, ctx) => {
    const entries = req.folderPeers;
    if (entries.length > MAX_PEERS_PER_CALL) throw RpcError.badRequest('LIMIT_INVALID');
    const moves: { peer: PeerRef; folderId: number }[] = [];
    for (const e of entries) moves.push({ peer: await resolvePeer(services, ctx, e.peer, { channels: true }), folderId: checkFolder(e.folderId) });
    return x.dialogs.editFolders(callerOf(ctx), moves);
  });

  rpc.register('messages.getPeerSettings', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const peer = await resolvePeer(services, ctx, req.peer, { channels: true });
    const settings = await x.peerSettings.settings(viewer, peer);
    const users = peer.type === PEER_USER ? await services.userViews.many(viewer, [peer.id]) : [];
    const chats = peer.type === PEER_USER ? [] : peer.type === PEER_CHANNEL ? await services.channels.channelViews(viewer, [peer.id]) : ((await x.search.chatViews?.many(viewer, [peer.id])) ?? []);
    return { _: 'messages.peerSettings', settings, chats, users };
  });

  rpc.register('messages.hidePeerSettingsBar', async (req, ctx) => {
    const peer = await resolvePeer(services, ctx, req.peer);
    await x.peerSettings.hide(viewerOf(ctx), peer);
    return true;
  });

  rpc.register('messages.getOutboxReadDate', async (req, ctx) => {
    const peer = await resolvePeer(services, ctx, req.peer);
    return { _: 'outboxReadDate', date: await x.readDates.outboxReadDate(viewerOf(ctx), peer, req.msgId) };
  });
}
