// Saved Messages dialogs (core.telegram.org/api/saved-messages): the official apps list Saved Messages
// grouped by where each message was saved from, and pin some of those groups. Read from the owner's
// Saved Messages box (messenger/saved-dialogs.ts). Monoforum channels (parent_peer) do not exist in Echo.
import { RpcError } from '../common/rpc-error.js';
import { registerLayerFallback, type Res, type TlType } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { callerOf, resolvePeer } from './messages-dialogs.js';
import { peerTl, userPeer, type PeerRef } from '../messenger/peer.js';
import { listHash } from '../messenger/views.js';
import { PinLimitError, type SavedDialogRow } from '../messenger/saved-dialogs.js';

// Layers before 170 have no saved-dialog pins: the push fails to encode for them and is skipped (pushToUser).
registerLayerFallback('updatePinnedSavedDialogs', () => undefined);
registerLayerFallback('updateSavedDialogPinned', () => undefined);

/** Messages deleted per deleteSavedHistory call; the client repeats while `offset` is not 0. */
const DELETE_BATCH = 100;

export function registerMessagesSaved(rpc: RpcDispatcher, services: AppServices): void {
  const { saved, views, messaging } = services.messenger;

  /** Only the caller's own Saved Messages can be the parent: there are no monoforums. */
  const checkParent = (ctx: RpcContext, parent: TlType<'InputPeer'> | undefined) => {
    if (parent !== undefined && parent._ !== 'inputPeerSelf' && !(parent._ === 'inputPeerUser' && parent.userId === viewerOf(ctx))) throw RpcError.badRequest('PEER_ID_INVALID');
  };

  /** A saved peer: a user or group as resolvePeer finds it. */
  const savedPeerOf = (ctx: RpcContext, input: TlType<'InputPeer'>): Promise<PeerRef> => resolvePeer(services, ctx, input);

  async function payload(viewer: bigint, dialogs: SavedDialogRow[], count: number, whole: boolean): Promise<Res<'messages.getSavedDialogs'>> {
    const body = await views.savedDialogsPayload(viewer, dialogs);
    return whole ? { _: 'messages.savedDialogs', ...body } : { _: 'messages.savedDialogsSlice', count, ...body };
  }

  async function pushToOthers(ctx: RpcContext, update: TlType<'Update'>): Promise<void> {
    const caller = callerOf(ctx);
    await services.messenger.sync.publish([{ userId: caller.userId, updates: { _: 'updateShort', update, date: Math.floor(ctx.now() / 1000) }, except: caller.session }]);
  }

  rpc.register('messages.getSavedDialogs', async (req, ctx) => {
    checkParent(ctx, req.parentPeer);
    const viewer = viewerOf(ctx);
    const q = { excludePinned: req.excludePinned === true, offsetDate: req.offsetDate, offsetId: req.offsetId, limit: req.limit };
    const { dialogs, count } = await saved.list(viewer, q);
    // The list hash over what this page shows (pin state, peer, top message): an unchanged page is not resent.
    const hash = req.hash;
    if (hash !== 0n && listHash(dialogs.flatMap((d) => [d.pinned ? 1 : 0, d.peer.id, d.topMessage])) === hash) return { _: 'messages.savedDialogsNotModified', count };
    const firstPage = q.offsetDate === 0 && q.offsetId === 0;
    return payload(viewer, dialogs, count, firstPage && !q.excludePinned && dialogs.length >= count);
  });

  rpc.register('messages.getPinnedSavedDialogs', async (_req, ctx) => {
    const viewer = viewerOf(ctx);
    const dialogs = await saved.pinned(viewer);
    return payload(viewer, dialogs, dialogs.length, true);
  });

  rpc.register('messages.getSavedHistory', async (req, ctx) => {
    checkParent(ctx, req.parentPeer);
    const viewer = viewerOf(ctx);
    const peer = await savedPeerOf(ctx, req.peer);
    const q = { offsetId: req.offsetId, offsetDate: req.offsetDate, addOffset: req.addOffset, limit: req.limit, maxId: req.maxId, minId: req.minId };
    return views.history(viewer, userPeer(viewer), q, req.hash, peer);
  });

  rpc.register('messages.deleteSavedHistory', async (req, ctx) => {
    checkParent(ctx, req.parentPeer);
    const caller = callerOf(ctx);
    const peer = await savedPeerOf(ctx, req.peer);
    const bounds = { maxId: req.maxId, minDate: req.minDate, maxDate: req.maxDate };
    const ids = await saved.messageIds(caller.userId, peer, bounds, DELETE_BATCH + 1);
    const batch = ids.slice(0, DELETE_BATCH);
    if (batch.length === 0) {
      const state = await services.messenger.reader.state(caller.userId);
      return { _: 'messages.affectedHistory', pts: state.pts, ptsCount: 0, offset: 0 };
    }
    const res = await messaging.delete(caller, batch, false);
    await saved.dropPinIfEmpty(caller.userId, peer);
    return { _: 'messages.affectedHistory', pts: res.pts, ptsCount: res.ptsCount, offset: ids.length > DELETE_BATCH ? 1 : 0 };
  });

  rpc.register('messages.toggleSavedDialogPin', async (req, ctx) => {
    const input = req.peer;
    if (input._ !== 'inputDialogPeer') throw RpcError.badRequest('PEER_ID_INVALID');
    const viewer = viewerOf(ctx);
    const peer = await savedPeerOf(ctx, input.peer);
    const pinned = req.pinned === true;
    try {
      if (!(await saved.setPinned(viewer, peer, pinned))) return true;
    } catch (err) {
      if (err instanceof PinLimitError) throw RpcError.badRequest('PINNED_DIALOGS_TOO_MUCH');
      throw err;
    }
    await pushToOthers(ctx, { _: 'updateSavedDialogPinned', pinned: pinned || undefined, peer: { _: 'dialogPeer', peer: peerTl(peer) } });
    return true;
  });

  rpc.register('messages.reorderPinnedSavedDialogs', async (req, ctx) => {
    const order: PeerRef[] = [];
    for (const p of req.order) {
      if (p._ !== 'inputDialogPeer') throw RpcError.badRequest('PEER_ID_INVALID');
      order.push(await savedPeerOf(ctx, p.peer));
    }
    let kept: PeerRef[];
    try {
      kept = await saved.reorder(viewerOf(ctx), order, req.force === true);
    } catch (err) {
      if (err instanceof PinLimitError) throw RpcError.badRequest('PINNED_DIALOGS_TOO_MUCH');
      throw err;
    }
    await pushToOthers(ctx, { _: 'updatePinnedSavedDialogs', order: kept.map((p) => ({ _: 'dialogPeer', peer: peerTl(p) })) });
    return true;
  });
}
