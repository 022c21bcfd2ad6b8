// channels.togglePreHistoryHidden: each member remembers the newest post that existed when they joined,
// so a supergroup hiding its history from new members shows them only what came after.
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('channel_participants').addColumn('available_min_id', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('channel_participants').dropColumn('available_min_id').execute();
  },
};
