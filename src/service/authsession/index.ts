// Sign-in and devices (AuthSession): login codes with their limits, sign-up, QR tokens, the list of
// a user's devices and the notices about new ones. The API handlers (bff/auth.ts,
// bff/account-authorizations.ts) turn TL requests into calls here.
import type { CoreServices } from '../core.js';
import type { UserRecord } from '../users/user-store.js';
import type { SessionRef } from '../../contracts/push.js';
import { RpcError } from '../../common/rpc-error.js';
import { LoginCodeStore } from './code-store.js';
import { LogCodeSender, WebhookCodeSender, type CodeSender } from './code-sender.js';
import { DeviceDirectory } from './device-directory.js';
import { FloodGate, type FloodRule } from './flood.js';
import { QrLogins } from './qr-login.js';
import { RevocationWatch } from './revocation-watch.js';
import { ensureServiceAccount } from './service-account.js';
import { newAuthorizationUpdate } from './authorization-view.js';
import { normalizeLoginPhone } from './phone.js';
import * as L from './limits.js';

export { SERVICE_USER_ID } from './service-account.js';
export type { CodeSender, CodeDelivery } from './code-sender.js';
export type { Device } from './device-directory.js';

const RULES = {
  sendPerPhone: { name: 'sendcode:phone', limit: L.SEND_CODE_PER_PHONE, windowMs: L.FLOOD_WINDOW_MS },
  sendPerIp: { name: 'sendcode:ip', limit: L.SEND_CODE_PER_IP, windowMs: L.FLOOD_WINDOW_MS },
  wrongPerPhone: { name: 'wrongcode:phone', limit: L.WRONG_CODES_PER_PHONE, windowMs: L.FLOOD_WINDOW_MS },
  wrongPerIp: { name: 'wrongcode:ip', limit: L.WRONG_CODES_PER_IP, windowMs: L.FLOOD_WINDOW_MS },
} as const satisfies Record<string, FloodRule>;

/** Who is asking: the device (perm key) and where it connects from. */
export interface Caller {
  /** undefined for a temp key not bound to a perm key yet. */
  permKeyId: bigint | undefined;
  ip: string;
}

export interface SentCode {
  phone: string;
  hash: string;
  /** 'app': the code went as a message from 777000 to the user's online devices (auth.sentCodeTypeApp). */
  via: 'app' | 'sms';
}

/** Delivery of a code inside the app (the messenger implements it); false when no device of the user is online. */
export interface InAppCodeChannel {
  deliverLoginCode(userId: bigint, code: string): Promise<boolean>;
}

/** signIn's verdict once the code is right: an existing account, or a phone that must sign up first. */
export type CodeAccepted = { user: UserRecord } | { signUpRequired: true; phone: string };

export interface AuthSessionOptions {
  /** Replaces the configured sender (tests). */
  sender?: CodeSender;
}

export class AuthSessionService {
  readonly codes: LoginCodeStore;
  readonly devices: DeviceDirectory;
  readonly flood: FloodGate;
  readonly qr: QrLogins;
  readonly sender: CodeSender;
  readonly revocations: RevocationWatch;
  private inApp?: InAppCodeChannel;

  constructor(
    private readonly core: CoreServices,
    opts: AuthSessionOptions = {},
  ) {
    this.codes = new LoginCodeStore(core.db);
    this.devices = new DeviceDirectory(core.db);
    this.flood = new FloodGate(core.kv, core.now);
    this.qr = new QrLogins(core.kv, core.random, core.now);
    this.sender = opts.sender ?? (core.config.codeWebhook ? new WebhookCodeSender(core.config.codeWebhook, core.log) : new LogCodeSender(core.log));
    this.revocations = new RevocationWatch(this.devices, core.signIns, core.log);
  }

  /** Start-up work of a server node: the service account, the fixed-code warning, the revocation poll. */
  async init(opts: { watchRevocations?: boolean } = {}): Promise<void> {
    const { config, log } = this.core;
    if (config.fixedCode !== undefined && !isLoopback(config.listen)) {
      log.warn(
        { listen: config.listen },
        `ECHO_FIXED_CODE is set and echod listens on ${config.listen}: ANYONE WHO CAN REACH THIS SERVER CAN SIGN IN AS ANY USER WITH CODE ${config.fixedCode}. Unset it outside test set-ups.`,
      );
    }
    await ensureServiceAccount(this.core.users, this.core.now());
    if (opts.watchRevocations ?? true) this.revocations.start(L.REVOCATION_POLL_MS);
  }

  close(): void {
    this.revocations.stop();
  }

  /** Codes for an account with a device online go to that device first, as Telegram does (SMS on resend). */
  useInAppCodes(channel: InAppCodeChannel): void {
    this.inApp = channel;
  }

  /** auth.sendCode: a new code for the phone, tied to a new hash and to the calling device. */
  async sendCode(phoneRaw: unknown, caller: Caller): Promise<SentCode> {
    const permKeyId = requirePermKey(caller);
    const phone = normalizeLoginPhone(phoneRaw);
    const user = await this.refuseBanned(phone);
    await this.flood.check(RULES.wrongPerPhone, phone);
    await this.flood.check(RULES.wrongPerIp, caller.ip);
    await this.flood.take(RULES.sendPerIp, caller.ip);
    await this.flood.take(RULES.sendPerPhone, phone);
    const hash = this.core.random(16).toString('hex');
    const code = this.newCode();
    const now = this.core.now();
    await this.codes.create({ hash, phone, code, permKeyId, now, ttlMs: L.CODE_TTL_MS });
    if (user && !user.deleted && (await this.deliverInApp(user.id, code))) return { phone, hash, via: 'app' };
    await this.deliver(hash, phone, code, now + L.CODE_TTL_MS);
    return { phone, hash, via: 'sms' };
  }

  /** auth.resendCode: a fresh code under the same hash (counts as a send for the limits). */
  async resendCode(phoneRaw: unknown, hash: unknown, caller: Caller): Promise<SentCode> {
    const permKeyId = requirePermKey(caller);
    const phone = normalizeLoginPhone(phoneRaw);
    const h = requireHash(hash);
    const now = this.core.now();
    if (!(await this.codes.get(h, phone, permKeyId, now))) throw RpcError.badRequest('PHONE_CODE_EXPIRED');
    await this.flood.take(RULES.sendPerIp, caller.ip);
    await this.flood.take(RULES.sendPerPhone, phone);
    const code = this.newCode();
    await this.codes.replaceCode(h, code, now, L.CODE_TTL_MS);
    await this.deliver(h, phone, code, now + L.CODE_TTL_MS);
    return { phone, hash: h, via: 'sms' };
  }

  /** auth.cancelCode. */
  async cancelCode(phoneRaw: unknown, hash: unknown, caller: Caller): Promise<void> {
    const permKeyId = requirePermKey(caller);
    const phone = normalizeLoginPhone(phoneRaw);
    const h = requireHash(hash);
    if (!(await this.codes.get(h, phone, permKeyId, this.core.now()))) throw RpcError.badRequest('PHONE_CODE_EXPIRED');
    await this.codes.delete(h);
  }

  /**
   * auth.signIn up to the code: throws PHONE_CODE_EMPTY / _INVALID / _EXPIRED, PHONE_NUMBER_BANNED or
   * FLOOD_WAIT_X (too many wrong codes for the phone or the IP address within the window).
   */
  async checkCode(phoneRaw: unknown, hash: unknown, code: unknown, caller: Caller): Promise<CodeAccepted> {
    const permKeyId = requirePermKey(caller);
    const phone = normalizeLoginPhone(phoneRaw);
    const h = requireHash(hash);
    if (typeof code !== 'string' || code.trim() === '') throw RpcError.badRequest('PHONE_CODE_EMPTY');
    await this.flood.check(RULES.wrongPerPhone, phone);
    await this.flood.check(RULES.wrongPerIp, caller.ip);
    const user = await this.refuseBanned(phone);
    const verdict = await this.codes.check(h, phone, permKeyId, code.trim(), this.core.now());
    if (verdict === 'invalid') {
      await this.flood.count(RULES.wrongPerPhone, phone);
      await this.flood.count(RULES.wrongPerIp, caller.ip);
      throw RpcError.badRequest('PHONE_CODE_INVALID');
    }
    if (verdict === 'expired') throw RpcError.badRequest('PHONE_CODE_EXPIRED');
    if (!user) return { signUpRequired: true, phone };
    await this.codes.delete(h);
    return { user };
  }

  /** auth.signUp after a right code for a phone without an account: creates the account. */
  async signUp(req: { phoneRaw: unknown; hash: unknown; firstName: unknown; lastName: unknown }, caller: Caller): Promise<UserRecord> {
    const permKeyId = requirePermKey(caller);
    const phone = normalizeLoginPhone(req.phoneRaw);
    const h = requireHash(req.hash);
    const firstName = cleanName(req.firstName);
    const lastName = cleanName(req.lastName ?? '');
    if (!firstName || firstName.length > L.MAX_NAME_LENGTH) throw RpcError.badRequest('FIRSTNAME_INVALID');
    if (lastName === undefined || lastName.length > L.MAX_NAME_LENGTH) throw RpcError.badRequest('LASTNAME_INVALID');
    if (await this.core.users.byPhone(phone)) throw RpcError.badRequest('PHONE_NUMBER_OCCUPIED');
    if (!(await this.codes.takeVerified(h, phone, permKeyId, this.core.now()))) throw RpcError.badRequest('PHONE_CODE_EXPIRED');
    let user: UserRecord;
    try {
      user = await this.core.users.create({ phone, firstName, lastName, createdAt: Math.floor(this.core.now() / 1000) });
    } catch (err) {
      if (/UNIQUE|Duplicate/i.test((err as Error).message)) throw RpcError.badRequest('PHONE_NUMBER_OCCUPIED');
      throw err;
    }
    this.core.log.info({ userId: user.id, phone }, 'user signed up');
    await this.core.events.emit('userSignedUp', { user });
    return user;
  }

  /**
   * Tells the user's other devices about a new sign-in of `permKeyId` (updateNewAuthorization). Pass it as
   * finishSignIn's afterSignIn for every way of signing in (code, password, QR token).
   */
  async notifyNewAuthorization(permKeyId: bigint, userId: bigint, except?: SessionRef): Promise<void> {
    const device = (await this.devices.get(permKeyId)) ?? { permKeyId, userId, createdAt: 0 };
    this.core.push.pushToUser(userId, newAuthorizationUpdate(device, Math.floor(this.core.now() / 1000)), except);
  }

  /** auth.logOut, account.resetAuthorization, auth.resetAuthorizations: `kick` closes the device's connections. */
  async signOut(permKeyId: bigint, kick: boolean): Promise<void> {
    await this.core.signIns.signOut(permKeyId, { kick });
  }

  private newCode(): string {
    const fixed = this.core.config.fixedCode;
    if (fixed !== undefined) return fixed;
    // Rejection sampling keeps every code equally likely: 2^32 is not a multiple of 10^5.
    const space = 10 ** L.CODE_LENGTH;
    const limit = Math.floor(2 ** 32 / space) * space;
    for (;;) {
      const n = this.core.random(4).readUInt32LE(0);
      if (n < limit) return String(n % space).padStart(L.CODE_LENGTH, '0');
    }
  }

  /** True when the code reached the user's app; a failure falls back to the configured sender. */
  private async deliverInApp(userId: bigint, code: string): Promise<boolean> {
    if (!this.inApp) return false;
    try {
      return await this.inApp.deliverLoginCode(userId, code);
    } catch (err) {
      this.core.log.warn({ userId, err: (err as Error).message }, 'in-app code delivery failed; using the configured sender');
      return false;
    }
  }

  private async deliver(hash: string, phone: string, code: string, expiresAt: number): Promise<void> {
    try {
      await this.sender.send({ phone, code, hash, expiresAt });
    } catch {
      await this.codes.delete(hash);
      // The sender logged why; the client gets Telegram's "cannot send a code now".
      throw new RpcError(406, 'SEND_CODE_UNAVAILABLE');
    }
  }

  private async refuseBanned(phone: string): Promise<UserRecord | undefined> {
    const user = await this.core.users.byPhone(phone);
    if (user?.banned) throw RpcError.badRequest('PHONE_NUMBER_BANNED');
    return user;
  }
}

function requirePermKey(caller: Caller): bigint {
  if (caller.permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
  return caller.permKeyId;
}

function requireHash(hash: unknown): string {
  if (typeof hash !== 'string' || hash === '') throw RpcError.badRequest('PHONE_CODE_HASH_EMPTY');
  return hash;
}

/** Trimmed, with control characters removed; undefined when not a string. */
function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
