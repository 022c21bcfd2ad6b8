// Who is in a basic group and what each of them may do: the decisions behind every chat method, pure so
// they are tested without a database. Error names are Telegram's (core.telegram.org/method/messages.*Chat*).
import { RpcError } from '../../common/rpc-error.js';
import type { TlType } from '../../tl/index.js';
import { BASIC_ADMIN_RIGHTS, CREATOR_RIGHTS, hasAdminRight, isBanned, sendBlocked, type AdminRight, type BannedRight } from './rights.js';

export const ROLE_MEMBER = 0;
export const ROLE_ADMIN = 1;
export const ROLE_CREATOR = 2;
export type Role = typeof ROLE_MEMBER | typeof ROLE_ADMIN | typeof ROLE_CREATOR;

export const STATE_MEMBER = 0;
export const STATE_LEFT = 1;
export const STATE_KICKED = 2;
export type MemberState = typeof STATE_MEMBER | typeof STATE_LEFT | typeof STATE_KICKED;

/** help.getConfig chat_size_max: participants of a basic group, creator included. */
export const CHAT_SIZE_MAX = 200;
export const MAX_TITLE_LENGTH = 128;

export interface ChatRecord {
  id: bigint;
  creatorId: bigint;
  title: string;
  about: string;
  date: number;
  version: number;
  /** chatBannedRights flags for non-admin members. */
  defaultBanned: number;
  flags: number;
  /** The current photo (media photo id), absent when the chat has none. */
  photoId?: bigint;
  /** The supergroup it became (messages.migrateChat): the chat is deactivated. */
  migratedTo?: bigint;
}

export interface Participant {
  chatId: bigint;
  userId: bigint;
  inviterId: bigint;
  date: number;
  role: Role;
  state: MemberState;
}

export const isActive = (p: Participant | undefined): p is Participant => p !== undefined && p.state === STATE_MEMBER;

/** The admin rights a participant holds (0 for plain members and former participants). */
export function adminRightsOf(p: Participant | undefined): number {
  if (!isActive(p)) return 0;
  return p.role === ROLE_CREATOR ? CREATOR_RIGHTS : p.role === ROLE_ADMIN ? BASIC_ADMIN_RIGHTS : 0;
}

/** The caller as a current participant, or the error for someone who is not (any more). */
export function requireMember(p: Participant | undefined): Participant {
  if (!p) throw RpcError.badRequest('CHAT_ID_INVALID');
  if (p.state !== STATE_MEMBER) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
  return p;
}

/**
 * May `p` do what `right` stands for? Admins hold their admin right; members may when the chat's default
 * rights do not ban the member-level equivalent (`banned`), if there is one.
 */
export function may(chat: ChatRecord, p: Participant, right: AdminRight, banned?: BannedRight): boolean {
  if (!isActive(p)) return false;
  if (hasAdminRight(adminRightsOf(p), right)) return true;
  return banned !== undefined && !isBanned(chat.defaultBanned, banned);
}

export function requireRight(chat: ChatRecord, p: Participant, right: AdminRight, banned?: BannedRight): void {
  if (!may(chat, p, right, banned)) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
}

/**
 * May `p` pin and unpin messages? Admins always (pin_messages is a basic-group admin right); plain members
 * unless the chat's default rights ban pin_messages. Others get CHAT_ADMIN_REQUIRED, as from Telegram.
 */
export function requirePinRight(chat: ChatRecord, p: Participant | undefined): Participant {
  const me = requireMember(p);
  requireRight(chat, me, 'pinMessages', 'pinMessages');
  return me;
}

/** Whether the member may post text and/or media now; admins are never restricted. */
export function requireSend(chat: ChatRecord, p: Participant | undefined, kinds: { text: boolean; media: boolean }): Participant {
  const me = requireMember(p);
  if (me.role !== ROLE_MEMBER) return me;
  if ((kinds.text && sendBlocked(chat.defaultBanned, 'text')) || (kinds.media && sendBlocked(chat.defaultBanned, 'media'))) {
    throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
  }
  return me;
}

/**
 * May `actor` remove `target`? Anyone may leave; the creator removes anyone; admins remove plain members;
 * a plain member removes only the members they added themselves (basic groups' legacy rule).
 */
export function requireRemovable(actor: Participant, target: Participant | undefined): Participant {
  requireMember(actor);
  if (!isActive(target)) throw RpcError.badRequest('USER_NOT_PARTICIPANT');
  if (target.userId === actor.userId) return target;
  if (actor.role === ROLE_CREATOR) return target;
  if (target.role !== ROLE_MEMBER) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
  if (actor.role === ROLE_ADMIN || target.inviterId === actor.userId) return target;
  throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
}

/** Room left for `adding` more members, or USERS_TOO_MUCH. */
export function requireRoom(activeCount: number, adding: number, max = CHAT_SIZE_MAX): void {
  if (activeCount + adding > max) throw RpcError.badRequest('USERS_TOO_MUCH');
}

/** A valid title (trimmed), or CHAT_TITLE_EMPTY. */
export function checkTitle(title: string): string {
  const t = title.trim();
  if (t.length === 0) throw RpcError.badRequest('CHAT_TITLE_EMPTY');
  return t.length > MAX_TITLE_LENGTH ? t.slice(0, MAX_TITLE_LENGTH) : t;
}

export function participantTl(p: Participant): TlType<'ChatParticipant'> {
  if (p.role === ROLE_CREATOR) return { _: 'chatParticipantCreator', userId: p.userId };
  if (p.role === ROLE_ADMIN) return { _: 'chatParticipantAdmin', userId: p.userId, inviterId: p.inviterId, date: p.date };
  return { _: 'chatParticipant', userId: p.userId, inviterId: p.inviterId, date: p.date };
}

/**
 * chatParticipants for a current member (creator first, then by join date), chatParticipantsForbidden
 * for a former one.
 */
export function participantsTl(chat: ChatRecord, viewer: Participant | undefined, all: readonly Participant[]): TlType<'ChatParticipants'> {
  if (!isActive(viewer)) return { _: 'chatParticipantsForbidden', chatId: chat.id };
  const active = all.filter(isActive).sort((a, b) => b.role - a.role || a.date - b.date || (a.userId < b.userId ? -1 : 1));
  return { _: 'chatParticipants', chatId: chat.id, participants: active.map(participantTl), version: chat.version };
}
