// Signs a GramJS or mtcute client up (or in) against an echod started with ECHO_FIXED_CODE, through each
// library's ordinary sign-in path, so e2e tests of other areas start from a signed-in user.
//
//   const echod = await startEchod({ env: FIXED_CODE_ENV, scope: t });
//   const target = { ...(await echod.clientConfig()), httpPort: echod.httpPort };
//   const alice = await signUpGramjs(target, { phone: testPhone(1), firstName: 'Alice' });
//   const bob = await signUpMtcute(target, { phone: testPhone(2), firstName: 'Bob' });
//   ... alice.handle.client.invoke(...), bob.handle.client.call(...); alice.userId, bob.userId
import { Api, createGramjsClient, connectGramjs, type EchoTarget, type GramjsHandle, type GramjsOptions, type GramjsTransport } from './gramjs.js';
import { createMtcuteClient, type MtcuteHandle, type MtcuteOptions } from './mtcute.js';

/** The code every sign-in uses in tests. */
export const FIXED_CODE = '12345';
/** Environment for startEchod({ env }) so that FIXED_CODE works. */
export const FIXED_CODE_ENV: Readonly<Record<string, string>> = { ECHO_FIXED_CODE: FIXED_CODE };

/**
 * A phone number Echo accepts (+1 555 ..., "possible" for the US plan) and unique per `n` (0..9 999 999).
 * Telegram's test numbers (99966XYYYY) have no real country code, so Echo rejects them.
 */
export function testPhone(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9_999_999) throw new RangeError(`testPhone(${n}): expected 0..9999999`);
  return `1555${String(n).padStart(7, '0')}`;
}

export interface AccountOptions {
  /** With or without '+'. */
  phone: string;
  /** Needed when the phone has no account yet (sign-up). */
  firstName?: string;
  lastName?: string;
  /** The 2FA password, when the account has one. */
  password?: string;
  /** Defaults to FIXED_CODE. */
  code?: string;
}

export interface GramjsAccount {
  handle: GramjsHandle;
  userId: bigint;
  /** The user object the sign-in answered with. */
  user: Api.User;
}

export interface MtcuteAccount {
  handle: MtcuteHandle;
  userId: bigint;
  /** The raw TL user object the sign-in answered with. */
  user: { _: 'user'; id: number; [k: string]: unknown };
}

/**
 * Connects a new GramJS client (a new device) and signs it in with GramJS's own flow (auth.sendCode,
 * auth.signIn, auth.signUp when the phone is new, auth.checkPassword when a password is set).
 */
export async function signInGramjs(target: EchoTarget, opts: AccountOptions & { transport?: GramjsTransport; gramjs?: GramjsOptions }): Promise<GramjsAccount> {
  const handle = createGramjsClient(target, { ...opts.gramjs, ...(opts.transport ? { transport: opts.transport } : {}) });
  try {
    await connectGramjs(handle);
    const user = await gramjsSignIn(handle, opts);
    return { handle, user, userId: BigInt(user.id.toString()) };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** signInGramjs for a phone without an account: firstName is required. */
export function signUpGramjs(target: EchoTarget, opts: AccountOptions & { firstName: string; transport?: GramjsTransport; gramjs?: GramjsOptions }): Promise<GramjsAccount> {
  return signInGramjs(target, opts);
}

/** Signs an already connected GramJS client in; returns the signed-in user. */
export async function gramjsSignIn(handle: GramjsHandle, opts: AccountOptions): Promise<Api.User> {
  let failure: unknown;
  const user = await handle.client
    .signInUser(
      { apiId: handle.client.apiId, apiHash: handle.client.apiHash },
      {
        phoneNumber: opts.phone,
        phoneCode: async () => opts.code ?? FIXED_CODE,
        ...(opts.firstName !== undefined ? { firstAndLastNames: async () => [opts.firstName!, opts.lastName ?? ''] as [string, string] } : {}),
        ...(opts.password !== undefined ? { password: async () => opts.password! } : {}),
        // GramJS asks whether to give up after any error; giving up at once keeps the real error.
        onError: async (err: Error) => {
          failure = err;
          return true;
        },
      },
    )
    .catch((err: unknown) => {
      throw failure ?? err;
    });
  if (!(user instanceof Api.User)) throw new Error(`GramJS sign-in answered ${String((user as { className?: string })?.className)}`);
  return user;
}

/**
 * Creates a new mtcute client (a new device) and signs it in. mtcute 0.30's start() refuses sign-up
 * ("no longer supported for non-official clients"), so the same steps go through its sendCode() and
 * raw calls, then notifyLoggedIn() as its own signIn() does.
 */
export async function signInMtcute(target: EchoTarget, opts: AccountOptions & { mtcute?: MtcuteOptions }): Promise<MtcuteAccount> {
  const handle = await createMtcuteClient(target, opts.mtcute ?? {});
  try {
    const user = await mtcuteSignIn(handle, opts);
    return { handle, user, userId: BigInt(user.id) };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** signInMtcute for a phone without an account: firstName is required. */
export function signUpMtcute(target: EchoTarget, opts: AccountOptions & { firstName: string; mtcute?: MtcuteOptions }): Promise<MtcuteAccount> {
  return signInMtcute(target, opts);
}

/** Signs an mtcute client in; returns the raw user object. */
export async function mtcuteSignIn(handle: MtcuteHandle, opts: AccountOptions): Promise<MtcuteAccount['user']> {
  const { client } = handle;
  const phone = opts.phone.replace(/\D/g, '');
  const sent = await client.sendCode({ phone });
  if (!('phoneCodeHash' in sent)) throw new Error('mtcute: sendCode signed in without a code');
  let auth: { _: string; user?: unknown };
  try {
    auth = await client.call({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: opts.code ?? FIXED_CODE });
    if (auth._ === 'auth.authorizationSignUpRequired') {
      if (opts.firstName === undefined) throw new Error(`mtcute: ${phone} has no account and no firstName was given`);
      auth = await client.call({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName: opts.firstName, lastName: opts.lastName ?? '' });
    }
  } catch (err) {
    if ((err as { text?: string }).text !== 'SESSION_PASSWORD_NEEDED' || opts.password === undefined) throw err;
    const me = await client.checkPassword(opts.password);
    return me.raw as unknown as MtcuteAccount['user'];
  }
  const user = await client.notifyLoggedIn(auth as Parameters<typeof client.notifyLoggedIn>[0]);
  return user as unknown as MtcuteAccount['user'];
}
