// The Inbox-T outbox (src/messenger/inbox-fanout.ts): on Kafka, a send stores the sender's copy and, in the
// same transaction, the fan-out records of its recipients here; they are published after the commit and
// deleted once Kafka has acknowledged them. A row that outlives its publish (broker down, node died) is
// relayed again, so a committed send always reaches its recipients. Row type: src/infra/db/tables/messenger.ts.
import type { Kysely } from 'kysely';
import { blob, int64Key, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('inbox_outbox')
      // The message's global id: one row per sent message, holding every recipient's record.
      .addColumn('global_id', int64Key(dialect), (c) => c.primaryKey())
      // The records as they travel on the bus (record-codec.ts).
      .addColumn('body', blob(dialect), (c) => c.notNull())
      // Unix seconds when the send committed (the relay leaves young rows to their own publish).
      .addColumn('date', 'integer', (c) => c.notNull())
      .execute();
  },
};
