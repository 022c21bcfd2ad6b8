// updates.getState and updates.getDifference (core.telegram.org/api/updates): the common update
// sequence of a user, replayed from the per-user update log.
import type { TlObject } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerUpdates(rpc: RpcDispatcher, services: AppServices): void {
  const { views } = services.messenger;
  rpc.registerUntyped('updates.getState', async (_req: TlObject, ctx: RpcContext) => views.state(viewerOf(ctx)));
  rpc.registerUntyped('updates.getDifference', async (req: TlObject, ctx: RpcContext) => views.difference(viewerOf(ctx), req.pts as number, req.ptsTotalLimit as number | undefined));
}
