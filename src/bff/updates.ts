// updates.getState and updates.getDifference (core.telegram.org/api/updates): the common update
// sequence of a user, replayed from the per-user update log, and the calling device's secret chat queue
// (qts, messenger/secret), and updateChannelTooLong for the channels that got posts since the client's date.
import { withSecretDifference } from '../messenger/secret/difference.js';
import { withChannelsTooLong } from '../messenger/channels/difference.js';
import { viewerOf } from './peers.js';
import { secretCallerOf } from './messages-secret.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

/** Encrypted messages one getDifference returns at most (qts_limit may ask for fewer). */
const ENCRYPTED_PER_DIFFERENCE = 100;

export function registerUpdates(rpc: RpcDispatcher, services: AppServices): void {
  const { views } = services.messenger;
  const secret = services.secretChats;
  rpc.register('updates.getState', async (_req, ctx) => {
    const caller = secretCallerOf(ctx);
    const [state, qts, channelUnread] = await Promise.all([views.state(caller.userId), secret.qts(caller.device), services.channels.unreadTotal(caller.userId)]);
    return { ...state, qts, unreadCount: state.unreadCount + channelUnread };
  });
  rpc.register('updates.getDifference', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const caller = secretCallerOf(ctx);
    const limit = req.qtsLimit && req.qtsLimit > 0 ? Math.min(req.qtsLimit, ENCRYPTED_PER_DIFFERENCE) : ENCRYPTED_PER_DIFFERENCE;
    const base = await views.difference(viewer, req.pts, req.ptsTotalLimit);
    const diff = await secret.difference(caller, req.qts, req.date, limit);
    const users = diff.userIds.length > 0 ? await services.userViews.many(viewer, diff.userIds) : [];
    const joined = await withSecretDifference(base, diff, users, () => views.state(viewer));
    return withChannelsTooLong(joined, await services.channels.changedSince(viewer, req.date), async () => ({ ...(await views.state(viewer)), qts: diff.qts }));
  });
}
