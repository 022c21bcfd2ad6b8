// Forum topics of supergroups (core.telegram.org/api/forum): a topic is named by the id of the service
// message that created it (messageActionTopicCreate; the General topic is 1), and its messages are the
// thread under that id (channel_messages.reply_top_id, migration 0020). This table keeps what a topic has
// besides its messages: title, icon, closed / hidden / pinned. Row type: src/infra/db/tables/channels.ts.
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('channel_forum_topics')
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('id', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('creator_id', 'bigint', (c) => c.notNull())
      .addColumn('title', 'varchar(128)', (c) => c.notNull())
      .addColumn('icon_color', 'integer', (c) => c.notNull())
      .addColumn('icon_emoji_id', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('closed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
      // Pin order (higher: nearer the top); 0 when not pinned.
      .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('channel_forum_topics_pk', ['channel_id', 'id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('channel_forum_topics').execute();
  },
};
