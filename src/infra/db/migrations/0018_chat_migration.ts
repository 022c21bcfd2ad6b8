// messages.migrateChat (core.telegram.org/api/channel#migration): a basic group records the supergroup it
// became (and is deactivated), the supergroup the basic group it came from. Both nullable.
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('chats').addColumn('migrated_to', 'bigint').execute();
    await db.schema.alterTable('channels').addColumn('migrated_from_chat_id', 'bigint').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channels').dropColumn('migrated_from_chat_id').execute();
    await db.schema.alterTable('chats').dropColumn('migrated_to').execute();
  },
};
