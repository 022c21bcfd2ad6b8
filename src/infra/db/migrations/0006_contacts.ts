// Contact lists, uploaded phone books and block lists (service/contacts).
import type { Kysely } from 'kysely';
import type { EchoMigration } from './types.js';

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('contacts')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('contact_id', 'bigint', (c) => c.notNull())
      .addColumn('first_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('last_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('phone', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('contacts_pk', ['owner_id', 'contact_id'])
      .execute();
    // "Who has this user as a contact": mutual flags and status/name fan-out.
    await db.schema.createIndex('contacts_contact_id').on('contacts').column('contact_id').execute();

    await db.schema
      .createTable('phone_book')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('phone', 'varchar(32)', (c) => c.notNull())
      .addColumn('first_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('last_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('client_id', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('phone_book_pk', ['owner_id', 'phone'])
      .execute();
    // A sign-up looks up everyone who uploaded the new number.
    await db.schema.createIndex('phone_book_phone').on('phone_book').column('phone').execute();

    await db.schema
      .createTable('blocked_peers')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('scope', 'varchar(8)', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('blocked_peers_pk', ['owner_id', 'scope', 'peer_id'])
      .execute();
    // contacts.getBlocked pages newest first.
    await db.schema.createIndex('blocked_peers_owner_date').on('blocked_peers').columns(['owner_id', 'scope', 'created_at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('blocked_peers').execute();
    await db.schema.dropTable('phone_book').execute();
    await db.schema.dropTable('contacts').execute();
  },
};
