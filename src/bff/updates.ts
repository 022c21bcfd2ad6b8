// updates.getState and updates.getDifference (core.telegram.org/api/updates): the common update
// sequence of a user, replayed from the per-user update log.
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerUpdates(rpc: RpcDispatcher, services: AppServices): void {
  const { views } = services.messenger;
  rpc.register('updates.getState', async (_req, ctx) => views.state(viewerOf(ctx)));
  rpc.register('updates.getDifference', async (req, ctx) => views.difference(viewerOf(ctx), req.pts, req.ptsTotalLimit));
}
