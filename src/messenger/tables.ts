// Row types of the tables for messages, dialogs and the update log (see infra/db/schema.ts and
// migration 0007_messaging). INTEGER columns read back as bigint (safe integers); inserts take numbers.
import type { ColumnType } from 'kysely';

/** 64-bit ids: bigint in, bigint out. */
type Big = ColumnType<bigint, number | bigint, number | bigint>;
/**
 * 32-bit values (message ids, pts, dates, counters). They read back as bigint too, but are typed
 * loosely so queries can compare them with plain numbers; readers convert with Number().
 */
type Int = ColumnType<number | bigint, number | bigint, number | bigint>;
type IntDefault = ColumnType<number | bigint, number | bigint | undefined, number | bigint>;
type NullableInt = ColumnType<number | bigint | null, number | bigint | null | undefined, number | bigint | null>;
type Blob = ColumnType<Buffer | null, Uint8Array | null | undefined, Uint8Array | null>;

/** The content of a sent message, shared by all of its copies. */
export interface MessagesTable {
  id: Big;
  author_id: Big;
  date: Int;
  edit_date: IntDefault;
  message: string;
  entities: Blob;
  media: Blob;
  fwd_from: Blob;
  /** Album id shared by the messages of one sendMultiMedia (added by migration 0008_media). */
  grouped_id: NullableInt;
  /** CONTENT_FLAGS bits. */
  flags: IntDefault;
}

/** One user's copy of a message. */
export interface MessageBoxesTable {
  owner_id: Big;
  /** The id the owner sees (per-owner counter). */
  id: Int;
  global_id: Big;
  /** PEER_USER, PEER_CHAT, PEER_CHANNEL. */
  peer_type: Int;
  peer_id: Big;
  out: Int;
  date: Int;
  /** The replied-to message, as an id in the same box. */
  reply_to_id: NullableInt;
  /** BOX_FLAGS bits. */
  flags: IntDefault;
}

export interface UpdateStateTable {
  user_id: Big;
  pts: Int;
  seq: IntDefault;
  date: Int;
  last_message_id: Int;
}

export interface UpdateLogTable {
  owner_id: Big;
  /** The pts after this event. */
  pts: Int;
  pts_count: Int;
  date: Int;
  body: ColumnType<Buffer, Uint8Array, Uint8Array>;
}

export interface DialogsTable {
  owner_id: Big;
  peer_type: Int;
  peer_id: Big;
  top_message: Int;
  top_date: Int;
  read_inbox_max_id: IntDefault;
  read_outbox_max_id: IntDefault;
  unread_count: IntDefault;
  unread_mark: IntDefault;
  pinned: IntDefault;
  folder_id: IntDefault;
}

export interface MessageRandomIdsTable {
  owner_id: Big;
  random_id: Big;
  message_id: Int;
  pts: Int;
  date: Int;
}

export interface MessagingTables {
  messages: MessagesTable;
  message_boxes: MessageBoxesTable;
  update_state: UpdateStateTable;
  update_log: UpdateLogTable;
  dialogs: DialogsTable;
  message_random_ids: MessageRandomIdsTable;
}
