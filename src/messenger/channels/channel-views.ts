// Channels as a given user sees them: `channel` with the viewer's own access hash, admin rights and
// banned rights (left set when not a member); `channelForbidden` once kicked; posts as `message` objects
// (broadcast posts carry views and post_author instead of the author's id).
import type { Obj, TlType } from '../../tl/index.js';
import type { AccessHashes } from '../../service/access-hash.js';
import { adminTl, bannedTl } from '../chats/rights.js';
import { messageTl, type StoredMessageTl } from '../message-row.js';
import { chatPhotoTl, type ChatPhotoMedia, type ChatPhotoSummary } from '../chats/chat-photos.js';
import { asMessageRow, type ChannelMessage } from './channel-store.js';
import {
  CHANNEL_DELETED,
  CHANNEL_SIGNATURES,
  ROLE_ADMIN,
  ROLE_BANNED,
  ROLE_CREATOR,
  adminRightsOf,
  isActiveMember,
  isBroadcast,
  isKicked,
  isMegagroup,
  isForum,
  type ChannelParticipantRecord,
  type ChannelRecord,
} from './records.js';

/** Photo summaries kept; a photo id's summary never changes, so entries are only ever dropped for room. */
const PHOTO_CACHE_MAX = 10_000;

export class ChannelViews {
  private readonly photoCache = new Map<bigint, ChatPhotoSummary>();

  constructor(
    private readonly accessHashes: AccessHashes,
    /** The media service (photo summaries); absent: channels show no photo. */
    private readonly photos?: Pick<ChatPhotoMedia, 'photoSummaries'>,
  ) {}

  /** Loads the photo summaries channelTl shows for these channels (call before channelTl for fresh photos). */
  async prepare(channels: readonly (ChannelRecord | undefined)[]): Promise<void> {
    const missing = [...new Set(channels.flatMap((c) => (c?.photoId != null && !this.photoCache.has(c.photoId) ? [c.photoId] : [])))];
    if (missing.length === 0 || !this.photos) return;
    if (this.photoCache.size + missing.length > PHOTO_CACHE_MAX) this.photoCache.clear();
    for (const [id, s] of await this.photos.photoSummaries(missing)) this.photoCache.set(id, s);
  }

  accessHash(viewer: bigint, channelId: bigint): bigint {
    return this.accessHashes.of('channel', viewer, channelId);
  }

  checkAccessHash(viewer: bigint, channelId: bigint, accessHash: bigint): boolean {
    return this.accessHashes.check('channel', viewer, channelId, accessHash);
  }

  /** The channel as `viewer` sees it (with their participant row, if any). */
  channelTl(viewer: bigint, c: ChannelRecord, me: ChannelParticipantRecord | undefined): TlType<'Chat'> {
    const accessHash = this.accessHash(viewer, c.id);
    if (isKicked(me) || (c.flags & CHANNEL_DELETED) !== 0) {
      return { _: 'channelForbidden', broadcast: isBroadcast(c) || undefined, megagroup: isMegagroup(c) || undefined, id: c.id, accessHash, title: c.title, untilDate: me && me.bannedUntil > 0 ? me.bannedUntil : undefined };
    }
    const active = isActiveMember(me);
    const rights = adminRightsOf(me);
    const restricted = active && me.role === ROLE_BANNED ? me.bannedRights : 0;
    return {
      _: 'channel',
      creator: (active && me.role === ROLE_CREATOR) || undefined,
      left: !active || undefined,
      broadcast: isBroadcast(c) || undefined,
      megagroup: isMegagroup(c) || undefined,
      forum: isForum(c) || undefined,
      signatures: (c.flags & CHANNEL_SIGNATURES) !== 0 || undefined,
      slowmodeEnabled: c.slowmodeSeconds > 0 || undefined,
      hasLink: c.linkedChatId != null || undefined,
      id: c.id,
      accessHash,
      title: c.title,
      username: c.username ?? undefined,
      photo: chatPhotoTl(c.photoId != null ? this.photoCache.get(c.photoId) : undefined),
      date: active ? me.date : c.date,
      adminRights: active && (me.role === ROLE_ADMIN || me.role === ROLE_CREATOR) ? adminTl(rights) : undefined,
      bannedRights: restricted !== 0 ? bannedTl(restricted, me!.bannedUntil || 2147483647) : undefined,
      defaultBannedRights: isMegagroup(c) ? bannedTl(c.defaultBanned) : undefined,
      participantsCount: c.participantsCount,
    };
  }

  /**
   * A post as `viewer` sees it; `replies`: the comments under a broadcast post (its thread in the discussion
   * group). A discussion group's automatic copy of a post comes from the channel, not from whoever posted.
   */
  messageTl(viewer: bigint, c: ChannelRecord | undefined, m: ChannelMessage, replies?: Obj<'messageReplies'>): StoredMessageTl {
    const tl = messageTl(asMessageRow(m, viewer));
    if (tl._ !== 'message') return tl;
    if (c && isBroadcast(c)) {
      return { ...tl, post: true, fromId: undefined, views: m.views, postAuthor: m.postAuthor ?? undefined, replies };
    }
    if (m.replyTopId != null && tl.replyTo?._ === 'messageReplyHeader') {
      // In a forum every message of a topic says so; replies to a message inside a thread name the thread's top.
      tl.replyTo = { ...tl.replyTo, forumTopic: (c && isForum(c)) || undefined, replyToTopId: m.replyTopId !== m.replyToId ? m.replyTopId : undefined };
    }
    if (m.linkedId != null && tl.fwdFrom?.fromId?._ === 'peerChannel') return { ...tl, out: undefined, fromId: tl.fwdFrom.fromId };
    return tl;
  }

  /** channels.channelParticipant entries (channels.getParticipants / getParticipant). */
  participantTl(viewer: bigint, p: ChannelParticipantRecord): TlType<'ChannelParticipant'> {
    if (p.role === ROLE_CREATOR) return { _: 'channelParticipantCreator', userId: p.userId, adminRights: adminTl(adminRightsOf(p)), rank: p.rank ?? undefined };
    if (p.role === ROLE_ADMIN) {
      return {
        _: 'channelParticipantAdmin',
        canEdit: undefined,
        self: p.userId === viewer || undefined,
        userId: p.userId,
        inviterId: p.userId === viewer ? p.inviterId : undefined,
        promotedBy: p.actorId,
        date: p.date,
        adminRights: adminTl(p.adminRights),
        rank: p.rank ?? undefined,
      };
    }
    if (p.role === ROLE_BANNED) {
      return { _: 'channelParticipantBanned', left: isKicked(p) || undefined, peer: { _: 'peerUser', userId: p.userId }, kickedBy: p.actorId, date: p.date, bannedRights: bannedTl(p.bannedRights, p.bannedUntil || 2147483647) };
    }
    const userId = p.userId;
    if (!isActiveMember(p)) return { _: 'channelParticipantLeft', peer: { _: 'peerUser', userId } };
    if (p.userId === viewer) return { _: 'channelParticipantSelf', userId: p.userId, inviterId: p.inviterId, date: p.date };
    return { _: 'channelParticipant', userId: p.userId, date: p.date };
  }
}

/** The dialog of a channel for one member, with the channel's pts (core.telegram.org/constructor/dialog). */
export function channelDialogTl(c: ChannelRecord, me: ChannelParticipantRecord, unreadCount: number): Obj<'dialog'> {
  return {
    _: 'dialog',
    pinned: me.pinned > 0 || undefined,
    unreadMark: me.unreadMark || undefined,
    peer: { _: 'peerChannel', channelId: c.id },
    topMessage: c.topMessage,
    readInboxMaxId: me.readInboxMaxId,
    readOutboxMaxId: c.readMaxId,
    unreadCount,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    unreadPollVotesCount: 0,
    notifySettings: { _: 'peerNotifySettings' },
    pts: c.pts,
    folderId: me.folderId !== 0 ? me.folderId : undefined,
  };
}
