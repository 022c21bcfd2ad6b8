// Login codes in SQL, each tied to its phone_code_hash, its phone number and the device that asked for it.
import { timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { retryOnConflict } from '../../infra/db/dialect.js';
import { MAX_CODE_ATTEMPTS, SIGN_UP_WINDOW_MS } from './limits.js';

export interface NewLoginCode {
  hash: string;
  phone: string;
  code: string;
  permKeyId: bigint;
  /** Milliseconds since the epoch. */
  now: number;
  ttlMs: number;
}

export interface PendingCode {
  hash: string;
  phone: string;
  code: string;
  permKeyId: bigint;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  /** The code was right, the phone has no account yet: waiting for auth.signUp. */
  verified: boolean;
}

/** ok: the code is right; invalid: wrong code (counted); expired: no such live hash for this phone and device. */
export type CodeCheck = 'ok' | 'invalid' | 'expired';

export class LoginCodeStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Stores a new code; older codes of the same device for the same phone and expired codes go away. */
  async create(c: NewLoginCode): Promise<void> {
    // The sweep of expired codes runs on its own: inside the transaction its range lock made concurrent sign-ups
    // deadlock each other on MySQL. Concurrent requests may still collide (InnoDB gap locks); they are retried.
    await retryOnConflict(() => this.db.deleteFrom('login_codes').where('expires_at', '<=', BigInt(c.now)).execute());
    await retryOnConflict(() =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('login_codes').where('phone', '=', c.phone).where('perm_auth_key_id', '=', c.permKeyId).execute();
        await trx
          .insertInto('login_codes')
          .values({ phone_code_hash: c.hash, phone: c.phone, code: c.code, perm_auth_key_id: c.permKeyId, created_at: c.now, expires_at: c.now + c.ttlMs })
          .execute();
      }),
    );
  }

  /** The live code behind `hash` for this phone and device. */
  async get(hash: string, phone: string, permKeyId: bigint, now: number): Promise<PendingCode | undefined> {
    const row = await this.db
      .selectFrom('login_codes')
      .selectAll()
      .where('phone_code_hash', '=', hash)
      .where('phone', '=', phone)
      .where('perm_auth_key_id', '=', permKeyId)
      .where('expires_at', '>', BigInt(now))
      .executeTakeFirst();
    return row && toPending(row);
  }

  /** auth.resendCode: a fresh code under the same hash; wrong attempts made so far still count. */
  async replaceCode(hash: string, code: string, now: number, ttlMs: number): Promise<void> {
    await this.db.updateTable('login_codes').set({ code, expires_at: now + ttlMs, verified_at: null }).where('phone_code_hash', '=', hash).execute();
  }

  /**
   * Checks `code` against the hash. A wrong code counts against the hash, which dies at the
   * MAX_CODE_ATTEMPTS-th wrong one; the right one marks the hash verified (for auth.signUp).
   */
  async check(hash: string, phone: string, permKeyId: bigint, code: string, now: number): Promise<CodeCheck> {
    const pending = await this.get(hash, phone, permKeyId, now);
    if (!pending || pending.attempts >= MAX_CODE_ATTEMPTS) return 'expired';
    if (!sameCode(pending.code, code)) {
      if (pending.attempts + 1 >= MAX_CODE_ATTEMPTS) {
        await this.delete(hash);
      } else {
        await this.db
          .updateTable('login_codes')
          .set({ attempts: sql<number>`attempts + 1` })
          .where('phone_code_hash', '=', hash)
          .execute();
      }
      return 'invalid';
    }
    if (!pending.verified) {
      await this.db.updateTable('login_codes').set({ verified_at: now, expires_at: now + SIGN_UP_WINDOW_MS }).where('phone_code_hash', '=', hash).execute();
    }
    return 'ok';
  }

  /** Uses up a verified hash for auth.signUp; false when there is none (never verified, expired, other device). */
  async takeVerified(hash: string, phone: string, permKeyId: bigint, now: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('login_codes')
      .where('phone_code_hash', '=', hash)
      .where('phone', '=', phone)
      .where('perm_auth_key_id', '=', permKeyId)
      .where('verified_at', 'is not', null)
      .where('expires_at', '>', BigInt(now))
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async delete(hash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('login_codes').where('phone_code_hash', '=', hash).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Live codes, newest first (`echod codes`). */
  async listPending(now: number): Promise<PendingCode[]> {
    const rows = await this.db.selectFrom('login_codes').selectAll().where('expires_at', '>', BigInt(now)).orderBy('created_at', 'desc').execute();
    return rows.map(toPending);
  }
}

function toPending(row: {
  phone_code_hash: string;
  phone: string;
  code: string;
  perm_auth_key_id: bigint;
  created_at: bigint;
  expires_at: bigint;
  attempts: bigint;
  verified_at: bigint | null;
}): PendingCode {
  return {
    hash: row.phone_code_hash,
    phone: row.phone,
    code: row.code,
    permKeyId: BigInt(row.perm_auth_key_id),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    attempts: Number(row.attempts),
    verified: row.verified_at !== null,
  };
}

/** Constant-time for codes of the stored length, so timing does not reveal how many digits matched. */
function sameCode(stored: string, given: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
