// Channels, second part (issue 14): the "marked as unread" flag of a member's channel dialog; invite links
// that need an admin's approval and the pending join requests they collect; discussion groups (a channel
// and its linked supergroup point at each other) and the threads of comments: each message of a
// supergroup records the top of the thread it replies in, and a channel post and its automatic copy in
// the discussion group record each other's id; the media kinds of each post (messages.search filters, as
// search_kinds of private messages). Row types: src/infra/db/tables/channels.ts.
import type { Kysely } from 'kysely';
import { searchKinds } from '../search-index.js';
import type { EchoMigration } from './types.js';

/** Rows per backfill batch. */
const BACKFILL_BATCH = 500;
/** CONTENT_SERVICE of src/messenger/message-row.ts (a service message), as stored in channel_messages.flags. */
const SERVICE_FLAG = 8;

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
    await db.schema.alterTable('channel_messages').addColumn('search_kinds', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // The kinds come from the TL-encoded entities and media (JavaScript), so existing posts are indexed here.
    let after = { channel: -1n, id: -1 };
    for (;;) {
      const rows = await db
        .selectFrom('channel_messages')
        .select(['channel_id', 'id', 'entities', 'media', 'flags'])
        .where((eb) => eb.or([eb('channel_id', '>', after.channel), eb.and([eb('channel_id', '=', after.channel), eb('id', '>', after.id)])]))
        .orderBy('channel_id')
        .orderBy('id')
        .limit(BACKFILL_BATCH)
        .execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        // Service messages keep their action in the media column: they are never a kind of media.
        if ((Number(r.flags) & SERVICE_FLAG) !== 0) continue;
        const kinds = searchKinds(r.entities, r.media);
        if (kinds !== 0) await db.updateTable('channel_messages').set({ search_kinds: kinds }).where('channel_id', '=', r.channel_id).where('id', '=', r.id).execute();
      }
      const last = rows[rows.length - 1];
      after = { channel: BigInt(last.channel_id), id: Number(last.id) };
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channel_messages').dropColumn('search_kinds').execute();
    await db.schema.dropIndex('channel_messages_thread').on('channel_messages').execute();
    await db.schema.alterTable('channel_messages').dropColumn('linked_id').execute();
    await db.schema.alterTable('channel_messages').dropColumn('reply_top_id').execute();
    await db.schema.alterTable('channels').dropColumn('linked_chat_id').execute();
    await db.schema.dropTable('channel_join_requests').execute();
    await db.schema.alterTable('channel_invites').dropColumn('request_needed').execute();
    await db.schema.alterTable('channel_participants').dropColumn('unread_mark').execute();
  },
};
