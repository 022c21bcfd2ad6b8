// Invite links of channels and supergroups (as basic groups' chat_invites, keyed by the hash, which is
// random and unique across both tables), and the admin log channels.getAdminLog reads: one row per admin
// action, its ChannelAdminLogEventAction TL-encoded. Row types: src/infra/db/tables/channels.ts.
import type { Kysely } from 'kysely';
import { blob, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('channel_invites')
      .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('admin_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('expire_date', 'integer')
      .addColumn('usage_limit', 'integer')
      .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('permanent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('title', 'varchar(64)')
      .execute();
    await db.schema.createIndex('channel_invites_channel').on('channel_invites').columns(['channel_id', 'admin_id', 'date']).execute();

    await db.schema
      .createTable('channel_admin_log')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      // Increasing per channel (channelAdminLogEvent.id, the max_id/min_id of getAdminLog).
      .addColumn('id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      // LOG_* kind of src/messenger/channels/admin-log.ts, for the events filter.
      .addColumn('kind', 'integer', (c) => c.notNull())
      .addColumn('action', blob(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('channel_admin_log_pk', ['channel_id', 'id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['channel_admin_log', 'channel_invites']) await db.schema.dropTable(t).execute();
  },
};
