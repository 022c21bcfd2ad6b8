// Auth keys (permanent and temporary, with the temp -> perm binding of auth.bindTempAuthKey) and the
// client description each key last sent in initConnection.
import type { Kysely } from 'kysely';
import { blob, int64Key, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('auth_keys')
      .addColumn('auth_key_id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('auth_key', blob(dialect), (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('perm_auth_key_id', 'bigint')
      .addColumn('user_id', 'bigint')
      .execute();
    // deleteExpired() scans by expiry; deleting a perm key finds the temp keys bound to it.
    await db.schema.createIndex('auth_keys_expires_at').on('auth_keys').column('expires_at').execute();
    await db.schema.createIndex('auth_keys_perm_auth_key_id').on('auth_keys').column('perm_auth_key_id').execute();

    await db.schema
      .createTable('client_info')
      .addColumn('auth_key_id', int64Key(dialect), (c) => c.primaryKey().references('auth_keys.auth_key_id').onDelete('cascade'))
      .addColumn('layer', 'integer')
      .addColumn('api_id', 'integer')
      .addColumn('device_model', 'varchar(255)')
      .addColumn('system_version', 'varchar(255)')
      .addColumn('app_version', 'varchar(255)')
      .addColumn('system_lang_code', 'varchar(32)')
      .addColumn('lang_pack', 'varchar(64)')
      .addColumn('lang_code', 'varchar(32)')
      .addColumn('ip', 'varchar(64)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('client_info').execute();
    await db.schema.dropTable('auth_keys').execute();
  },
};
