// Privacy rules (account.setPrivacy): one row per user and privacy key that differs from the defaults.
import type { Kysely } from 'kysely';
import { blob, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('privacy_rules')
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      // The key's camel-cased name ('phoneNumber', 'statusTimestamp', ...).
      .addColumn('privacy_key', 'varchar(32)', (c) => c.notNull())
      // JSON list of rules, ids as decimal strings.
      .addColumn('rules', text(dialect), (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('privacy_rules_pk', ['user_id', 'privacy_key'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('privacy_rules').execute();
  },
};
