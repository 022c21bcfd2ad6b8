// account.getNotifySettings / updateNotifySettings / resetNotifySettings (core.telegram.org/api/notifications):
// per-peer settings and the defaults of private chats, groups and channels (messenger/notify-settings.ts).
import { RpcError } from '../common/rpc-error.js';
import type { TlType } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { SCOPE_BROADCASTS, SCOPE_CHATS, SCOPE_PEER, SCOPE_USERS, type NotifyScope } from '../messenger/notify-settings.js';
import { callerOf, resolvePeer } from './messages-dialogs.js';

export function registerAccountNotify(rpc: RpcDispatcher, services: AppServices): void {
  const notify = services.messengerExtras.notify;

  async function scopeOf(ctx: RpcContext, input: TlType<'InputNotifyPeer'>): Promise<NotifyScope> {
    switch (input._) {
      case 'inputNotifyPeer':
        return { scope: SCOPE_PEER, peer: await resolvePeer(services, ctx, input.peer, { channels: true }) };
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

  rpc.register('account.getNotifySettings', async (req, ctx) => notify.get(viewerOf(ctx), await scopeOf(ctx, req.peer)));

  rpc.register('account.updateNotifySettings', async (req, ctx) => {
    const scope = await scopeOf(ctx, req.peer);
    const settings = req.settings;
    const muteUntil = settings.muteUntil;
    if (muteUntil !== undefined && (!Number.isInteger(muteUntil) || muteUntil < 0)) throw RpcError.badRequest('SETTINGS_INVALID');
    await notify.update(callerOf(ctx), scope, settings);
    return true;
  });

  rpc.register('account.resetNotifySettings', async (_req, ctx) => {
    await notify.reset(callerOf(ctx));
    return true;
  });
}
