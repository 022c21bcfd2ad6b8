// Stories (core.telegram.org/api/stories). Nobody can post a story on Echo (stories.sendStory does not
// exist here), so there are none to list, none read, and no chat to post one to. The empty list has one
// fixed state, so a client that polls with it is told "not modified".
import { RpcError } from '../../common/rpc-error.js';
import type { Obj } from '../../tl/index.js';
import { resolveInputUser, viewerOf } from '../peers.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';

/** The opaque stories.allStories state of "no stories"; it can only change once stories exist. */
export const NO_STORIES_STATE = 'echo:no-stories';

/** The stealth mode of someone who never activated it. */
const STEALTH_OFF: Obj<'storiesStealthMode'> = { _: 'storiesStealthMode' };

export function registerStories(rpc: RpcDispatcher, services: AppServices): void {
  rpc.register('stories.getAllStories', (req) => {
    if (req.state !== undefined && !req.next && req.state === NO_STORIES_STATE) {
      return { _: 'stories.allStoriesNotModified', state: NO_STORIES_STATE, stealthMode: STEALTH_OFF };
    }
    return { _: 'stories.allStories', count: 0, state: NO_STORIES_STATE, peerStories: [], chats: [], users: [], stealthMode: STEALTH_OFF };
  });

  // The read positions of peers' stories arrive as updateReadStories: there are none to report.
  rpc.register('stories.getAllReadPeerStories', (_req, ctx) => ({ _: 'updates', updates: [], users: [], chats: [], date: Math.floor(ctx.now() / 1000), seq: 0 }));

  // A user's active stories: none. Basic groups cannot have stories, and there are no channels.
  rpc.register('stories.getPeerStories', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerSelf' && req.peer._ !== 'inputPeerUser') throw RpcError.badRequest('PEER_ID_INVALID');
    const id = await resolveInputUser(services, ctx, req.peer);
    const users = await services.userViews.many(viewerOf(ctx), [id]);
    return { _: 'stories.peerStories', stories: { _: 'peerStories', peer: { _: 'peerUser', userId: id }, stories: [] }, chats: [], users };
  });

  // Stories can be posted to one's own profile or to channels one administers: there are no channels.
  rpc.register('stories.getChatsToSend', () => ({ _: 'messages.chats', chats: [] }));
}
