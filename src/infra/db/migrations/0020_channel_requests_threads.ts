// Channels, second part (issue 14): the "marked as unread" flag of a member's channel dialog; invite links
// that need an admin's approval and the pending join requests they collect; discussion groups (a channel
// and its linked supergroup point at each other) and the threads of comments: each message of a
// supergroup records the top of the thread it replies in, and a channel post and its automatic copy in
// the discussion group record each other's id. Row types: src/infra/db/tables/channels.ts.
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('channel_participants').addColumn('unread_mark', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('channel_invites').addColumn('request_needed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('channel_join_requests')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      // The link the request came through (getChatInviteImporters by link).
      .addColumn('invite_hash', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('channel_join_requests_pk', ['channel_id', 'user_id'])
      .execute();
    await db.schema.createIndex('channel_join_requests_date').on('channel_join_requests').columns(['channel_id', 'date']).execute();
    await db.schema.alterTable('channels').addColumn('linked_chat_id', 'bigint').execute();
    await db.schema.alterTable('channel_messages').addColumn('reply_top_id', 'integer').execute();
    await db.schema.alterTable('channel_messages').addColumn('linked_id', 'integer').execute();
    await db.schema.createIndex('channel_messages_thread').on('channel_messages').columns(['channel_id', 'reply_top_id', 'id']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('channel_messages_thread').on('channel_messages').execute();
    await db.schema.alterTable('channel_messages').dropColumn('linked_id').execute();
    await db.schema.alterTable('channel_messages').dropColumn('reply_top_id').execute();
    await db.schema.alterTable('channels').dropColumn('linked_chat_id').execute();
    await db.schema.dropTable('channel_join_requests').execute();
    await db.schema.alterTable('channel_invites').dropColumn('request_needed').execute();
    await db.schema.alterTable('channel_participants').dropColumn('unread_mark').execute();
  },
};
