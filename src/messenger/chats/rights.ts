// Admin and banned rights of basic groups (core.telegram.org/api/rights). Both are kept as the flags word
// of their TL constructor, so storing and comparing them is an integer and the TL form is a table lookup.
import type { Obj, TlType } from '../../tl/index.js';

/** chatBannedRights field -> flag bit (canonical schema layer; a unit test compares them). */
export const BANNED_BITS = {
  viewMessages: 0,
  sendMessages: 1,
  sendMedia: 2,
  sendStickers: 3,
  sendGifs: 4,
  sendGames: 5,
  sendInline: 6,
  embedLinks: 7,
  sendPolls: 8,
  changeInfo: 10,
  inviteUsers: 15,
  pinMessages: 17,
  manageTopics: 18,
  sendPhotos: 19,
  sendVideos: 20,
  sendRoundvideos: 21,
  sendAudios: 22,
  sendVoices: 23,
  sendDocs: 24,
  sendPlain: 25,
  editRank: 26,
  sendReactions: 27,
  manageLinkedPeers: 28,
} as const satisfies Partial<Record<keyof Obj<'chatBannedRights'>, number>>;

/** chatAdminRights field -> flag bit (canonical schema layer; a unit test compares them). */
export const ADMIN_BITS = {
  changeInfo: 0,
  postMessages: 1,
  editMessages: 2,
  deleteMessages: 3,
  banUsers: 4,
  inviteUsers: 5,
  pinMessages: 7,
  addAdmins: 9,
  anonymous: 10,
  manageCall: 11,
  other: 12,
  manageTopics: 13,
  postStories: 14,
  editStories: 15,
  deleteStories: 16,
  manageDirectMessages: 17,
  manageRanks: 18,
  manageLinkedPeers: 19,
  manageWelcomeMessages: 20,
} as const satisfies Partial<Record<keyof Obj<'chatAdminRights'>, number>>;

export type BannedRight = keyof typeof BANNED_BITS;
export type AdminRight = keyof typeof ADMIN_BITS;

/** chatBannedRights.until_date meaning "forever", as Telegram sends for default rights. */
export const FOREVER = 2147483647;

function bitsOf(names: readonly string[], table: Readonly<Record<string, number>>): number {
  let bits = 0;
  for (const n of names) bits |= 1 << table[n]!;
  return bits >>> 0;
}

export const bannedBits = (names: readonly BannedRight[]): number => bitsOf(names, BANNED_BITS);
export const adminBits = (names: readonly AdminRight[]): number => bitsOf(names, ADMIN_BITS);

/**
 * What a basic-group admin may do. Basic groups have no per-admin rights: every admin has the same set,
 * and only the creator appoints admins.
 */
export const BASIC_ADMIN_RIGHTS = adminBits(['changeInfo', 'deleteMessages', 'banUsers', 'inviteUsers', 'pinMessages', 'manageCall', 'other']);
export const CREATOR_RIGHTS = (BASIC_ADMIN_RIGHTS | adminBits(['addAdmins'])) >>> 0;

/** The flags word of a chatBannedRights object (unknown fields ignored, until_date ignored: defaults never expire). */
export function bannedFromTl(obj: TlType<'ChatBannedRights'>): number {
  return bitsOf(BANNED_RIGHTS.filter((k) => obj[k] === true), BANNED_BITS);
}

/** The keys of a bits table: Object.keys of a const literal is exactly its keys (TS types it string[]). */
const keysOf = <K extends string>(table: Readonly<Record<K, number>>): readonly K[] => Object.keys(table) as K[];
const BANNED_RIGHTS = keysOf(BANNED_BITS);
const ADMIN_RIGHTS = keysOf(ADMIN_BITS);

export function bannedTl(bits: number, untilDate = FOREVER): Obj<'chatBannedRights'> {
  const out: Obj<'chatBannedRights'> = { _: 'chatBannedRights', untilDate };
  for (const k of BANNED_RIGHTS) if (bits & (1 << BANNED_BITS[k])) out[k] = true;
  return out;
}

export function adminTl(bits: number): Obj<'chatAdminRights'> {
  const out: Obj<'chatAdminRights'> = { _: 'chatAdminRights' };
  for (const k of ADMIN_RIGHTS) if (bits & (1 << ADMIN_BITS[k])) out[k] = true;
  return out;
}

export function isBanned(bits: number, right: BannedRight): boolean {
  return (bits & (1 << BANNED_BITS[right])) !== 0;
}

export function hasAdminRight(bits: number, right: AdminRight): boolean {
  return (bits & (1 << ADMIN_BITS[right])) !== 0;
}

/**
 * Telegram's granular send rights: `send_messages` covers everything; text needs `send_plain` too, and
 * media needs `send_media` (the per-kind bits refine it for clients that set them).
 */
export function sendBlocked(bits: number, kind: 'text' | 'media'): boolean {
  if (isBanned(bits, 'viewMessages') || isBanned(bits, 'sendMessages')) return true;
  return kind === 'text' ? isBanned(bits, 'sendPlain') : isBanned(bits, 'sendMedia');
}
