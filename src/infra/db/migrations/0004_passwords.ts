// 2FA passwords: the SRP verifier and salts per user (see service/password). Short-lived SRP exchanges live in the kv.
import type { Kysely } from 'kysely';
import { blob, int64Key, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('user_passwords')
      .addColumn('user_id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('salt1', blob(dialect), (c) => c.notNull())
      .addColumn('salt2', blob(dialect), (c) => c.notNull())
      .addColumn('verifier', blob(dialect), (c) => c.notNull())
      .addColumn('hint', 'varchar(128)', (c) => c.notNull().defaultTo(''))
      .addColumn('email', 'varchar(255)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('user_passwords').execute();
  },
};
