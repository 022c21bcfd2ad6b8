// Group photos: a basic group's current photo (a media_photos id; null when it has none). The photo itself
// and its sizes live in the media tables (0008_media). Row type: src/infra/db/tables/messenger.ts (ChatsTable).
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('chats').addColumn('photo_id', 'bigint').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('chats').dropColumn('photo_id').execute();
  },
};
