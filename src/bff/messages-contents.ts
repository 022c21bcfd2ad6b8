// Calls the official apps make around message contents: messages.readMessageContents (a voice or round
// video note played, a mention opened), messages.getWebPagePreview (Echo fetches no link previews, and
// says so), messages.getOnlines (how many members of a group are online).
import { RpcError } from '../common/rpc-error.js';
import { registerLayerFallback } from '../tl/index.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { callerOf } from './messages-dialogs.js';

/** Ids per readMessageContents call, as for the other message-id vectors. */
const MAX_IDS = 100;

// Until layer 195 getWebPagePreview answered the MessageMedia itself.
registerLayerFallback('messages.webPagePreview', (o) => o.media);

export function registerMessagesContents(rpc: RpcDispatcher, services: AppServices): void {
  rpc.register('messages.readMessageContents', async (req, ctx) => {
    const ids = req.id;
    if (ids.length > MAX_IDS) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    const res = await services.messenger.messaging.readContents(callerOf(ctx), ids);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.register('messages.getWebPagePreview', async (req) => {
    if (typeof req.message !== 'string') throw RpcError.badRequest('MESSAGE_EMPTY');
    // No preview is generated for any link: the empty media is the true answer ("no preview").
    return { _: 'messages.webPagePreview', media: { _: 'messageMediaEmpty' }, chats: [], users: [] };
  });

  rpc.register('messages.getOnlines', async (req, ctx) => {
    const peer = req.peer;
    const viewer = viewerOf(ctx);
    if (peer._ === 'inputPeerChat') {
      const members = await services.chats.activeMembers(viewer, peer.chatId);
      const presence = await services.presenceDirectory.lookup(members);
      return { _: 'chatOnlines', onlines: members.filter((m) => presence.isOnline(m)).length };
    }
    // Private chats and oneself: Telegram answers for groups only.
    throw RpcError.badRequest('PEER_ID_INVALID');
  });
}
