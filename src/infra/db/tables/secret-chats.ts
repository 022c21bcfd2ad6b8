// Row types of the secret chat tables (migration 0015_secret_chats). INTEGER columns read back as bigint.
import type { ColumnType } from 'kysely';

type Big = ColumnType<bigint, number | bigint, number | bigint>;
type Int = ColumnType<number | bigint, number | bigint, number | bigint>;
type NullableBig = ColumnType<bigint | null, number | bigint | null | undefined, number | bigint | null>;
type NullableBlob = ColumnType<Buffer | null, Uint8Array | null | undefined, Uint8Array | null>;

/** Requested by the admin, waiting on the participant's devices. */
export const SECRET_STATE_REQUESTED = 0;
/** Accepted by one device of the participant. */
export const SECRET_STATE_ACCEPTED = 1;
/** Declined or discarded by either side; its messages and files are gone. */
export const SECRET_STATE_DISCARDED = 2;

export interface SecretChatsTable {
  id: Int;
  admin_id: Big;
  admin_device: Big;
  participant_id: Big;
  participant_device: NullableBig;
  state: Int;
  request_random_id: Int;
  g_a: NullableBlob;
  g_b: NullableBlob;
  key_fingerprint: NullableBig;
  history_deleted: ColumnType<number | bigint, number | undefined, number>;
  date: Int;
  changed_at: Int;
}

export interface SecretMessagesTable {
  device: Big;
  qts: Int;
  chat_id: Int;
  random_id: Big;
  date: Int;
  service: Int;
  bytes: ColumnType<Buffer, Uint8Array, Uint8Array>;
  file_id: NullableBig;
}

export interface SecretFilesTable {
  id: Big;
  chat_id: Int;
  size: Big;
  key_fingerprint: Int;
  blob_key: string;
  date: Int;
}

export interface SecretQtsTable {
  device: Big;
  qts: Int;
}

export interface SecretChatTables {
  secret_chats: SecretChatsTable;
  secret_messages: SecretMessagesTable;
  secret_files: SecretFilesTable;
  secret_qts: SecretQtsTable;
}
