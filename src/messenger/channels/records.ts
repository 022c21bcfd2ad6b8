// Channels and supergroups as Echo keeps them, and the decisions behind every channel method: who may
// read, post, edit, delete, promote and ban. Pure functions, so they are tested without a database.
// Error names are Telegram's (core.telegram.org/api/channel, core.telegram.org/api/rights).
import { RpcError } from '../../common/rpc-error.js';
import { ADMIN_BITS, BANNED_BITS, hasAdminRight, isBanned, sendBlocked, type AdminRight } from '../chats/rights.js';

/** channels.flags bits. */
export const CHANNEL_BROADCAST = 1;
export const CHANNEL_MEGAGROUP = 2;
export const CHANNEL_SIGNATURES = 4;
/** channels.deleteChannel: the row stays so that old references answer CHANNEL_INVALID, not a crash. */
export const CHANNEL_DELETED = 8;
/** channels.togglePreHistoryHidden: members see only the posts after they joined. */
export const CHANNEL_PREHISTORY_HIDDEN = 16;
/** A supergroup organised in forum topics (channels.toggleForum). */
export const CHANNEL_FORUM = 32;
/** The General topic of a forum: every message not in another topic. */
export const GENERAL_TOPIC_ID = 1;
/** The icon colours Telegram offers for forum topics (the first is the default). */
export const TOPIC_COLORS: readonly number[] = [0x6fb9f0, 0xffd67e, 0xcb86db, 0x8eee98, 0xff93b2, 0xfb6f5f];

export const ROLE_LEFT = 0;
export const ROLE_MEMBER = 1;
export const ROLE_ADMIN = 2;
export const ROLE_CREATOR = 3;
/** Restricted (banned_rights without view_messages: still a member) or kicked (with view_messages). */
export const ROLE_BANNED = 4;
export type ChannelRole = typeof ROLE_LEFT | typeof ROLE_MEMBER | typeof ROLE_ADMIN | typeof ROLE_CREATOR | typeof ROLE_BANNED;

/** channel_updates.kind: what an entry of the channel's update log records. */
export const UPDATE_NEW = 1;
export const UPDATE_EDIT = 2;
export const UPDATE_DELETE = 3;
export const UPDATE_PIN = 4;
export const UPDATE_UNPIN = 5;
export type ChannelUpdateKind = typeof UPDATE_NEW | typeof UPDATE_EDIT | typeof UPDATE_DELETE | typeof UPDATE_PIN | typeof UPDATE_UNPIN;

/** channel_messages.flags bit (beside the shared CONTENT_* bits): the post is pinned in the channel. */
export const POST_PINNED = 256;

export const MAX_TITLE_LENGTH = 128;
export const MAX_ABOUT_LENGTH = 255;
/** Slow mode delays Telegram offers (channels.toggleSlowMode). */
export const SLOWMODE_VALUES = [0, 10, 30, 60, 300, 900, 3600];

/** Every admin right, as the creator holds them. */
export const ALL_ADMIN_RIGHTS = Object.values(ADMIN_BITS).reduce<number>((bits, b) => (bits | (1 << b)) >>> 0, 0);
const VIEW_MESSAGES = 1 << BANNED_BITS.viewMessages;

export interface ChannelRecord {
  id: bigint;
  creatorId: bigint;
  title: string;
  about: string;
  username: string | null;
  date: number;
  flags: number;
  pts: number;
  topMessage: number;
  topDate: number;
  readMaxId: number;
  participantsCount: number;
  defaultBanned: number;
  slowmodeSeconds: number;
  photoId: bigint | null;
  /** The basic group it was migrated from (messages.migrateChat). */
  migratedFromChatId: bigint | null;
  /** The discussion group of a broadcast channel, or the broadcast channel a discussion group serves. */
  linkedChatId?: bigint | null;
}

export interface ChannelParticipantRecord {
  channelId: bigint;
  userId: bigint;
  role: ChannelRole;
  adminRights: number;
  bannedRights: number;
  bannedUntil: number;
  inviterId: bigint;
  actorId: bigint;
  rank: string | null;
  date: number;
  readInboxMaxId: number;
  lastPostDate: number;
  pinned: number;
  folderId: number;
  /** The newest post when the member joined. */
  availableMinId: number;
  /** messages.markDialogUnread. */
  unreadMark?: boolean;
}

export const isBroadcast = (c: ChannelRecord): boolean => (c.flags & CHANNEL_BROADCAST) !== 0;
export const isMegagroup = (c: ChannelRecord): boolean => (c.flags & CHANNEL_MEGAGROUP) !== 0;
export const isForum = (c: ChannelRecord): boolean => (c.flags & CHANNEL_FORUM) !== 0;

/** A forum topic's own settings (its messages are the thread under its id). */
export interface ForumTopicRecord {
  channelId: bigint;
  id: number;
  date: number;
  creatorId: bigint;
  title: string;
  iconColor: number;
  iconEmojiId: bigint;
  closed: boolean;
  hidden: boolean;
  pinned: number;
}

/**
 * The newest post id the viewer may not see: with hidden prehistory, what came before a member (not an
 * admin) joined; 0 when everything is visible.
 */
export function hiddenBelow(channel: ChannelRecord, p: ChannelParticipantRecord | undefined): number {
  if ((channel.flags & CHANNEL_PREHISTORY_HIDDEN) === 0 || !p || p.role === ROLE_ADMIN || p.role === ROLE_CREATOR) return 0;
  return p.availableMinId;
}

/** Kicked: banned with view_messages (out of the channel, sees channelForbidden). */
export const isKicked = (p: ChannelParticipantRecord | undefined): boolean => p !== undefined && p.role === ROLE_BANNED && (p.bannedRights & VIEW_MESSAGES) !== 0;

/** In the channel now: a member, admin, creator, or restricted but not kicked. */
export function isActiveMember(p: ChannelParticipantRecord | undefined): p is ChannelParticipantRecord {
  if (!p) return false;
  if (p.role === ROLE_LEFT) return false;
  return !isKicked(p);
}

/** The admin rights a participant holds now. */
export function adminRightsOf(p: ChannelParticipantRecord | undefined): number {
  if (!isActiveMember(p)) return 0;
  if (p.role === ROLE_CREATOR) return ALL_ADMIN_RIGHTS;
  return p.role === ROLE_ADMIN ? p.adminRights : 0;
}

export const isAdmin = (p: ChannelParticipantRecord | undefined): boolean => isActiveMember(p) && (p.role === ROLE_ADMIN || p.role === ROLE_CREATOR);

/**
 * May `viewer` read the channel? Members may; a public channel (with a username) may be previewed by anyone
 * not kicked; otherwise CHANNEL_PRIVATE, as Telegram answers for a channel the user cannot see.
 */
export function requireReadable(channel: ChannelRecord, p: ChannelParticipantRecord | undefined): void {
  if (isKicked(p)) throw RpcError.badRequest('CHANNEL_PRIVATE');
  if (isActiveMember(p)) return;
  if (channel.username !== null) return;
  throw RpcError.badRequest('CHANNEL_PRIVATE');
}

export function requireMember(p: ChannelParticipantRecord | undefined): ChannelParticipantRecord {
  if (isKicked(p)) throw RpcError.badRequest('CHANNEL_PRIVATE');
  if (!isActiveMember(p)) throw RpcError.badRequest('CHANNEL_PRIVATE');
  return p;
}

export function requireAdminRight(p: ChannelParticipantRecord | undefined, right: AdminRight): ChannelParticipantRecord {
  const me = requireMember(p);
  if (!hasAdminRight(adminRightsOf(me), right)) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
  return me;
}

/**
 * May `p` post now? Broadcast channels: admins with post_messages only. Supergroups: admins always;
 * members unless restricted personally (USER_BANNED_IN_CHANNEL) or by the default rights
 * (CHAT_WRITE_FORBIDDEN); slow mode (SLOWMODE_WAIT_X) applies to members only.
 */
export function requirePost(channel: ChannelRecord, p: ChannelParticipantRecord | undefined, kinds: { text: boolean; media: boolean }, now: number): ChannelParticipantRecord {
  const me = requireMember(p);
  if (isBroadcast(channel)) {
    if (!hasAdminRight(adminRightsOf(me), 'postMessages')) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
    return me;
  }
  if (isAdmin(me)) return me;
  const personal = me.role === ROLE_BANNED && (me.bannedUntil === 0 || me.bannedUntil > now) ? me.bannedRights : 0;
  const blocked = (bits: number) => (kinds.text && sendBlocked(bits, 'text')) || (kinds.media && sendBlocked(bits, 'media'));
  if (blocked(personal)) throw new RpcError(403, 'USER_BANNED_IN_CHANNEL');
  if (blocked(channel.defaultBanned)) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
  if (channel.slowmodeSeconds > 0 && me.lastPostDate > 0) {
    const wait = me.lastPostDate + channel.slowmodeSeconds - now;
    if (wait > 0) throw RpcError.badRequest(`SLOWMODE_WAIT_${wait}`);
  }
  return me;
}

/** May `actor` change a member's admin rights to `rights`? (channels.editAdmin) */
export function requirePromote(actor: ChannelParticipantRecord | undefined, target: ChannelParticipantRecord | undefined, rights: number): void {
  const me = requireAdminRight(actor, 'addAdmins');
  if (target?.role === ROLE_CREATOR) throw RpcError.badRequest('USER_CREATOR');
  // Only rights the promoter holds may be given (the creator holds them all).
  if ((rights & ~adminRightsOf(me)) !== 0) throw RpcError.badRequest('RIGHT_FORBIDDEN');
  // An admin someone else promoted is changed by the creator only.
  if (target?.role === ROLE_ADMIN && me.role !== ROLE_CREATOR && target.actorId !== me.userId) throw RpcError.badRequest('USER_ADMIN_INVALID');
}

/** May `actor` restrict, kick or unban `target`? (channels.editBanned) */
export function requireBan(actor: ChannelParticipantRecord | undefined, target: ChannelParticipantRecord | undefined): void {
  const me = requireAdminRight(actor, 'banUsers');
  if (target?.userId === me.userId) throw RpcError.badRequest('USER_ADMIN_INVALID');
  if (target?.role === ROLE_CREATOR) throw RpcError.badRequest('USER_ADMIN_INVALID');
  if (target?.role === ROLE_ADMIN && me.role !== ROLE_CREATOR && target.actorId !== me.userId) throw RpcError.badRequest('USER_ADMIN_INVALID');
}

/** May `p` edit message `authorId` posted? Authors edit their own; in broadcasts, admins with edit_messages edit any post. */
export function mayEdit(channel: ChannelRecord, p: ChannelParticipantRecord, authorId: bigint): boolean {
  if (authorId === p.userId && (!isBroadcast(channel) || hasAdminRight(adminRightsOf(p), 'postMessages'))) return true;
  return isBroadcast(channel) && hasAdminRight(adminRightsOf(p), 'editMessages');
}

/** May `p` delete message `authorId` posted for everyone? Authors delete their own; admins with delete_messages any. */
export function mayDelete(p: ChannelParticipantRecord, authorId: bigint): boolean {
  return authorId === p.userId || hasAdminRight(adminRightsOf(p), 'deleteMessages');
}

export function checkTitle(title: string): string {
  const t = title.trim();
  if (t.length === 0) throw RpcError.badRequest('CHAT_TITLE_EMPTY');
  return t.length > MAX_TITLE_LENGTH ? t.slice(0, MAX_TITLE_LENGTH) : t;
}

export function checkAbout(about: string): string {
  if (about.length > MAX_ABOUT_LENGTH) throw RpcError.badRequest('CHAT_ABOUT_TOO_LONG');
  return about;
}

/** Public usernames: 5-32 characters, a letter first, letters, digits and underscores (core.telegram.org/method/channels.updateUsername). */
export const USERNAME_RE = /^[a-zA-Z][a-zA-Z0-9_]{3,30}[a-zA-Z0-9]$/;

export { hasAdminRight, isBanned };
