// Messaging extras: search columns on message contents, cloud drafts, notification settings, outbox read
// dates and dismissed peer-settings bars. Row types are in src/infra/db/tables/messenger.ts.
import type { Kysely } from 'kysely';
import { foldForSearch, searchKinds } from '../search-index.js';
import { blob, text, type EchoMigration, type SqlDialect } from './types.js';

/** Rows per backfill batch. */
const BACKFILL_BATCH = 500;

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema.alterTable('messages').addColumn('search_text', text(dialect)).execute();
    await db.schema.alterTable('messages').addColumn('search_kinds', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // Folding is Unicode-aware JavaScript, not SQL, so existing contents are indexed here.
    let after = -(2n ** 63n);
    for (;;) {
      const rows = await db.selectFrom('messages').select(['id', 'message', 'entities', 'media']).where('id', '>', after).orderBy('id').limit(BACKFILL_BATCH).execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        await db.updateTable('messages').set({ search_text: foldForSearch(r.message), search_kinds: searchKinds(r.entities, r.media) }).where('id', '=', r.id).execute();
      }
      after = BigInt(rows[rows.length - 1].id);
    }

    await db.schema
      .createTable('drafts')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('message', text(dialect), (c) => c.notNull())
      .addColumn('entities', blob(dialect))
      .addColumn('reply_to', blob(dialect))
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('drafts_pk', ['owner_id', 'peer_type', 'peer_id'])
      .execute();

    await db.schema
      .createTable('notify_settings')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('scope', 'integer', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('settings', blob(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('notify_settings_pk', ['owner_id', 'scope', 'peer_type', 'peer_id'])
      .execute();

    await db.schema
      .createTable('outbox_read_dates')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('max_id', 'integer', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('outbox_read_dates_pk', ['owner_id', 'peer_type', 'peer_id', 'max_id'])
      .execute();

    await db.schema
      .createTable('peer_settings_hidden')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('peer_settings_hidden_pk', ['owner_id', 'peer_type', 'peer_id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['peer_settings_hidden', 'outbox_read_dates', 'notify_settings', 'drafts']) await db.schema.dropTable(t).execute();
    await db.schema.alterTable('messages').dropColumn('search_kinds').execute();
    await db.schema.alterTable('messages').dropColumn('search_text').execute();
  },
};
