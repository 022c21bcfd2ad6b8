// Basic groups (core.telegram.org/api/channel#basic-groups): the chat itself, its participants (current and
// former, since a user who left or was kicked still sees the chat, as `chat{left}` or `chatForbidden`) and
// its invite links. Messages of a chat live in the members' boxes (0007_messaging). Row types are in
// src/infra/db/tables/messenger.ts (ChatTables).
import type { Kysely } from 'kysely';
import { int64Key, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('chats')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('creator_id', 'bigint', (c) => c.notNull())
      .addColumn('title', 'varchar(255)', (c) => c.notNull())
      .addColumn('about', 'varchar(512)', (c) => c.notNull().defaultTo(''))
      .addColumn('date', 'integer', (c) => c.notNull())
      // chat.version / chatParticipants.version: bumped by every change of the participant list.
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      // chatBannedRights flags applying to every non-admin member.
      .addColumn('default_banned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('chat_participants')
      .addColumn('chat_id', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      .addColumn('inviter_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      // ROLE_MEMBER, ROLE_ADMIN, ROLE_CREATOR (src/messenger/chats/participants.ts).
      .addColumn('role', 'integer', (c) => c.notNull())
      // STATE_MEMBER, STATE_LEFT, STATE_KICKED.
      .addColumn('state', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('chat_participants_pk', ['chat_id', 'user_id'])
      .execute();
    // A user's chats (messages.getChats, messages.getCommonChats).
    await db.schema.createIndex('chat_participants_user').on('chat_participants').columns(['user_id', 'chat_id']).execute();

    await db.schema
      .createTable('chat_invites')
      .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('chat_id', 'bigint', (c) => c.notNull())
      .addColumn('admin_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('expire_date', 'integer')
      .addColumn('usage_limit', 'integer')
      .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('permanent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('title', 'varchar(64)')
      .execute();
    await db.schema.createIndex('chat_invites_chat').on('chat_invites').columns(['chat_id', 'admin_id', 'date']).execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['chat_invites', 'chat_participants', 'chats']) await db.schema.dropTable(t).execute();
  },
};
