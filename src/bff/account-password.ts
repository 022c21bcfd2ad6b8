// Two-step verification API (core.telegram.org/api/srp): account.getPassword, account.updatePasswordSettings,
// account.getPasswordSettings, auth.checkPassword and the (unavailable) password recovery.
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import type { RpcContext } from './context.js';
import { RpcError } from '../common/rpc-error.js';
import { finishSignIn } from '../service/authsession/finish-sign-in.js';
import { signInDeps } from './auth.js';

export function registerAccountPassword(rpc: RpcDispatcher, services: AppServices): void {
  const { passwords, pendingPasswordLogins, userViews } = services;

  /** The signed-in user, or the user whose code this device passed (SESSION_PASSWORD_NEEDED); else 401. */
  async function passwordUser(ctx: RpcContext): Promise<bigint> {
    if (ctx.authKey.userId !== undefined) return ctx.authKey.userId;
    const permKeyId = ctx.authKey.permKeyId;
    const pending = permKeyId === undefined ? undefined : await pendingPasswordLogins.peek(permKeyId);
    if (pending === undefined) throw RpcError.unauthorized();
    return pending;
  }

  function signedInUser(ctx: RpcContext): bigint {
    if (ctx.authKey.userId === undefined) throw RpcError.unauthorized();
    return ctx.authKey.userId;
  }

  // Signed-out devices ask for the SRP parameters between auth.signIn (SESSION_PASSWORD_NEEDED) and auth.checkPassword.
  rpc.register('account.getPassword', async (_req, ctx) => passwords.getPassword(await passwordUser(ctx)), {
    allowUnauthorized: true,
  });

  rpc.register('account.updatePasswordSettings', async (req, ctx) => {
    await passwords.updateSettings(signedInUser(ctx), req.password, req.newSettings);
    return true;
  });

  rpc.register('account.getPasswordSettings', async (req, ctx) =>
    passwords.getSettings(signedInUser(ctx), req.password),
  );

  rpc.register(
    'auth.checkPassword',
    async (req, ctx) => {
      // A signed-in client may use it just to test the password (GramJS's isCheckPassword); nothing to bind then.
      if (ctx.authKey.userId !== undefined) {
        const userId = ctx.authKey.userId;
        await passwords.checkProof(userId, req.password);
        const user = await userViews.one(userId, userId);
        if (!user) throw RpcError.unauthorized();
        return { _: 'auth.authorization', user };
      }
      const permKeyId = ctx.authKey.permKeyId;
      const userId = await passwordUser(ctx);
      await passwords.checkProof(userId, req.password);
      // passwordUser found this device's pending login, so it has a perm key.
      if (permKeyId === undefined) throw RpcError.unauthorized();
      await pendingPasswordLogins.clear(permKeyId);
      // signInDeps tells the user's other devices about the new one, as every other way of signing in does.
      return finishSignIn(signInDeps(services, ctx), permKeyId, userId);
    },
    { allowUnauthorized: true },
  );

  rpc.register('auth.requestPasswordRecovery', async (_req, ctx) => passwords.requestRecovery(await passwordUser(ctx)), {
    allowUnauthorized: true,
  });

  // No recovery code is ever sent (see PasswordService.requestRecovery), so none can be checked.
  const recoveryUnavailable = async (_req: unknown, ctx: RpcContext): Promise<never> => {
    await passwordUser(ctx);
    throw RpcError.badRequest('PASSWORD_RECOVERY_NA');
  };
  rpc.register('auth.checkRecoveryPassword', recoveryUnavailable, { allowUnauthorized: true });
  rpc.register('auth.recoverPassword', recoveryUnavailable, { allowUnauthorized: true });
}
