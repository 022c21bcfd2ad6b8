// Row types of the channel tables (migration 0016_channels). INTEGER columns read back as bigint.
import type { ColumnType } from 'kysely';

type Big = ColumnType<bigint, number | bigint, number | bigint>;
type Int = ColumnType<number | bigint, number | bigint, number | bigint>;
type IntDefault = ColumnType<number | bigint, number | bigint | undefined, number | bigint>;
type NullableInt = ColumnType<number | bigint | null, number | bigint | null | undefined, number | bigint | null>;
type NullableBig = ColumnType<bigint | null, number | bigint | null | undefined, number | bigint | null>;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;
type Blob = ColumnType<Buffer | null, Uint8Array | null | undefined, Uint8Array | null>;

export interface ChannelsTable {
  id: Big;
  creator_id: Big;
  title: string;
  about: ColumnType<string, string | undefined, string>;
  username: NullableText;
  username_lower: NullableText;
  date: Int;
  flags: IntDefault;
  pts: IntDefault;
  top_message: IntDefault;
  top_date: IntDefault;
  read_max_id: IntDefault;
  participants_count: IntDefault;
  default_banned: IntDefault;
  slowmode_seconds: IntDefault;
  photo_id: NullableBig;
  /** The basic group this supergroup was migrated from (migration 0018). */
  migrated_from_chat_id: NullableBig;
  /** The discussion group of a broadcast channel, or the channel a discussion group serves (migration 0020). */
  linked_chat_id: NullableBig;
}

export interface ChannelParticipantsTable {
  channel_id: Big;
  user_id: Big;
  role: Int;
  active: Int;
  admin_rights: IntDefault;
  banned_rights: IntDefault;
  banned_until: IntDefault;
  inviter_id: Big;
  actor_id: ColumnType<bigint, number | bigint | undefined, number | bigint>;
  rank: NullableText;
  date: Int;
  read_inbox_max_id: IntDefault;
  last_post_date: IntDefault;
  pinned: IntDefault;
  folder_id: IntDefault;
  /** The newest post when the member joined (migration 0019): with hidden prehistory they see only later ones. */
  available_min_id: IntDefault;
  /** messages.markDialogUnread on the member's channel dialog (migration 0020). */
  unread_mark: IntDefault;
}

export interface ChannelMessagesTable {
  channel_id: Big;
  id: Int;
  author_id: Big;
  random_id: ColumnType<bigint, number | bigint | undefined, number | bigint>;
  date: Int;
  edit_date: IntDefault;
  message: string;
  entities: Blob;
  media: Blob;
  fwd_from: Blob;
  reply_to_id: NullableInt;
  post_author: NullableText;
  views: IntDefault;
  flags: IntDefault;
  /** The top message of the thread this message replies in (comments in a discussion group; migration 0020). */
  reply_top_id: NullableInt;
  /** A channel post: its copy's id in the discussion group; the copy: the post's id in the channel. */
  linked_id: NullableInt;
  /** SEARCH_KIND_* bits of src/infra/db/search-index.ts (messages.search filters; migration 0020). */
  search_kinds: IntDefault;
}

export interface ChannelUpdatesTable {
  channel_id: Big;
  pts: Int;
  pts_count: Int;
  date: Int;
  kind: Int;
  message_ids: string;
}

export interface ChannelMessageViewsTable {
  channel_id: Big;
  message_id: Int;
  user_id: Big;
}

export interface ChannelInvitesTable {
  hash: string;
  channel_id: Big;
  admin_id: Big;
  date: Int;
  expire_date: NullableInt;
  usage_limit: NullableInt;
  uses: IntDefault;
  revoked: IntDefault;
  permanent: IntDefault;
  title: NullableText;
  /** Joining through the link needs an admin's approval (migration 0020). */
  request_needed: IntDefault;
}

/** Pending requests to join through a link with request_needed (migration 0020). */
export interface ChannelJoinRequestsTable {
  channel_id: Big;
  user_id: Big;
  date: Int;
  invite_hash: string;
}

/** Forum topics (migration 0021): the id is the topic's creation message id. */
export interface ChannelForumTopicsTable {
  channel_id: Big;
  id: Int;
  date: Int;
  creator_id: Big;
  title: string;
  icon_color: Int;
  icon_emoji_id: ColumnType<bigint, number | bigint | undefined, number | bigint>;
  closed: IntDefault;
  hidden: IntDefault;
  pinned: IntDefault;
}

export interface ChannelAdminLogTable {
  channel_id: Big;
  id: Big;
  date: Int;
  user_id: Big;
  kind: Int;
  action: ColumnType<Buffer, Uint8Array, Uint8Array>;
}

export interface ChannelTables {
  channel_invites: ChannelInvitesTable;
  channel_join_requests: ChannelJoinRequestsTable;
  channel_forum_topics: ChannelForumTopicsTable;
  channel_admin_log: ChannelAdminLogTable;
  channels: ChannelsTable;
  channel_participants: ChannelParticipantsTable;
  channel_messages: ChannelMessagesTable;
  channel_updates: ChannelUpdatesTable;
  channel_message_views: ChannelMessageViewsTable;
}
