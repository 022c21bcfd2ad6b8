// Login codes, revocations made by the admin CLI, and each user's authorization TTL (auth.* and the
// account.*Authorization* methods; see infra/db/tables/authsession.ts).
import type { Kysely } from 'kysely';
import { int64Key, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('login_codes')
      .addColumn('phone_code_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('phone', 'varchar(32)', (c) => c.notNull())
      .addColumn('code', 'varchar(16)', (c) => c.notNull())
      .addColumn('perm_auth_key_id', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('verified_at', 'bigint')
      .execute();
    // Expired codes are swept by expiry; a new code for a device replaces its older ones for the same phone.
    await db.schema.createIndex('login_codes_expires_at').on('login_codes').column('expires_at').execute();
    await db.schema.createIndex('login_codes_phone').on('login_codes').column('phone').execute();

    await db.schema
      .createTable('auth_revocations')
      .addColumn('perm_auth_key_id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('authorization_ttl')
      .addColumn('user_id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('days', 'integer', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('authorization_ttl').execute();
    await db.schema.dropTable('auth_revocations').execute();
    await db.schema.dropTable('login_codes').execute();
  },
};
