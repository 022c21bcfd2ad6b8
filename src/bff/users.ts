// users.getUsers, users.getFullUser and contacts.resolveUsername: looking people up.
import { RpcError } from '../common/rpc-error.js';
import { normalizeUsernameQuery } from '../service/users/username.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { inputUserId, resolveInputUser, viewerOf } from './peers.js';

/** Telegram answers at most this many users per users.getUsers. */
const GET_USERS_LIMIT = 200;

/** Syntax accepted by resolve: looser than for setting one (links may carry shorter collectible names), never garbage. */
const RESOLVABLE_RE = /^[a-zA-Z0-9_]{1,32}$/;

export function registerUsers(rpc: RpcDispatcher, services: AppServices): void {
  // Unresolvable entries (unknown ids, wrong access hashes) are left out, as Telegram does: clients match
  // the answer by id, and GramJS's getMe asks for [inputUserSelf] this way.
  rpc.register('users.getUsers', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    if (req.id.length > GET_USERS_LIMIT) throw RpcError.badRequest('LIMIT_INVALID');
    const ids: bigint[] = [];
    for (const input of req.id) {
      const id = inputUserId(services, viewer, input);
      if (id !== undefined) ids.push(id);
    }
    return services.userViews.many(viewer, ids);
  });

  rpc.register('users.getFullUser', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const id = await resolveInputUser(services, ctx, req.id);
    const full = await services.userViews.fullUser(viewer, id);
    if (!full) throw RpcError.badRequest('USER_ID_INVALID');
    return full;
  });

  rpc.register('contacts.resolveUsername', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const username = normalizeUsernameQuery(req.username);
    if (!RESOLVABLE_RE.test(username)) throw RpcError.badRequest('USERNAME_INVALID');
    const record = await services.core.users.byUsername(username);
    if (!record || record.deleted) {
      // Usernames are shared by users and public channels.
      const channel = await services.channels.resolve(viewer, username);
      if (!channel) throw RpcError.badRequest('USERNAME_NOT_OCCUPIED');
      return { _: 'contacts.resolvedPeer', peer: { _: 'peerChannel', channelId: channel.id }, chats: [channel], users: [] };
    }
    return {
      _: 'contacts.resolvedPeer',
      peer: { _: 'peerUser', userId: record.id },
      chats: [],
      users: [await services.userViews.ofRecord(viewer, record)],
    };
  });
}
