// account.getAuthorizations, resetAuthorization, setAuthorizationTTL: the user's devices (perm keys).
import { RpcError } from '../common/rpc-error.js';
import { authorizationOf } from '../service/authsession/authorization-view.js';
import { MAX_AUTHORIZATION_TTL_DAYS, MIN_AUTHORIZATION_TTL_DAYS } from '../service/authsession/limits.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerAccountAuthorizations(rpc: RpcDispatcher, services: AppServices): void {
  const { devices } = services.authSessions;

  rpc.register('account.getAuthorizations', async (_req, ctx) => {
    const userId = viewerOf(ctx);
    const own = ctx.authKey.permKeyId;
    const list = await devices.list({ userId });
    // The current device first, as the official apps list it.
    list.sort((a, b) => Number(b.permKeyId === own) - Number(a.permKeyId === own));
    return {
      _: 'account.authorizations',
      authorizationTtlDays: await devices.authorizationTtl(userId),
      authorizations: list.map((d) => authorizationOf(d, d.permKeyId === own)),
    };
  });

  rpc.register('account.resetAuthorization', async (req, ctx) => {
    const hash = BigInt.asIntN(64, req.hash);
    // The current device is listed with hash 0 and ends its own session with auth.logOut instead.
    if (hash === 0n || hash === ctx.authKey.permKeyId) throw RpcError.badRequest('HASH_INVALID');
    const device = await devices.get(hash);
    if (!device || device.userId !== ctx.authKey.userId) throw RpcError.badRequest('HASH_INVALID');
    await services.authSessions.signOut(hash, true);
    return true;
  });

  rpc.register('account.setAuthorizationTTL', async (req, ctx) => {
    const days = req.authorizationTtlDays;
    if (!Number.isInteger(days) || days < MIN_AUTHORIZATION_TTL_DAYS || days > MAX_AUTHORIZATION_TTL_DAYS) throw RpcError.badRequest('TTL_DAYS_INVALID');
    await devices.setAuthorizationTtl(viewerOf(ctx), days);
    return true;
  });
}
