// A message as one owner sees it (their box row joined with the shared content), and its TL form.
import type { Obj, TlObject, TlType } from '../tl/index.js';
import { decodeTl, decodeTlList } from '../infra/db/tl-columns.js';
import { PEER_USER, peerTl, type PeerRef, type PeerType } from './peer.js';
import { refreshMediaReferences } from '../service/media/reference-refresh.js';
import { actionUserIds } from './chats/refs.js';

/** messages.flags bits (shared by every copy). */
export const CONTENT_SILENT = 1;
export const CONTENT_NOFORWARDS = 2;
export const CONTENT_EDIT_HIDE = 4;
/** A service message (basic groups): the `media` column holds its MessageAction. */
export const CONTENT_SERVICE = 8;
/**
 * Revoked while its fan-out may still be on its way (Inbox-T, inbox-fanout.ts): the row stays, without any
 * copy, so that a late fan-out record creates none.
 */
export const CONTENT_REVOKED = 16;
/** message_boxes.flags bits (per owner). */
export const BOX_MENTIONED = 1;
export const BOX_MEDIA_UNREAD = 2;
/** Pinned in this owner's chat (messages.updatePinnedMessage). */
export const BOX_PINNED = 4;

export interface MessageRow {
  ownerId: bigint;
  id: number;
  globalId: bigint;
  peer: PeerRef;
  out: boolean;
  date: number;
  replyToId: number | null;
  boxFlags: number;
  authorId: bigint;
  editDate: number;
  message: string;
  entities: Buffer | null;
  media: Buffer | null;
  fwdFrom: Buffer | null;
  groupedId?: bigint | null;
  flags: number;
  /** In Saved Messages: the saved peer (saved-peer.ts); null elsewhere. */
  savedPeer?: PeerRef | null;
}

/** The joined columns as the SQL store returns them (bigint integers). */
export interface JoinedRow {
  owner_id: bigint;
  id: number | bigint;
  global_id: bigint;
  peer_type: number | bigint;
  peer_id: bigint;
  out: number | bigint;
  date: number | bigint;
  reply_to_id: number | bigint | null;
  box_flags: number | bigint;
  author_id: bigint;
  edit_date: number | bigint;
  message: string;
  entities: Buffer | null;
  media: Buffer | null;
  fwd_from: Buffer | null;
  grouped_id?: number | bigint | null;
  flags: number | bigint;
  saved_peer_type?: number | bigint | null;
  saved_peer_id?: bigint | null;
}

export function rowFromJoined(r: JoinedRow): MessageRow {
  return {
    ownerId: r.owner_id,
    id: Number(r.id),
    globalId: r.global_id,
    peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id },
    out: Number(r.out) !== 0,
    date: Number(r.date),
    replyToId: r.reply_to_id === null ? null : Number(r.reply_to_id),
    boxFlags: Number(r.box_flags),
    authorId: r.author_id,
    editDate: Number(r.edit_date),
    message: r.message,
    entities: r.entities,
    media: r.media,
    fwdFrom: r.fwd_from,
    groupedId: r.grouped_id == null ? null : BigInt(r.grouped_id),
    flags: Number(r.flags),
    savedPeer: r.saved_peer_id == null || r.saved_peer_type == null ? null : { type: Number(r.saved_peer_type) as PeerType, id: BigInt(r.saved_peer_id) },
  };
}

/*
 * The content columns hold what the message store encoded from typed values: entities, the MessageMedia (a
 * service message's MessageAction instead) and the MessageFwdHeader. The codec proves the bytes are a
 * well-formed TL object, not of which type; the column is the contract, so these readers are the one place
 * that asserts it.
 */
export const entitiesColumn = (buf: Uint8Array | null): TlType<'MessageEntity'>[] | undefined => decodeTlList(buf) as TlType<'MessageEntity'>[] | undefined;
export const mediaColumn = (buf: Uint8Array | null): TlType<'MessageMedia'> | undefined => decodeTl(buf) as TlType<'MessageMedia'> | undefined;
export const actionColumn = (buf: Uint8Array | null): TlType<'MessageAction'> | undefined => decodeTl(buf) as TlType<'MessageAction'> | undefined;
export const fwdFromColumn = (buf: Uint8Array | null): Obj<'messageFwdHeader'> | undefined => decodeTl(buf) as Obj<'messageFwdHeader'> | undefined;

/** Fresh file references for media and actions read for a client; the refresh keeps the constructor
 * (src/service/media/reference-refresh.ts still answers TlObject: issue 10, being typed on its branch). */
const refreshed = <T extends TlObject>(media: T | undefined): T | undefined => refreshMediaReferences(media) as T | undefined;

/** A stored message as TL: an ordinary message, or a service message in a group. */
export type StoredMessageTl = Obj<'message'> | Obj<'messageService'>;

export function messageTl(row: MessageRow): StoredMessageTl {
  if (row.flags & CONTENT_SERVICE) return serviceMessageTl(row);
  return {
    _: 'message',
    out: row.out || undefined,
    mentioned: (row.boxFlags & BOX_MENTIONED) !== 0 || undefined,
    mediaUnread: (row.boxFlags & BOX_MEDIA_UNREAD) !== 0 || undefined,
    silent: (row.flags & CONTENT_SILENT) !== 0 || undefined,
    noforwards: (row.flags & CONTENT_NOFORWARDS) !== 0 || undefined,
    editHide: (row.flags & CONTENT_EDIT_HIDE) !== 0 || undefined,
    pinned: (row.boxFlags & BOX_PINNED) !== 0 || undefined,
    id: row.id,
    fromId: { _: 'peerUser', userId: row.authorId },
    peerId: peerTl(row.peer),
    fwdFrom: fwdFromColumn(row.fwdFrom),
    replyTo: row.replyToId !== null ? { _: 'messageReplyHeader', replyToMsgId: row.replyToId } : undefined,
    date: row.date,
    message: row.message,
    media: refreshed(mediaColumn(row.media)),
    entities: entitiesColumn(row.entities),
    groupedId: row.groupedId ?? undefined,
    editDate: row.editDate > 0 ? row.editDate : undefined,
    savedPeerId: row.savedPeer ? peerTl(row.savedPeer) : undefined,
  };
}

/** The channel a forwarded message came from (its fwd header's from_id), for the `chats` vector next to it. */
export function fwdChannelId(row: MessageRow): bigint | undefined {
  const from = fwdFromColumn(row.fwdFrom)?.fromId;
  return from?._ === 'peerChannel' ? from.channelId : undefined;
}

/** Every user a message refers to, for the `users` vector next to it. */
export function userIdsOf(row: MessageRow, into: Set<bigint>): void {
  into.add(row.authorId);
  if (row.flags & CONTENT_SERVICE) actionUserIds(actionColumn(row.media), into);
  if (row.peer.type === PEER_USER) into.add(row.peer.id);
  const from = fwdFromColumn(row.fwdFrom)?.fromId;
  if (from?._ === 'peerUser') into.add(from.userId);
  if (row.savedPeer?.type === PEER_USER) into.add(row.savedPeer.id);
}

function serviceMessageTl(row: MessageRow): Obj<'messageService'> {
  return {
    _: 'messageService',
    out: row.out || undefined,
    silent: (row.flags & CONTENT_SILENT) !== 0 || undefined,
    id: row.id,
    fromId: { _: 'peerUser', userId: row.authorId },
    peerId: peerTl(row.peer),
    replyTo: row.replyToId !== null ? { _: 'messageReplyHeader', replyToMsgId: row.replyToId } : undefined,
    date: row.date,
    // messageActionChatEditPhoto carries a photo whose file reference must be fresh, like media's.
    action: refreshed(actionColumn(row.media)) ?? { _: 'messageActionEmpty' },
  };
}
