// Row types of the tables for contacts, imported phone books and blocks (see infra/db/schema.ts and
// migration 0006_contacts).
import type { ColumnType } from 'kysely';

type Int64 = ColumnType<bigint, bigint | number, bigint | number>;

/** One entry of a user's contact list: `owner_id` has `contact_id` saved under a name of their own. */
export interface ContactsTable {
  owner_id: Int64;
  contact_id: Int64;
  first_name: string;
  last_name: string;
  /** The number the owner imported or typed for this contact (digits), '' when added without one. */
  phone: string;
  created_at: Int64;
}

/**
 * A phone-book line the owner uploaded with contacts.importContacts, kept whether or not the number has an
 * account yet: when someone signs up with it later, the owner gets them as a contact.
 */
export interface PhoneBookTable {
  owner_id: Int64;
  /** Digits only. */
  phone: string;
  first_name: string;
  last_name: string;
  client_id: Int64;
  created_at: Int64;
}

/** `owner_id` blocked `peer_id`; `scope` separates the full block list from "hide my stories from". */
export interface BlockedPeersTable {
  owner_id: Int64;
  scope: 'all' | 'stories';
  peer_id: Int64;
  created_at: Int64;
}

export interface ContactTables {
  contacts: ContactsTable;
  phone_book: PhoneBookTable;
  blocked_peers: BlockedPeersTable;
}
