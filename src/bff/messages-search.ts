// messages.search (one chat) and messages.searchGlobal (every chat of the caller), over the caller's
// own box (messenger/search.ts).
import { RpcError } from '../common/rpc-error.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { PEER_CHANNEL, PEER_CHAT, PEER_USER, type PeerType } from '../messenger/peer.js';
import { resolvePeer } from './messages-dialogs.js';

/** Longest query accepted, as Telegram's clients cap it. */
const MAX_QUERY_LENGTH = 256;

function query(q: string | undefined): string {
  if (typeof q !== 'string') return '';
  if (q.length > MAX_QUERY_LENGTH) throw RpcError.badRequest('SEARCH_QUERY_EMPTY');
  return q;
}

export function registerMessagesSearch(rpc: RpcDispatcher, services: AppServices): void {
  const search = services.messengerExtras.search;

  rpc.register('messages.search', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const from = req.fromId;
    const fromId = from ? (await resolvePeer(services, ctx, from)) : undefined;
    if (fromId && fromId.type !== PEER_USER) throw RpcError.badRequest('PEER_ID_INVALID');
    if (req.peer._ === 'inputPeerChannel') {
      return services.channels.search(viewer, req.peer, { text: query(req.q), filter: req.filter, fromId: fromId?.id, minDate: req.minDate, maxDate: req.maxDate, offsetId: req.offsetId, limit: req.limit, maxId: req.maxId, minId: req.minId });
    }
    const peer = await resolvePeer(services, ctx, req.peer);
    return search.inChatTl(viewer, peer, {
      q: query(req.q),
      filter: req.filter,
      fromId: fromId?.id,
      minDate: req.minDate,
      maxDate: req.maxDate,
      offsetId: req.offsetId,
      addOffset: req.addOffset,
      limit: req.limit,
      maxId: req.maxId,
      minId: req.minId,
    });
  });

  rpc.register('messages.searchGlobal', async (req, ctx) => {
    const kinds: PeerType[] = [];
    if (req.usersOnly === true) kinds.push(PEER_USER);
    if (req.groupsOnly === true) kinds.push(PEER_CHAT);
    if (req.broadcastsOnly === true) kinds.push(PEER_CHANNEL);
    const folderId = req.folderId;
    if (folderId !== undefined && folderId !== 0 && folderId !== 1) throw RpcError.badRequest('FOLDER_ID_INVALID');
    return search.globalTl(viewerOf(ctx), {
      q: query(req.q),
      filter: req.filter,
      minDate: req.minDate,
      maxDate: req.maxDate,
      offsetRate: req.offsetRate,
      offsetId: req.offsetId,
      limit: req.limit,
      peerTypes: kinds.length > 0 ? kinds : undefined,
      folderId,
    });
  });
}
