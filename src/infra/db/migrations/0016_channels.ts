// Channels and supergroups (core.telegram.org/api/channel): one message box per channel with its own pts,
// not a copy per member. A post writes its message, one update-log entry and the channel's pts, whatever
// the member count; members' dialogs are their participant rows pointing into the channel's box (read
// state per member, unread counts computed from the box). Row types are in src/infra/db/tables/channels.ts.
import type { Kysely } from 'kysely';
import { blob, int64Key, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('channels')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('creator_id', 'bigint', (c) => c.notNull())
      .addColumn('title', 'varchar(255)', (c) => c.notNull())
      .addColumn('about', 'varchar(512)', (c) => c.notNull().defaultTo(''))
      .addColumn('username', 'varchar(64)')
      // Lower-cased username: unique among channels (users are checked by the service).
      .addColumn('username_lower', 'varchar(64)', (c) => c.unique())
      .addColumn('date', 'integer', (c) => c.notNull())
      // CHANNEL_* flags of src/messenger/channels/records.ts (broadcast, megagroup, signatures, deleted).
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      // The channel's own update sequence and the newest message id in its box.
      .addColumn('pts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('top_message', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('top_date', 'integer', (c) => c.notNull().defaultTo(0))
      // The highest message id any member has read: every author's read_outbox_max_id.
      .addColumn('read_max_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('participants_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('default_banned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('slowmode_seconds', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('photo_id', 'bigint')
      .execute();

    await db.schema
      .createTable('channel_participants')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      // ROLE_* (left, member, admin, creator, banned).
      .addColumn('role', 'integer', (c) => c.notNull())
      // 1 while the user is in the channel (members, admins, creator, restricted but not kicked).
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('admin_rights', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('banned_rights', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('banned_until', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('inviter_id', 'bigint', (c) => c.notNull())
      // Who promoted (admins) or banned (banned) the user.
      .addColumn('actor_id', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rank', 'varchar(64)')
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('read_inbox_max_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_post_date', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('folder_id', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('channel_participants_pk', ['channel_id', 'user_id'])
      .execute();
    // A user's channels (dialogs) and a channel's current members (pushes, getParticipants).
    await db.schema.createIndex('channel_participants_user').on('channel_participants').columns(['user_id', 'channel_id']).execute();
    await db.schema.createIndex('channel_participants_active').on('channel_participants').columns(['channel_id', 'active', 'date']).execute();

    await db.schema
      .createTable('channel_messages')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('id', 'integer', (c) => c.notNull())
      .addColumn('author_id', 'bigint', (c) => c.notNull())
      .addColumn('random_id', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('edit_date', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('message', text(dialect), (c) => c.notNull())
      .addColumn('entities', blob(dialect))
      // The MessageMedia, or a service message's MessageAction (CONTENT_SERVICE).
      .addColumn('media', blob(dialect))
      .addColumn('fwd_from', blob(dialect))
      .addColumn('reply_to_id', 'integer')
      .addColumn('post_author', 'varchar(255)')
      .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
      // CONTENT_* bits of src/messenger/message-row.ts.
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('channel_messages_pk', ['channel_id', 'id'])
      .execute();
    // random_id de-duplication of a resent post.
    await db.schema.createIndex('channel_messages_random').on('channel_messages').columns(['channel_id', 'author_id', 'random_id']).execute();

    await db.schema
      .createTable('channel_updates')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      // The channel pts after this event.
      .addColumn('pts', 'integer', (c) => c.notNull())
      .addColumn('pts_count', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      // UPDATE_* of src/messenger/channels/records.ts; the message ids it concerns, comma-separated.
      .addColumn('kind', 'integer', (c) => c.notNull())
      .addColumn('message_ids', text(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('channel_updates_pk', ['channel_id', 'pts'])
      .execute();

    // Who has viewed a post (messages.getMessagesViews counts a user once).
    await db.schema
      .createTable('channel_message_views')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('channel_message_views_pk', ['channel_id', 'message_id', 'user_id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['channel_message_views', 'channel_updates', 'channel_messages', 'channel_participants', 'channels']) await db.schema.dropTable(t).execute();
  },
};
