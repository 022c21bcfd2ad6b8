// Users and the id sequences every entity id comes from.
import type { Kysely } from 'kysely';
import { int64Key, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('id_sequences')
      .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      // E.164 digits without '+'; null once the account is deleted.
      .addColumn('phone', 'varchar(32)', (c) => c.unique())
      .addColumn('first_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('last_name', 'varchar(64)', (c) => c.notNull().defaultTo(''))
      .addColumn('username', 'varchar(32)')
      // Lower-cased copy: usernames are unique regardless of case.
      .addColumn('username_lower', 'varchar(32)', (c) => c.unique())
      .addColumn('about', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // Unix seconds of the last activity; drives userStatusOffline/Recently/...
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('banned', 'integer', (c) => c.notNull().defaultTo(0))
      // Service accounts (777000) and bots.
      .addColumn('kind', 'varchar(8)', (c) => c.notNull().defaultTo('user'))
      .execute();
    await db.schema.createIndex('auth_keys_user_id').on('auth_keys').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('auth_keys_user_id').execute();
    await db.schema.dropTable('users').execute();
    await db.schema.dropTable('id_sequences').execute();
  },
};
