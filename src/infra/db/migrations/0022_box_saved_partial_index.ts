// message_boxes_saved (migration 0013) serves Saved Messages queries only, yet every copy of every message
// got an entry: with the owner first, a page write at a random place of the index per copy (bench:messaging:
// one of the five B-trees a box row touches). On SQLite it becomes a partial index over the rows that have a
// saved peer; every query on it says `saved_peer_id IS NOT NULL` or `saved_peer_id = ?`, so SQLite still uses
// it. MySQL has no partial indexes: unchanged there.
import type { Kysely } from 'kysely';
import type { EchoMigration, SqlDialect } from './types.js';

const COLUMNS = ['owner_id', 'saved_peer_type', 'saved_peer_id', 'id'];

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    if (dialect !== 'sqlite') return;
    await db.schema.dropIndex('message_boxes_saved').execute();
    await db.schema
      .createIndex('message_boxes_saved')
      .on('message_boxes')
      .columns(COLUMNS)
      .where((eb) => eb('saved_peer_id', 'is not', null))
      .execute();
  },
  async down(db: Kysely<any>, dialect: SqlDialect) {
    if (dialect !== 'sqlite') return;
    await db.schema.dropIndex('message_boxes_saved').execute();
    await db.schema.createIndex('message_boxes_saved').on('message_boxes').columns(COLUMNS).execute();
  },
};
