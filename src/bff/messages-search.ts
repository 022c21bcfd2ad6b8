// messages.search (one chat) and messages.searchGlobal (every chat of the caller), over the caller's
// own box (messenger/search.ts).
import { RpcError } from '../common/rpc-error.js';
import type { TlObject } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { PEER_CHANNEL, PEER_CHAT, PEER_USER, type PeerType } from '../messenger/peer.js';
import { resolvePeer } from './messages-dialogs.js';

/** Longest query accepted, as Telegram's clients cap it. */
const MAX_QUERY_LENGTH = 256;

function query(q: unknown): string {
  if (typeof q !== 'string') return '';
  if (q.length > MAX_QUERY_LENGTH) throw RpcError.badRequest('SEARCH_QUERY_EMPTY');
  return q;
}

export function registerMessagesSearch(rpc: RpcDispatcher, services: AppServices): void {
  const search = services.messengerExtras.search;

  rpc.registerUntyped('messages.search', async (req: TlObject, ctx: RpcContext) => {
    const viewer = viewerOf(ctx);
    const peer = await resolvePeer(services, ctx, req.peer as TlObject);
    const from = req.fromId as TlObject | undefined;
    const fromId = from ? (await resolvePeer(services, ctx, from)) : undefined;
    if (fromId && fromId.type !== PEER_USER) throw RpcError.badRequest('PEER_ID_INVALID');
    return search.inChatTl(viewer, peer, {
      q: query(req.q),
      filter: req.filter as TlObject | undefined,
      fromId: fromId?.id,
      minDate: req.minDate as number,
      maxDate: req.maxDate as number,
      offsetId: req.offsetId as number,
      addOffset: req.addOffset as number,
      limit: req.limit as number,
      maxId: req.maxId as number,
      minId: req.minId as number,
    });
  });

  rpc.registerUntyped('messages.searchGlobal', async (req: TlObject, ctx: RpcContext) => {
    const kinds: PeerType[] = [];
    if (req.usersOnly === true) kinds.push(PEER_USER);
    if (req.groupsOnly === true) kinds.push(PEER_CHAT);
    if (req.broadcastsOnly === true) kinds.push(PEER_CHANNEL);
    const folderId = req.folderId as number | undefined;
    if (folderId !== undefined && folderId !== 0 && folderId !== 1) throw RpcError.badRequest('FOLDER_ID_INVALID');
    return search.globalTl(viewerOf(ctx), {
      q: query(req.q),
      filter: req.filter as TlObject | undefined,
      minDate: req.minDate as number,
      maxDate: req.maxDate as number,
      offsetRate: req.offsetRate as number,
      offsetId: req.offsetId as number,
      limit: req.limit as number,
      peerTypes: kinds.length > 0 ? kinds : undefined,
      folderId,
    });
  });
}
