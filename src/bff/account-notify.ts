// account.getNotifySettings / updateNotifySettings / resetNotifySettings (core.telegram.org/api/notifications):
// per-peer settings and the defaults of private chats, groups and channels (messenger/notify-settings.ts).
import { RpcError } from '../common/rpc-error.js';
import type { TlObject } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { SCOPE_BROADCASTS, SCOPE_CHATS, SCOPE_PEER, SCOPE_USERS, type NotifyScope } from '../messenger/notify-settings.js';
import { callerOf, resolvePeer } from './messages-dialogs.js';

export function registerAccountNotify(rpc: RpcDispatcher, services: AppServices): void {
  const notify = services.messengerExtras.notify;

  async function scopeOf(ctx: RpcContext, input: TlObject | undefined): Promise<NotifyScope> {
    switch (input?._) {
      case 'inputNotifyPeer':
        return { scope: SCOPE_PEER, peer: await resolvePeer(services, ctx, input.peer as TlObject) };
      case 'inputNotifyUsers':
        return { scope: SCOPE_USERS };
      case 'inputNotifyChats':
        return { scope: SCOPE_CHATS };
      case 'inputNotifyBroadcasts':
        return { scope: SCOPE_BROADCASTS };
      default:
        // Forum topics and communities do not exist here.
        throw RpcError.badRequest('PEER_ID_INVALID');
    }
  }

  rpc.registerUntyped('account.getNotifySettings', async (req: TlObject, ctx: RpcContext) => notify.get(viewerOf(ctx), await scopeOf(ctx, req.peer as TlObject)));

  rpc.registerUntyped('account.updateNotifySettings', async (req: TlObject, ctx: RpcContext) => {
    const scope = await scopeOf(ctx, req.peer as TlObject);
    const settings = req.settings as TlObject | undefined;
    if (settings?._ !== 'inputPeerNotifySettings') throw RpcError.badRequest('SETTINGS_INVALID');
    const muteUntil = settings.muteUntil;
    if (muteUntil !== undefined && (!Number.isInteger(muteUntil) || (muteUntil as number) < 0)) throw RpcError.badRequest('SETTINGS_INVALID');
    await notify.update(callerOf(ctx), scope, settings);
    return true;
  });

  rpc.registerUntyped('account.resetNotifySettings', async (_req: TlObject, ctx: RpcContext) => {
    await notify.reset(callerOf(ctx));
    return true;
  });
}
