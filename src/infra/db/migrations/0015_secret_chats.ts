// Secret chats (core.telegram.org/api/end-to-end): the server relays what it cannot read. A chat joins one
// device (perm auth key) on each side; its encrypted messages wait per recipient device, numbered by that
// device's qts, until the device acknowledges them (messages.receivedQueue); files sent into a chat are kept
// in the `encryptedfiles` bucket until the chat is discarded. Row types: src/infra/db/tables/secret-chats.ts.
import type { Kysely } from 'kysely';
import { blob, type EchoMigration, type SqlDialect } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>, dialect: SqlDialect) {
    await db.schema
      .createTable('secret_chats')
      // Telegram's chat ids are 32-bit: a random positive int.
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('admin_id', 'bigint', (c) => c.notNull())
      .addColumn('admin_device', 'bigint', (c) => c.notNull())
      .addColumn('participant_id', 'bigint', (c) => c.notNull())
      // The participant's device that accepted; null while the request waits on all of its devices.
      .addColumn('participant_device', 'bigint')
      // SECRET_STATE_* (src/infra/db/tables/secret-chats.ts).
      .addColumn('state', 'integer', (c) => c.notNull())
      // The admin's random_id of messages.requestEncryption, so that a repeated request answers the same chat.
      .addColumn('request_random_id', 'integer', (c) => c.notNull())
      .addColumn('g_a', blob(dialect))
      .addColumn('g_b', blob(dialect))
      .addColumn('key_fingerprint', 'bigint')
      .addColumn('history_deleted', 'integer', (c) => c.notNull().defaultTo(0))
      // Unix seconds of the request, and of the latest state change (getDifference replays changes since its date).
      .addColumn('date', 'integer', (c) => c.notNull())
      .addColumn('changed_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('secret_chats_admin').on('secret_chats').columns(['admin_id', 'changed_at']).execute();
    await db.schema.createIndex('secret_chats_participant').on('secret_chats').columns(['participant_id', 'changed_at']).execute();
    await db.schema.createIndex('secret_chats_request').on('secret_chats').columns(['admin_device', 'request_random_id']).execute();

    await db.schema
      .createTable('secret_messages')
      // The recipient device and its qts for this message.
      .addColumn('device', 'bigint', (c) => c.notNull())
      .addColumn('qts', 'integer', (c) => c.notNull())
      .addColumn('chat_id', 'integer', (c) => c.notNull())
      .addColumn('random_id', 'bigint', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      // 1: encryptedMessageService (sendEncryptedService), 0: encryptedMessage.
      .addColumn('service', 'integer', (c) => c.notNull())
      .addColumn('bytes', blob(dialect), (c) => c.notNull())
      .addColumn('file_id', 'bigint')
      .addPrimaryKeyConstraint('secret_messages_pk', ['device', 'qts'])
      .execute();
    await db.schema.createIndex('secret_messages_random').on('secret_messages').columns(['device', 'random_id']).unique().execute();
    await db.schema.createIndex('secret_messages_chat').on('secret_messages').columns(['chat_id']).execute();
    await db.schema.createIndex('secret_messages_date').on('secret_messages').columns(['date']).execute();

    await db.schema
      .createTable('secret_files')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('chat_id', 'integer', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      // The 32-bit fingerprint of the file's key and iv (the client computes it; the server only relays it).
      .addColumn('key_fingerprint', 'integer', (c) => c.notNull())
      // Several rows may name one blob (a file sent again with inputEncryptedFile); the last one deletes it.
      .addColumn('blob_key', 'varchar(200)', (c) => c.notNull())
      .addColumn('date', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('secret_files_chat').on('secret_files').columns(['chat_id']).execute();
    await db.schema.createIndex('secret_files_blob').on('secret_files').columns(['blob_key']).execute();

    // Each device's qts: the number of the last encrypted message queued for it.
    await db.schema
      .createTable('secret_qts')
      .addColumn('device', 'bigint', (c) => c.primaryKey())
      .addColumn('qts', 'integer', (c) => c.notNull())
      .execute();
  },
};
