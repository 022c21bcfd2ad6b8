// Small per-user account preferences the start-up calls read and write (contact sign-up notifications),
// and the push tokens devices register (account.registerDevice). Row types: src/infra/db/tables/account.ts.
import type { Kysely } from 'kysely';
import { blob, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('account_settings')
      .addColumn('user_id', 'bigint', (c) => c.primaryKey())
      .addColumn('contact_signup_silent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    // One token per device (permanent auth key) and token type; the same token may be registered by
    // several accounts of one app, each through its own key.
    await db.schema
      .createTable('push_devices')
      .addColumn('perm_key_id', 'bigint', (c) => c.notNull())
      .addColumn('token_type', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      .addColumn('token', text(dialect), (c) => c.notNull())
      .addColumn('app_sandbox', 'integer', (c) => c.notNull())
      .addColumn('no_muted', 'integer', (c) => c.notNull())
      .addColumn('secret', blob(dialect))
      // JSON list of decimal user ids: the other accounts signed in in the same app.
      .addColumn('other_uids', text(dialect), (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('push_devices_pk', ['perm_key_id', 'token_type'])
      .execute();
    await db.schema.createIndex('push_devices_user_id').on('push_devices').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('push_devices').execute();
    await db.schema.dropTable('account_settings').execute();
  },
};
