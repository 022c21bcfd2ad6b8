// auth.* (core.telegram.org/api/auth): codes, sign-in, sign-up, log-out, QR login; and
// help.acceptTermsOfService, which completes a sign-up.
import type { Obj } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import { finishSignIn, type FinishSignInDeps } from '../service/authsession/finish-sign-in.js';
import { CODE_LENGTH, LOGIN_TOKEN_TTL_MS } from '../service/authsession/limits.js';
import { authorizationOf } from '../service/authsession/authorization-view.js';
import type { Caller } from '../service/authsession/index.js';
import type { RpcContext } from './context.js';
import { viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

/** The terms a new account accepts; the operator's own rules apply on top. */
const TERMS_OF_SERVICE: Obj<'help.termsOfService'> = {
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
async function completeSignIn(services: AppServices, ctx: RpcContext, userId: bigint): Promise<Obj<'auth.authorization'>> {
  const permKeyId = ctx.authKey.permKeyId;
  if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
  if (await services.passwords.hasPassword(userId)) {
    await services.pendingPasswordLogins.put(permKeyId, userId);
    throw RpcError.unauthorized('SESSION_PASSWORD_NEEDED');
  }
  return finishSignIn(signInDeps(services, ctx), permKeyId, userId);
}

function sentCode(sent: { hash: string; via: 'app' | 'sms' }): Obj<'auth.sentCode'> {
  // "App": the code is a message from 777000 on the user's online devices; auth.resendCode then sends it
  // through the configured sender (log, `echod codes` or the webhook), which clients show as SMS.
  if (sent.via === 'app') {
    return { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeApp', length: CODE_LENGTH }, phoneCodeHash: sent.hash, nextType: { _: 'auth.codeTypeSms' } };
  }
  return { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeSms', length: CODE_LENGTH }, phoneCodeHash: sent.hash };
}

export function registerAuth(rpc: RpcDispatcher, services: AppServices): void {
  const auth = services.authSessions;
  const open = { allowUnauthorized: true };

  rpc.register(
    'auth.sendCode',
    async (req, ctx) => sentCode(await auth.sendCode(req.phoneNumber, callerOf(ctx))),
    open,
  );

  rpc.register(
    'auth.resendCode',
    async (req, ctx) => sentCode(await auth.resendCode(req.phoneNumber, req.phoneCodeHash, callerOf(ctx))),
    open,
  );

  rpc.register(
    'auth.cancelCode',
    async (req, ctx) => {
      await auth.cancelCode(req.phoneNumber, req.phoneCodeHash, callerOf(ctx));
      return true;
    },
    open,
  );

  rpc.register(
    'auth.signIn',
    async (req, ctx) => {
      const accepted = await auth.checkCode(req.phoneNumber, req.phoneCodeHash, req.phoneCode, callerOf(ctx));
      if ('signUpRequired' in accepted) return { _: 'auth.authorizationSignUpRequired', termsOfService: TERMS_OF_SERVICE };
      return completeSignIn(services, ctx, accepted.user.id);
    },
    open,
  );

  rpc.register(
    'auth.signUp',
    async (req, ctx) => {
      const user = await auth.signUp({ phoneRaw: req.phoneNumber, hash: req.phoneCodeHash, firstName: req.firstName, lastName: req.lastName }, callerOf(ctx));
      const permKeyId = ctx.authKey.permKeyId;
      if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
      return finishSignIn(signInDeps(services, ctx), permKeyId, user.id);
    },
    open,
  );

  rpc.register('auth.logOut', async (_req, ctx) => {
    const permKeyId = ctx.authKey.permKeyId;
    if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
    // No kick: the answer must still reach the device; its next request answers 401.
    await auth.signOut(permKeyId, false);
    await services.pendingPasswordLogins.clear(permKeyId);
    return { _: 'auth.loggedOut' };
  });

  rpc.register('auth.resetAuthorizations', async (_req, ctx) => {
    const self = ctx.authKey.permKeyId;
    for (const device of await auth.devices.list({ userId: viewerOf(ctx) })) {
      if (device.permKeyId !== self) await auth.signOut(device.permKeyId, true);
    }
    return true;
  });

  rpc.register('help.acceptTermsOfService', (req) => {
    if (req.id?._ !== 'dataJSON') throw RpcError.badRequest('DATA_JSON_INVALID');
    return true;
  }, { allowUnauthorized: false });

  // QR login (core.telegram.org/api/qr-login).
  rpc.register(
    'auth.exportLoginToken',
    async (_req, ctx) => {
      const permKeyId = ctx.authKey.permKeyId;
      if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
      const accepted = await auth.qr.takeAccepted(permKeyId);
      if (accepted !== undefined) return { _: 'auth.loginTokenSuccess', authorization: await completeSignIn(services, ctx, accepted) };
      const { token, expires } = await auth.qr.issue(permKeyId);
      // The device waits here for updateLoginToken; the accepting device may be on another node.
      await services.core.push.holdDevice?.(permKeyId, LOGIN_TOKEN_TTL_MS);
      return { _: 'auth.loginToken', expires, token };
    },
    open,
  );

  rpc.register(
    'auth.importLoginToken',
    async (req, ctx) => {
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

  rpc.register('auth.acceptLoginToken', async (req, ctx) => {
    const userId = viewerOf(ctx);
    const waiting = await auth.qr.deviceOf(Buffer.from(req.token));
    if (waiting === ctx.authKey.permKeyId) throw RpcError.badRequest('AUTH_TOKEN_INVALID');
    const user = await services.core.users.byId(userId);
    if (!user || user.banned || user.deleted) throw RpcError.unauthorized();
    await auth.qr.accept(Buffer.from(req.token), userId);
    const now = Math.floor(ctx.now() / 1000);
    services.core.push.pushToAuthKey(waiting, { _: 'updateShort', update: { _: 'updateLoginToken' }, date: now } satisfies Obj<'updateShort'>);
    const device = (await auth.devices.get(waiting)) ?? { permKeyId: waiting, userId: null, createdAt: now };
    return authorizationOf(device, false);
  });
}
