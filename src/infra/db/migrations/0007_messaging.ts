// Messaging: per-user message boxes, per-user update state and update log, dialogs, random_id de-duplication
// (core.telegram.org/api/updates). Row types are in src/infra/db/tables/messenger.ts.
import type { Kysely } from 'kysely';
import { blob, int64Key, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    // One row per sent message, shared by every box that holds a copy (text and blobs stored once).
    await db.schema
      .createTable('messages')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('author_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('edit_date', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('message', text(dialect), (c) => c.notNull())
      // TL-encoded Vector<MessageEntity>, MessageMedia and MessageFwdHeader (canonical layer).
      .addColumn('entities', blob(dialect))
      .addColumn('media', blob(dialect))
      .addColumn('fwd_from', blob(dialect))
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    // A user's copy of a message: the id the owner sees, the peer from the owner's side.
    await db.schema
      .createTable('message_boxes')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('id', 'integer', (c) => c.notNull())
      .addColumn('global_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('out', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('reply_to_id', 'integer')
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('message_boxes_pk', ['owner_id', 'id'])
      .execute();
    await db.schema.createIndex('message_boxes_history').on('message_boxes').columns(['owner_id', 'peer_type', 'peer_id', 'id']).execute();
    // Finds every copy of a message (edit, revoke, read receipts) and makes fan-out idempotent.
    await db.schema.createIndex('message_boxes_global').on('message_boxes').columns(['global_id', 'owner_id']).unique().execute();

    await db.schema
      .createTable('update_state')
      .addColumn('user_id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('pts', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('date', 'integer', (c) => c.notNull())
      // The owner's message id counter.
      .addColumn('last_message_id', 'integer', (c) => c.notNull())
      .execute();

    // Every pts-changing event of a user, replayed by updates.getDifference.
    await db.schema
      .createTable('update_log')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('pts', 'integer', (c) => c.notNull())
      .addColumn('pts_count', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      // The canonical Update, TL-encoded.
      .addColumn('body', blob(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('update_log_pk', ['owner_id', 'pts'])
      .execute();

    await db.schema
      .createTable('dialogs')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('top_message', 'integer', (c) => c.notNull())
      .addColumn('top_date', 'integer', (c) => c.notNull())
      .addColumn('read_inbox_max_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('read_outbox_max_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unread_mark', 'integer', (c) => c.notNull().defaultTo(0))
      // 0 = not pinned; otherwise the pin order (higher first).
      .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('folder_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('dialogs_pk', ['owner_id', 'peer_type', 'peer_id'])
      .execute();
    await db.schema.createIndex('dialogs_order').on('dialogs').columns(['owner_id', 'top_date', 'top_message']).execute();

    // What a sender's random_id produced, so a resent request gets the same answer and no second message.
    await db.schema
      .createTable('message_random_ids')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('random_id', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'integer', (c) => c.notNull())
      .addColumn('pts', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_random_ids_pk', ['owner_id', 'random_id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['message_random_ids', 'dialogs', 'update_log', 'update_state', 'message_boxes', 'messages']) await db.schema.dropTable(t).execute();
  },
};
