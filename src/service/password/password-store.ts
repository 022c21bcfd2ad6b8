// The saved 2FA settings of each user. Upserts are update-then-insert in one transaction (dialect-neutral SQL).
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';

export interface PasswordRecord {
  userId: bigint;
  salt1: Buffer;
  salt2: Buffer;
  verifier: Buffer;
  hint: string;
  email: string | undefined;
  updatedAt: number;
}

export class PasswordStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(userId: bigint): Promise<PasswordRecord | undefined> {
    const row = await this.db.selectFrom('user_passwords').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!row) return undefined;
    return {
      userId: row.user_id,
      salt1: Buffer.from(row.salt1),
      salt2: Buffer.from(row.salt2),
      verifier: Buffer.from(row.verifier),
      hint: row.hint,
      email: row.email ?? undefined,
      updatedAt: Number(row.updated_at),
    };
  }

  async put(record: PasswordRecord): Promise<void> {
    const values = {
      salt1: record.salt1,
      salt2: record.salt2,
      verifier: record.verifier,
      hint: record.hint,
      email: record.email ?? null,
      updated_at: record.updatedAt,
    };
    await this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('user_passwords').set(values).where('user_id', '=', record.userId).executeTakeFirst();
      if (res.numUpdatedRows === 0n) await trx.insertInto('user_passwords').values({ user_id: record.userId, ...values }).execute();
    });
  }

  /** Changes only the recovery email of an existing password; false when the user has none. */
  async setEmail(userId: bigint, email: string | undefined, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('user_passwords')
      .set({ email: email ?? null, updated_at: now })
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async delete(userId: bigint): Promise<void> {
    await this.db.deleteFrom('user_passwords').where('user_id', '=', userId).execute();
  }
}
