// auth.* (core.telegram.org/api/auth): codes, sign-in, sign-up, log-out, QR login; and
// help.acceptTermsOfService, which completes a sign-up.
import type { Req, TlObject } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import { finishSignIn, type FinishSignInDeps } from '../service/authsession/finish-sign-in.js';
import { CODE_LENGTH } from '../service/authsession/limits.js';
import { authorizationOf } from '../service/authsession/authorization-view.js';
import type { Caller } from '../service/authsession/index.js';
import type { RpcContext } from './context.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

/** The terms a new account accepts; the operator's own rules apply on top. */
const TERMS_OF_SERVICE = {
  _: 'help.termsOfService',
  id: { _: 'dataJSON', data: JSON.stringify('echo-tos-1') },
  text: 'This is a self-hosted Echo server. Its operator decides who may use it and how.',
  entities: [],
};

export function callerOf(ctx: RpcContext): Caller {
  return { permKeyId: ctx.authKey.permKeyId, ip: ctx.connection.remoteAddress || 'unknown' };
}

/**
 * What finishSignIn needs for a sign-in made by the caller of `ctx`: the user's other devices are told
 * about the new one (updateNewAuthorization). Every way of signing in (code, 2FA password, QR) uses it.
 */
export function signInDeps(services: AppServices, ctx: RpcContext): FinishSignInDeps {
  return {
    signIns: services.core.signIns,
    userViews: services.userViews,
    afterSignIn: (permKeyId, userId) =>
      services.authSessions.notifyNewAuthorization(permKeyId, userId, { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId }),
  };
}

/** Signs the device in as `userId`, or asks for the 2FA password first (401 SESSION_PASSWORD_NEEDED). */
async function completeSignIn(services: AppServices, ctx: RpcContext, userId: bigint): Promise<TlObject> {
  const permKeyId = ctx.authKey.permKeyId;
  if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
  if (await services.passwords.hasPassword(userId)) {
    await services.pendingPasswordLogins.put(permKeyId, userId);
    throw RpcError.unauthorized('SESSION_PASSWORD_NEEDED');
  }
  return finishSignIn(signInDeps(services, ctx), permKeyId, userId);
}

function sentCode(sent: { hash: string; via: 'app' | 'sms' }): TlObject {
  // "App": the code is a message from 777000 on the user's online devices; auth.resendCode then sends it
  // through the configured sender (log, `echod codes` or the webhook), which clients show as SMS.
  if (sent.via === 'app') {
    return { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeApp', length: CODE_LENGTH }, phoneCodeHash: sent.hash, nextType: { _: 'auth.codeTypeSms' } } as TlObject;
  }
  return { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeSms', length: CODE_LENGTH }, phoneCodeHash: sent.hash } as TlObject;
}

export function registerAuth(rpc: RpcDispatcher, services: AppServices): void {
  const auth = services.authSessions;
  const open = { allowUnauthorized: true };

  rpc.registerUntyped(
    'auth.sendCode',
    async (req: Req<'auth.sendCode'>, ctx: RpcContext) => sentCode(await auth.sendCode(req.phoneNumber, callerOf(ctx))),
    open,
  );

  rpc.registerUntyped(
    'auth.resendCode',
    async (req: Req<'auth.resendCode'>, ctx: RpcContext) => sentCode(await auth.resendCode(req.phoneNumber, req.phoneCodeHash, callerOf(ctx))),
    open,
  );

  rpc.registerUntyped(
    'auth.cancelCode',
    async (req: Req<'auth.cancelCode'>, ctx: RpcContext) => {
      await auth.cancelCode(req.phoneNumber, req.phoneCodeHash, callerOf(ctx));
      return true;
    },
    open,
  );

  rpc.registerUntyped(
    'auth.signIn',
    async (req: Req<'auth.signIn'>, ctx: RpcContext) => {
      const accepted = await auth.checkCode(req.phoneNumber, req.phoneCodeHash, req.phoneCode, callerOf(ctx));
      if ('signUpRequired' in accepted) return { _: 'auth.authorizationSignUpRequired', termsOfService: TERMS_OF_SERVICE };
      return completeSignIn(services, ctx, accepted.user.id);
    },
    open,
  );

  rpc.registerUntyped(
    'auth.signUp',
    async (req: Req<'auth.signUp'>, ctx: RpcContext) => {
      const user = await auth.signUp({ phoneRaw: req.phoneNumber, hash: req.phoneCodeHash, firstName: req.firstName, lastName: req.lastName }, callerOf(ctx));
      return finishSignIn(signInDeps(services, ctx), ctx.authKey.permKeyId!, user.id);
    },
    open,
  );

  rpc.registerUntyped('auth.logOut', async (_req: Req<'auth.logOut'>, ctx: RpcContext) => {
    const permKeyId = ctx.authKey.permKeyId!;
    // No kick: the answer must still reach the device; its next request answers 401.
    await auth.signOut(permKeyId, false);
    await services.pendingPasswordLogins.clear(permKeyId);
    return { _: 'auth.loggedOut' };
  });

  rpc.registerUntyped('auth.resetAuthorizations', async (_req: Req<'auth.resetAuthorizations'>, ctx: RpcContext) => {
    const self = ctx.authKey.permKeyId;
    for (const device of await auth.devices.list({ userId: ctx.authKey.userId! })) {
      if (device.permKeyId !== self) await auth.signOut(device.permKeyId, true);
    }
    return true;
  });

  rpc.registerUntyped('help.acceptTermsOfService', (req: Req<'help.acceptTermsOfService'>) => {
    if (req.id?._ !== 'dataJSON') throw RpcError.badRequest('DATA_JSON_INVALID');
    return true;
  }, { allowUnauthorized: false });

  // QR login (core.telegram.org/api/qr-login).
  rpc.registerUntyped(
    'auth.exportLoginToken',
    async (_req: Req<'auth.exportLoginToken'>, ctx: RpcContext) => {
      const permKeyId = ctx.authKey.permKeyId;
      if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
      const accepted = await auth.qr.takeAccepted(permKeyId);
      if (accepted !== undefined) return { _: 'auth.loginTokenSuccess', authorization: await completeSignIn(services, ctx, accepted) };
      const { token, expires } = await auth.qr.issue(permKeyId);
      return { _: 'auth.loginToken', expires, token };
    },
    open,
  );

  rpc.registerUntyped(
    'auth.importLoginToken',
    async (req: Req<'auth.importLoginToken'>, ctx: RpcContext) => {
      // One DC: a token only ever comes back to the device that exported it, after it was accepted.
      const permKeyId = ctx.authKey.permKeyId;
      if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
      const accepted = await auth.qr.takeAccepted(permKeyId);
      if (accepted !== undefined) return { _: 'auth.loginTokenSuccess', authorization: await completeSignIn(services, ctx, accepted) };
      const owner = await auth.qr.deviceOf(Buffer.from(req.token));
      if (owner !== permKeyId) throw RpcError.badRequest('AUTH_TOKEN_INVALID');
      return { _: 'auth.loginToken', expires: Math.floor(ctx.now() / 1000) + 1, token: req.token };
    },
    open,
  );

  rpc.registerUntyped('auth.acceptLoginToken', async (req: Req<'auth.acceptLoginToken'>, ctx: RpcContext) => {
    const userId = ctx.authKey.userId!;
    const waiting = await auth.qr.deviceOf(Buffer.from(req.token));
    if (waiting === ctx.authKey.permKeyId) throw RpcError.badRequest('AUTH_TOKEN_INVALID');
    const user = await services.core.users.byId(userId);
    if (!user || user.banned || user.deleted) throw RpcError.unauthorized();
    await auth.qr.accept(Buffer.from(req.token), userId);
    const now = Math.floor(ctx.now() / 1000);
    services.core.push.pushToAuthKey(waiting, { _: 'updateShort', update: { _: 'updateLoginToken' }, date: now } as TlObject);
    const device = (await auth.devices.get(waiting)) ?? { permKeyId: waiting, userId: null, createdAt: now };
    return authorizationOf(device, false);
  });
}
