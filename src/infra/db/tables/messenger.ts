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

export interface MessagingTables extends ChatTables {
  messages: MessagesTable;
  message_boxes: MessageBoxesTable;
  update_state: UpdateStateTable;
  update_log: UpdateLogTable;
  dialogs: DialogsTable;
  message_random_ids: MessageRandomIdsTable;
}

/** A basic group (migration 0009_chats). */
export interface ChatsTable {
  id: Big;
  creator_id: Big;
  title: string;
  about: ColumnType<string, string | undefined, string>;
  date: Int;
  version: IntDefault;
  /** chatBannedRights flags for non-admin members. */
  default_banned: IntDefault;
  flags: IntDefault;
}

/** A current or former participant of a basic group. */
export interface ChatParticipantsTable {
  chat_id: Big;
  user_id: Big;
  inviter_id: Big;
  date: Int;
  /** ROLE_* of src/messenger/chats/participants.ts. */
  role: Int;
  /** STATE_* of src/messenger/chats/participants.ts. */
  state: Int;
}

export interface ChatInvitesTable {
  hash: string;
  chat_id: Big;
  admin_id: Big;
  date: Int;
  expire_date: NullableInt;
  usage_limit: NullableInt;
  /** How many joined through the link ("usage" is reserved in MySQL). */
  uses: IntDefault;
  revoked: IntDefault;
  permanent: IntDefault;
  title: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ChatTables {
  chats: ChatsTable;
  chat_participants: ChatParticipantsTable;
  chat_invites: ChatInvitesTable;
}

// --- Messaging extras (migration 0010_messaging_extras): search columns, drafts, notify settings,
// outbox read dates, dismissed peer-settings bars. Declaration merging adds them to the interfaces above.
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export interface MessagesTable {
  /** Folded words of the text (search-index.ts), matched with LIKE '% word%'. */
  search_text: NullableText;
  /** SEARCH_KIND_* bits (photo, video, document, url, ...), for messages.search filters. */
  search_kinds: IntDefault;
}

/** A per-dialog cloud draft (messages.saveDraft). */
export interface DraftsTable {
  owner_id: Big;
  peer_type: Int;
  peer_id: Big;
  date: Int;
  message: string;
  entities: Blob;
  /** TL-encoded InputReplyTo, as the client gave it. */
  reply_to: Blob;
  /** 1 no_webpage, 2 invert_media. */
  flags: IntDefault;
}

/** Notification settings: scope 0 a peer (peer_type, peer_id), 1 users, 2 chats, 3 broadcasts (peer 0, 0). */
export interface NotifySettingsTable {
  owner_id: Big;
  scope: Int;
  peer_type: Int;
  peer_id: Big;
  /** TL-encoded inputPeerNotifySettings. */
  settings: ColumnType<Buffer, Uint8Array, Uint8Array>;
}

/** When the other side of a private chat read the owner's outgoing messages up to max_id. */
export interface OutboxReadDatesTable {
  owner_id: Big;
  peer_type: Int;
  peer_id: Big;
  max_id: Int;
  date: Int;
}

/** Peers whose action bar (messages.peerSettings) the owner dismissed with hidePeerSettingsBar. */
export interface PeerSettingsHiddenTable {
  owner_id: Big;
  peer_type: Int;
  peer_id: Big;
}

export interface MessagingExtrasTables {
  drafts: DraftsTable;
  notify_settings: NotifySettingsTable;
  outbox_read_dates: OutboxReadDatesTable;
  peer_settings_hidden: PeerSettingsHiddenTable;
}

export interface MessagingTables extends MessagingExtrasTables {}

// --- Group photos (migration 0012_chat_photos). Declaration merging adds the column to ChatsTable.
type NullableBig = ColumnType<bigint | null, number | bigint | null | undefined, number | bigint | null>;

export interface ChatsTable {
  /** The supergroup the chat was migrated to (migration 0018_chat_migration); null while it is a basic group. */
  migrated_to: NullableBig;
  /** The chat's current photo (media_photos.id), null when it has none. */
  photo_id: NullableBig;
}

// --- Saved Messages dialogs (migration 0013_saved_dialogs).
type NullableSmall = ColumnType<number | bigint | null, number | bigint | null | undefined, number | bigint | null>;

export interface MessageBoxesTable {
  /** In Saved Messages: the peer the message was saved from (PEER_* and id); null elsewhere. */
  saved_peer_type: NullableSmall;
  saved_peer_id: NullableBig;
}

/** A pinned Saved Messages dialog; higher positions come first. */
export interface SavedDialogPinsTable {
  owner_id: Big;
  peer_type: Int;
  peer_id: Big;
  position: Int;
}

export interface MessagingTables {
  saved_dialog_pins: SavedDialogPinsTable;
}

// --- Inbox-T outbox (migration 0014_inbox_outbox).
/** Fan-out records of a committed send not yet acknowledged by the bus (src/messenger/inbox-fanout.ts). */
export interface InboxOutboxTable {
  global_id: Big;
  body: ColumnType<Buffer, Uint8Array, Uint8Array>;
  date: Int;
}

export interface MessagingTables {
  inbox_outbox: InboxOutboxTable;
}
