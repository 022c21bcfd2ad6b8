// Photos, documents and profile photos (service/media). File contents live in the blob store; these rows
// hold what the API objects are built from.
import type { Kysely } from 'kysely';
import { blob, int64Key, text, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('media_photos')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'bigint', (c) => c.notNull())
      .addColumn('sizes', text(dialect), (c) => c.notNull())
      .addColumn('stripped', blob(dialect))
      .addColumn('video_sizes', text(dialect), (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('media_documents')
      .addColumn('id', int64Key(dialect), (c) => c.primaryKey())
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'bigint', (c) => c.notNull())
      .addColumn('mime_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('bucket', 'varchar(16)', (c) => c.notNull())
      .addColumn('blob_key', 'varchar(200)', (c) => c.notNull())
      .addColumn('attributes', blob(dialect), (c) => c.notNull())
      .addColumn('thumbs', text(dialect), (c) => c.notNull())
      .addColumn('stripped', blob(dialect))
      .execute();

    await db.schema
      .createTable('profile_photos')
      .addColumn('user_id', 'bigint', (c) => c.notNull())
      .addColumn('photo_id', 'bigint', (c) => c.notNull())
      .addColumn('set_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_photos_pk', ['user_id', 'photo_id'])
      .execute();
    // The current photo and photos.getUserPhotos both read a user's photos newest first.
    // Albums (messages.sendMultiMedia): the messages of one group share grouped_id.
    await db.schema.alterTable('messages').addColumn('grouped_id', 'bigint').execute();

    await db.schema.createIndex('profile_photos_user_set_at').on('profile_photos').columns(['user_id', 'set_at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('messages').dropColumn('grouped_id').execute();
    await db.schema.dropTable('profile_photos').execute();
    await db.schema.dropTable('media_documents').execute();
    await db.schema.dropTable('media_photos').execute();
  },
};
