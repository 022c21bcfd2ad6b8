// Row types of the tables, as Kysely sees them. With better-sqlite3's safe integers on (see open.ts),
// every INTEGER column reads as bigint; inserts accept number or bigint.
import type { ColumnType } from 'kysely';
import type { AccountTables } from './tables/account.js';
import type { ContactTables } from './tables/contacts.js';
import type { MessagingTables } from './tables/messenger.js';
import type { MediaTables } from './tables/media.js';
import type { SecretChatTables } from './tables/secret-chats.js';
import type { ChannelTables } from './tables/channels.js';

export type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
export type NullableInt64 = ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
export type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export interface AuthKeysTable {
  /** Signed 64-bit, as the wire carries it (auth_key_id read as a little-endian int64). */
  auth_key_id: Int64;
  auth_key: Buffer;
  kind: 'perm' | 'temp';
  created_at: Int64;
  expires_at: NullableInt64;
  perm_auth_key_id: NullableInt64;
  user_id: NullableInt64;
}

export interface ClientInfoTable {
  auth_key_id: Int64;
  layer: ColumnType<bigint | null, number | null | undefined, number | null>;
  api_id: ColumnType<bigint | null, number | null | undefined, number | null>;
  device_model: NullableText;
  system_version: NullableText;
  app_version: NullableText;
  system_lang_code: NullableText;
  lang_pack: NullableText;
  lang_code: NullableText;
  ip: NullableText;
  updated_at: Int64;
}

export interface IdSequencesTable {
  name: string;
  value: Int64;
}

export interface UsersTable {
  id: Int64;
  phone: NullableText;
  first_name: string;
  last_name: ColumnType<string, string | undefined, string>;
  username: NullableText;
  username_lower: NullableText;
  about: ColumnType<string, string | undefined, string>;
  created_at: Int64;
  last_seen_at: ColumnType<bigint, bigint | number | undefined, bigint | number>;
  deleted: ColumnType<bigint, number | undefined, number>;
  banned: ColumnType<bigint, number | undefined, number>;
  kind: ColumnType<'user' | 'service' | 'bot', 'user' | 'service' | 'bot' | undefined, 'user' | 'service' | 'bot'>;
}

/**
 * Every table. Each feature area's row types are in tables/ (one file per area, like migrations/), added here.
 */
export interface Tables extends AccountTables, ContactTables, MessagingTables, MediaTables, SecretChatTables, ChannelTables {
  auth_keys: AuthKeysTable;
  client_info: ClientInfoTable;
  id_sequences: IdSequencesTable;
  users: UsersTable;
}
