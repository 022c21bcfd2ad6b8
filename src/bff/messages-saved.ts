// Saved Messages dialogs (core.telegram.org/api/saved-messages): the official apps list Saved Messages
// grouped by where each message was saved from, and pin some of those groups. Read from the owner's
// Saved Messages box (messenger/saved-dialogs.ts). Monoforum channels (parent_peer) do not exist in Echo.
import { RpcError } from '../common/rpc-error.js';
import { registerLayerFallback, type TlObject } from '../tl/index.js';
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
  const checkParent = (ctx: RpcContext, parent: TlObject | undefined) => {
    if (parent !== undefined && parent._ !== 'inputPeerSelf' && !(parent._ === 'inputPeerUser' && parent.userId === viewerOf(ctx))) throw RpcError.badRequest('PEER_ID_INVALID');
  };

  /** A saved peer: a user or group as resolvePeer finds it. */
  const savedPeerOf = (ctx: RpcContext, input: TlObject): Promise<PeerRef> => resolvePeer(services, ctx, input);

  async function payload(viewer: bigint, dialogs: SavedDialogRow[], count: number, whole: boolean): Promise<TlObject> {
    const body = await views.savedDialogsPayload(viewer, dialogs);
    return whole ? { _: 'messages.savedDialogs', ...body } : { _: 'messages.savedDialogsSlice', count, ...body };
  }

  async function pushToOthers(ctx: RpcContext, update: TlObject): Promise<void> {
    const caller = callerOf(ctx);
    await services.messenger.sync.publish([{ userId: caller.userId, updates: { _: 'updateShort', update, date: Math.floor(ctx.now() / 1000) }, except: caller.session }]);
  }

  rpc.registerUntyped('messages.getSavedDialogs', async (req: TlObject, ctx: RpcContext) => {
    checkParent(ctx, req.parentPeer as TlObject | undefined);
    const viewer = viewerOf(ctx);
    const q = { excludePinned: req.excludePinned === true, offsetDate: req.offsetDate as number, offsetId: req.offsetId as number, limit: req.limit as number };
    const { dialogs, count } = await saved.list(viewer, q);
    // The list hash over what this page shows (pin state, peer, top message): an unchanged page is not resent.
    const hash = req.hash as bigint;
    if (hash !== 0n && listHash(dialogs.flatMap((d) => [d.pinned ? 1 : 0, d.peer.id, d.topMessage])) === hash) return { _: 'messages.savedDialogsNotModified', count };
    const firstPage = q.offsetDate === 0 && q.offsetId === 0;
    return payload(viewer, dialogs, count, firstPage && !q.excludePinned && dialogs.length >= count);
  });

  rpc.registerUntyped('messages.getPinnedSavedDialogs', async (_req: TlObject, ctx: RpcContext) => {
    const viewer = viewerOf(ctx);
    const dialogs = await saved.pinned(viewer);
    return payload(viewer, dialogs, dialogs.length, true);
  });

  rpc.registerUntyped('messages.getSavedHistory', async (req: TlObject, ctx: RpcContext) => {
    checkParent(ctx, req.parentPeer as TlObject | undefined);
    const viewer = viewerOf(ctx);
    const peer = await savedPeerOf(ctx, req.peer as TlObject);
    const q = { offsetId: req.offsetId as number, offsetDate: req.offsetDate as number, addOffset: req.addOffset as number, limit: req.limit as number, maxId: req.maxId as number, minId: req.minId as number };
    return views.history(viewer, userPeer(viewer), q, req.hash as bigint, peer);
  });

  rpc.registerUntyped('messages.deleteSavedHistory', async (req: TlObject, ctx: RpcContext) => {
    checkParent(ctx, req.parentPeer as TlObject | undefined);
    const caller = callerOf(ctx);
    const peer = await savedPeerOf(ctx, req.peer as TlObject);
    const bounds = { maxId: req.maxId as number, minDate: req.minDate as number | undefined, maxDate: req.maxDate as number | undefined };
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

  rpc.registerUntyped('messages.toggleSavedDialogPin', async (req: TlObject, ctx: RpcContext) => {
    const input = req.peer as TlObject;
    if (input._ !== 'inputDialogPeer') throw RpcError.badRequest('PEER_ID_INVALID');
    const viewer = viewerOf(ctx);
    const peer = await savedPeerOf(ctx, input.peer as TlObject);
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

  rpc.registerUntyped('messages.reorderPinnedSavedDialogs', async (req: TlObject, ctx: RpcContext) => {
    const order: PeerRef[] = [];
    for (const p of req.order as TlObject[]) {
      if (p._ !== 'inputDialogPeer') throw RpcError.badRequest('PEER_ID_INVALID');
      order.push(await savedPeerOf(ctx, p.peer as TlObject));
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
