// Two-step verification (core.telegram.org/api/srp): the user's SRP verifier and salts, the per-request SRP
// exchanges of account.getPassword, and the checks of inputCheckPasswordSRP. The password itself never reaches
// the server: the client sends v = g^x mod p when it sets one, and an SRP proof when it uses it.
import { createHash, createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import type { KeyValueStore } from '../../infra/kv/kv.js';
import type { Obj, TlType } from '../../tl/index.js';
import type { AccountEvents } from '../events.js';
import { RpcError } from '../../common/rpc-error.js';
import { SRP_G, SRP_PRIME, SrpServer, isValidVerifier, padNumber } from './srp.js';
import { PasswordStore, type PasswordRecord } from './password-store.js';
import { SrpSessions } from './srp-sessions.js';
import { PasswordAttempts, type AttemptLimit } from './attempts.js';

export { PasswordStore, type PasswordRecord } from './password-store.js';
export { SrpServer, SRP_G, SRP_PRIME, isValidVerifier } from './srp.js';

/** The server's part of salt1 for new passwords; the client appends its own random bytes (32 in every client). */
export const SALT1_PREFIX_BYTES = 8;
const SALT2_BYTES = 16;
const MAX_SALT_BYTES = 128;
export const MAX_HINT_LENGTH = 128;
const MAX_EMAIL_LENGTH = 255;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PasswordServiceDeps {
  db: Kysely<Tables>;
  kv: KeyValueStore;
  now(): number;
  random(n: number): Buffer;
  secret(label: string): Buffer;
  /** When given, a deleted account's password goes with it. */
  events?: AccountEvents;
  attemptLimit?: AttemptLimit;
  srpSessionTtlMs?: number;
}

type KdfAlgo = Obj<'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow'>;
type InputCheck = TlType<'InputCheckPasswordSRP'>;

const ALGO = 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow' as const;

type PlannedChange = { kind: 'email'; email: string | undefined } | { kind: 'remove' } | { kind: 'set'; record: PasswordRecord };

const hashInvalid = () => RpcError.badRequest('PASSWORD_HASH_INVALID');

export class PasswordService {
  readonly store: PasswordStore;
  private readonly srp = new SrpServer();
  private readonly sessions: SrpSessions;
  private readonly attempts: PasswordAttempts;
  private readonly saltKey: Buffer;

  constructor(private readonly deps: PasswordServiceDeps) {
    this.store = new PasswordStore(deps.db);
    this.sessions = new SrpSessions(deps.kv, deps.srpSessionTtlMs);
    this.attempts = new PasswordAttempts(deps.kv, deps.now, deps.attemptLimit);
    this.saltKey = deps.secret('2fa salt1 prefix');
    deps.events?.on('userDeleted', ({ userId }) => this.store.delete(userId));
  }

  async hasPassword(userId: bigint): Promise<boolean> {
    return (await this.store.get(userId)) !== undefined;
  }

  /**
   * The server's salt1 prefix for `userId`: derived rather than stored, so account.updatePasswordSettings can
   * check a new salt1 (NEW_SALT_INVALID) without remembering what account.getPassword handed out.
   */
  salt1Prefix(userId: bigint): Buffer {
    return createHmac('sha256', this.saltKey).update(userId.toString()).digest().subarray(0, SALT1_PREFIX_BYTES);
  }

  /** account.password for `userId`, with a fresh single-use SRP exchange when a password is set. */
  async getPassword(userId: bigint): Promise<Obj<'account.password'>> {
    const { random } = this.deps;
    const record = await this.store.get(userId);
    const out: Obj<'account.password'> = {
      _: 'account.password',
      newAlgo: { _: ALGO, salt1: this.salt1Prefix(userId), salt2: random(SALT2_BYTES), g: SRP_G, p: SRP_PRIME },
      newSecureAlgo: { _: 'securePasswordKdfAlgoPBKDF2HMACSHA512iter100000', salt: random(8) },
      secureRandom: random(256),
    };
    if (!record) return out;
    const { b, B } = this.srp.createEphemeral(record.verifier, random);
    const srpId = random(8).readBigInt64LE();
    await this.sessions.put(userId, srpId, { b, B, passwordFingerprint: fingerprint(record) });
    out.hasPassword = true;
    out.currentAlgo = algoOf(record);
    out.srpB = B;
    out.srpId = srpId;
    if (record.hint) out.hint = record.hint;
    return out;
  }

  /**
   * Checks an SRP proof of the current password. Throws PASSWORD_HASH_INVALID (wrong proof, no password, or
   * inputCheckPasswordEmpty), SRP_ID_INVALID (unknown, expired or used srp_id), SRP_PASSWORD_CHANGED (the password
   * changed since account.getPassword) or FLOOD_WAIT_X (too many attempts).
   */
  async checkProof(userId: bigint, input: InputCheck): Promise<void> {
    const record = await this.store.get(userId);
    await this.verify(userId, record, input);
  }

  /**
   * account.updatePasswordSettings: sets, changes or removes the password, or changes only the recovery email.
   * `current` must prove the current password, or be inputCheckPasswordEmpty when there is none.
   */
  async updateSettings(userId: bigint, current: InputCheck, settings: Obj<'account.passwordInputSettings'>): Promise<void> {
    const record = await this.store.get(userId);
    // Bad new settings are rejected before the proof is checked, so they cost no attempt and no srp_id.
    const change = this.planChange(userId, record, settings);
    if (record) await this.verify(userId, record, current);
    else if (current._ !== 'inputCheckPasswordEmpty') throw hashInvalid();
    switch (change.kind) {
      case 'email':
        if (!(await this.store.setEmail(userId, change.email, this.deps.now()))) throw RpcError.badRequest('PASSWORD_EMPTY');
        return;
      case 'remove':
        await this.store.delete(userId);
        return;
      case 'set':
        await this.store.put(change.record);
    }
  }

  private planChange(userId: bigint, record: PasswordRecord | undefined, settings: Obj<'account.passwordInputSettings'>): PlannedChange {
    const email = settings.email === undefined ? undefined : checkEmail(settings.email);
    if (settings.newAlgo === undefined) {
      if (settings.email === undefined) throw RpcError.badRequest('NEW_SETTINGS_EMPTY');
      // A recovery email belongs to a password; without one there is nothing to recover.
      if (!record) throw RpcError.badRequest('PASSWORD_EMPTY');
      return { kind: 'email', email };
    }
    const hash = settings.newPasswordHash ?? Buffer.alloc(0);
    if (hash.length === 0) {
      if (!record) throw RpcError.badRequest('NEW_SETTINGS_EMPTY');
      return { kind: 'remove' };
    }
    if (settings.newAlgo._ !== ALGO) throw RpcError.badRequest('NEW_SETTINGS_INVALID');
    const algo = settings.newAlgo;
    this.checkNewAlgo(userId, algo);
    const verifier = padNumber(hash);
    if (!verifier || !isValidVerifier(verifier)) throw RpcError.badRequest('NEW_SETTINGS_INVALID');
    const hint = settings.hint ?? '';
    if (hint.length > MAX_HINT_LENGTH) throw RpcError.badRequest('NEW_SETTINGS_INVALID');
    return {
      kind: 'set',
      record: {
        userId,
        salt1: Buffer.from(algo.salt1),
        salt2: Buffer.from(algo.salt2),
        verifier,
        hint,
        // Changing the password keeps the recovery email unless the new settings name one.
        email: settings.email !== undefined ? email : record?.email,
        updatedAt: this.deps.now(),
      },
    };
  }

  /** account.getPasswordSettings: the recovery email, after a proof of the password. */
  async getSettings(userId: bigint, current: InputCheck): Promise<Obj<'account.passwordSettings'>> {
    const record = await this.store.get(userId);
    await this.verify(userId, record, current);
    const out: Obj<'account.passwordSettings'> = { _: 'account.passwordSettings' };
    if (record?.email) out.email = record.email;
    return out;
  }

  /**
   * auth.requestPasswordRecovery. Recovery needs a confirmed email and Echo delivers no mail, so no password is
   * ever recoverable: PASSWORD_EMPTY without a password, PASSWORD_RECOVERY_NA with one.
   */
  async requestRecovery(userId: bigint): Promise<never> {
    if (!(await this.hasPassword(userId))) throw RpcError.badRequest('PASSWORD_EMPTY');
    throw RpcError.badRequest('PASSWORD_RECOVERY_NA');
  }

  private checkNewAlgo(userId: bigint, algo: KdfAlgo): void {
    const prefix = this.salt1Prefix(userId);
    const salt1 = Buffer.from(algo.salt1);
    const okSalt1 = salt1.length <= MAX_SALT_BYTES && salt1.subarray(0, prefix.length).equals(prefix);
    const okSalt2 = algo.salt2.length >= 8 && algo.salt2.length <= MAX_SALT_BYTES;
    const okGroup = algo.g === SRP_G && Buffer.from(algo.p).equals(SRP_PRIME);
    if (!okSalt1 || !okSalt2 || !okGroup) throw RpcError.badRequest('NEW_SALT_INVALID');
  }

  private async verify(userId: bigint, record: PasswordRecord | undefined, input: InputCheck): Promise<void> {
    if (!record || input._ !== 'inputCheckPasswordSRP') throw hashInvalid();
    const session = await this.sessions.take(userId, input.srpId);
    if (!session) throw RpcError.badRequest('SRP_ID_INVALID');
    if (session.passwordFingerprint !== fingerprint(record)) throw RpcError.badRequest('SRP_PASSWORD_CHANGED');
    await this.attempts.consume(userId);
    const ok = this.srp.verify({ verifier: record.verifier, salt1: record.salt1, salt2: record.salt2, b: session.b, B: session.B, A: input.A, M1: input.M1 });
    if (!ok) throw hashInvalid();
    await this.attempts.reset(userId);
  }
}

function algoOf(record: PasswordRecord): KdfAlgo {
  return { _: ALGO, salt1: record.salt1, salt2: record.salt2, g: SRP_G, p: SRP_PRIME };
}

function fingerprint(record: PasswordRecord): string {
  return createHash('sha256').update(record.salt1).update(record.salt2).update(record.verifier).digest('hex').slice(0, 16);
}

function checkEmail(email: string): string | undefined {
  if (email === '') return undefined;
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(email)) throw RpcError.badRequest('EMAIL_INVALID');
  return email;
}
