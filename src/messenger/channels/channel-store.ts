// SQL access for channels: the channel row (with its pts and top message), participants (with each
// member's read state), the channel's one message box, its update log and post views. Methods take the
// database or a transaction, so a change and its log entry commit together (channel-service.ts).
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { dialectOf, lockingRead } from '../../infra/db/dialect.js';
import type { Tx } from '../box-writer.js';
import { PEER_CHANNEL } from '../peer.js';
import { BOX_PINNED, CONTENT_SERVICE, type MessageRow } from '../message-row.js';
import { inviteFromRow, type InviteRecord } from '../chats/chat-store.js';
import { decodeTl, encodeTl } from '../../infra/db/tl-columns.js';
import { searchKinds } from '../../infra/db/search-index.js';
import type { TlType } from '../../tl/index.js';
import { logKindCode, logKindOf, type LogEntry, type LogKind } from './admin-log.js';
import { CHANNEL_DELETED, POST_PINNED, ROLE_BANNED, ROLE_LEFT, type ForumTopicRecord, type ChannelParticipantRecord, type ChannelRecord, type ChannelRole, type ChannelUpdateKind } from './records.js';

export type Db = Kysely<Tables> | Tx;
type N = number | bigint;

const CHANNEL_COLUMNS = ['id', 'creator_id', 'title', 'about', 'username', 'date', 'flags', 'pts', 'top_message', 'top_date', 'read_max_id', 'participants_count', 'default_banned', 'slowmode_seconds', 'photo_id', 'migrated_from_chat_id', 'linked_chat_id'] as const;
const PARTICIPANT_COLUMNS = ['channel_id', 'user_id', 'role', 'admin_rights', 'banned_rights', 'banned_until', 'inviter_id', 'actor_id', 'rank', 'date', 'read_inbox_max_id', 'last_post_date', 'pinned', 'folder_id', 'available_min_id', 'unread_mark'] as const;
const INVITE_COLUMNS = ['hash', 'channel_id', 'admin_id', 'date', 'expire_date', 'usage_limit', 'uses', 'revoked', 'permanent', 'title', 'request_needed'] as const;
const MESSAGE_COLUMNS = ['channel_id', 'id', 'author_id', 'date', 'edit_date', 'message', 'entities', 'media', 'fwd_from', 'reply_to_id', 'post_author', 'views', 'flags', 'reply_top_id', 'linked_id'] as const;

function channelFromRow(r: { id: bigint; creator_id: bigint; title: string; about: string; username: string | null; date: N; flags: N; pts: N; top_message: N; top_date: N; read_max_id: N; participants_count: N; default_banned: N; slowmode_seconds: N; photo_id: bigint | null; migrated_from_chat_id: bigint | null; linked_chat_id: bigint | null }): ChannelRecord {
  return {
    id: r.id,
    creatorId: r.creator_id,
    title: r.title,
    about: r.about,
    username: r.username,
    date: Number(r.date),
    flags: Number(r.flags),
    pts: Number(r.pts),
    topMessage: Number(r.top_message),
    topDate: Number(r.top_date),
    readMaxId: Number(r.read_max_id),
    participantsCount: Number(r.participants_count),
    defaultBanned: Number(r.default_banned) >>> 0,
    slowmodeSeconds: Number(r.slowmode_seconds),
    photoId: r.photo_id,
    migratedFromChatId: r.migrated_from_chat_id,
    linkedChatId: r.linked_chat_id,
  };
}

function participantFromRow(r: { channel_id: bigint; user_id: bigint; role: N; admin_rights: N; banned_rights: N; banned_until: N; inviter_id: bigint; actor_id: bigint; rank: string | null; date: N; read_inbox_max_id: N; last_post_date: N; pinned: N; folder_id: N; available_min_id: N; unread_mark: N }): ChannelParticipantRecord {
  return {
    channelId: r.channel_id,
    userId: r.user_id,
    role: Number(r.role) as ChannelRole,
    adminRights: Number(r.admin_rights) >>> 0,
    bannedRights: Number(r.banned_rights) >>> 0,
    bannedUntil: Number(r.banned_until),
    inviterId: r.inviter_id,
    actorId: r.actor_id,
    rank: r.rank,
    date: Number(r.date),
    readInboxMaxId: Number(r.read_inbox_max_id),
    lastPostDate: Number(r.last_post_date),
    pinned: Number(r.pinned),
    folderId: Number(r.folder_id),
    availableMinId: Number(r.available_min_id),
    unreadMark: Number(r.unread_mark) !== 0,
  };
}

function topicFromRow(r: { channel_id: bigint; id: N; date: N; creator_id: bigint; title: string; icon_color: N; icon_emoji_id: bigint; closed: N; hidden: N; pinned: N }): ForumTopicRecord {
  return {
    channelId: r.channel_id,
    id: Number(r.id),
    date: Number(r.date),
    creatorId: r.creator_id,
    title: r.title,
    iconColor: Number(r.icon_color),
    iconEmojiId: BigInt(r.icon_emoji_id),
    closed: Number(r.closed) !== 0,
    hidden: Number(r.hidden) !== 0,
    pinned: Number(r.pinned),
  };
}

/** LIKE pattern for a name prefix typed by a user: lowercased, wildcards dropped. */
function namePrefixPattern(q: string): string {
  return `${q.toLowerCase().replace(/[%_\\]/g, '')}%`;
}

/** The joined user `u`'s first name, last name or username starts with the pattern. */
function nameStartsWith(eb: ExpressionBuilder<{ u: Tables['users'] }, 'u'>, like: string) {
  return eb.or([eb(eb.fn('lower', ['u.first_name']), 'like', like), eb(eb.fn('lower', ['u.last_name']), 'like', like), eb('u.username_lower', 'like', like)]);
}

function channelInviteFromRow(r: Omit<Parameters<typeof inviteFromRow>[0], 'chat_id'> & { channel_id: bigint; request_needed: N }): InviteRecord {
  return { ...inviteFromRow({ ...r, chat_id: r.channel_id }), requestNeeded: Number(r.request_needed) !== 0 };
}

/** A stored post: the shared MessageRow shape (as `viewer` sees it) and what only channels have. */
export interface ChannelMessage {
  channelId: bigint;
  id: number;
  authorId: bigint;
  date: number;
  editDate: number;
  message: string;
  entities: Buffer | null;
  media: Buffer | null;
  fwdFrom: Buffer | null;
  replyToId: number | null;
  postAuthor: string | null;
  views: number;
  flags: number;
  /** The top message of the thread it replies in (discussion groups). */
  replyTopId?: number | null;
  /** A channel post: its copy in the discussion group; the copy: the channel post it copies. */
  linkedId?: number | null;
}

function messageFromRow(r: { channel_id: bigint; id: N; author_id: bigint; date: N; edit_date: N; message: string; entities: Buffer | null; media: Buffer | null; fwd_from: Buffer | null; reply_to_id: N | null; post_author: string | null; views: N; flags: N; reply_top_id: N | null; linked_id: N | null }): ChannelMessage {
  return {
    channelId: r.channel_id,
    id: Number(r.id),
    authorId: r.author_id,
    date: Number(r.date),
    editDate: Number(r.edit_date),
    message: r.message,
    entities: r.entities,
    media: r.media,
    fwdFrom: r.fwd_from,
    replyToId: r.reply_to_id === null ? null : Number(r.reply_to_id),
    postAuthor: r.post_author,
    views: Number(r.views),
    flags: Number(r.flags),
    replyTopId: r.reply_top_id === null ? null : Number(r.reply_top_id),
    linkedId: r.linked_id === null ? null : Number(r.linked_id),
  };
}

/** The post in the MessageRow shape the shared message code (message-row.ts) turns into TL. */
export function asMessageRow(m: ChannelMessage, viewer: bigint): MessageRow {
  return {
    ownerId: viewer,
    id: m.id,
    globalId: 0n,
    peer: { type: PEER_CHANNEL, id: m.channelId },
    out: m.authorId === viewer,
    date: m.date,
    replyToId: m.replyToId,
    boxFlags: m.flags & POST_PINNED ? BOX_PINNED : 0,
    authorId: m.authorId,
    editDate: m.editDate,
    message: m.message,
    entities: m.entities,
    media: m.media,
    fwdFrom: m.fwdFrom,
    flags: m.flags,
  };
}

export interface NewChannelMessage {
  authorId: bigint;
  randomId: bigint;
  message: string;
  entities: Buffer | null;
  media: Buffer | null;
  fwdFrom: Buffer | null;
  replyToId: number | null;
  postAuthor: string | null;
  flags: number;
  replyTopId?: number | null;
  linkedId?: number | null;
}

export interface ChannelLogEntry {
  pts: number;
  ptsCount: number;
  date: number;
  kind: ChannelUpdateKind;
  ids: number[];
}

export class ChannelStore {
  constructor(readonly db: Kysely<Tables>) {}

  async channel(id: bigint, db: Db = this.db): Promise<ChannelRecord | undefined> {
    const r = await db.selectFrom('channels').select(CHANNEL_COLUMNS).where('id', '=', id).executeTakeFirst();
    return r && channelFromRow(r);
  }

  /** The channel row, locked until the transaction ends on MySQL (its pts and top message are read, then written). */
  async lockChannel(tx: Tx, id: bigint): Promise<ChannelRecord | undefined> {
    const r = await lockingRead(tx.selectFrom('channels').select(CHANNEL_COLUMNS).where('id', '=', id), dialectOf(tx)).executeTakeFirst();
    return r && channelFromRow(r);
  }

  async channels(ids: readonly bigint[], db: Db = this.db): Promise<Map<bigint, ChannelRecord>> {
    const out = new Map<bigint, ChannelRecord>();
    if (ids.length === 0) return out;
    for (const r of await db.selectFrom('channels').select(CHANNEL_COLUMNS).where('id', 'in', [...new Set(ids)]).execute()) out.set(r.id, channelFromRow(r));
    return out;
  }

  async byUsername(username: string, db: Db = this.db): Promise<ChannelRecord | undefined> {
    const r = await db.selectFrom('channels').select(CHANNEL_COLUMNS).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return r && channelFromRow(r);
  }

  async insertChannel(db: Db, c: ChannelRecord): Promise<void> {
    await db
      .insertInto('channels')
      .values({ id: c.id, creator_id: c.creatorId, title: c.title, about: c.about, date: c.date, flags: c.flags, pts: c.pts, top_message: c.topMessage, top_date: c.topDate, participants_count: c.participantsCount, default_banned: c.defaultBanned, migrated_from_chat_id: c.migratedFromChatId })
      .execute();
  }

  async updateChannel(db: Db, id: bigint, set: Partial<Pick<ChannelRecord, 'title' | 'about' | 'flags' | 'defaultBanned' | 'slowmodeSeconds' | 'readMaxId' | 'photoId' | 'linkedChatId'>> & { username?: string | null }): Promise<void> {
    const values: Record<string, unknown> = {};
    if (set.linkedChatId !== undefined) values.linked_chat_id = set.linkedChatId;
    if (set.photoId !== undefined) values.photo_id = set.photoId;
    if (set.title !== undefined) values.title = set.title;
    if (set.about !== undefined) values.about = set.about;
    if (set.flags !== undefined) values.flags = set.flags;
    if (set.defaultBanned !== undefined) values.default_banned = set.defaultBanned;
    if (set.slowmodeSeconds !== undefined) values.slowmode_seconds = set.slowmodeSeconds;
    if (set.readMaxId !== undefined) values.read_max_id = set.readMaxId;
    if (set.username !== undefined) {
      values.username = set.username;
      values.username_lower = set.username?.toLowerCase() ?? null;
    }
    if (Object.keys(values).length > 0) await db.updateTable('channels').set(values).where('id', '=', id).execute();
  }

  async addToCount(db: Db, id: bigint, delta: number): Promise<void> {
    if (delta === 0) return;
    await db
      .updateTable('channels')
      .set((eb) => ({ participants_count: eb('participants_count', '+', delta) }))
      .where('id', '=', id)
      .execute();
  }

  async participant(channelId: bigint, userId: bigint, db: Db = this.db): Promise<ChannelParticipantRecord | undefined> {
    const r = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    return r && participantFromRow(r);
  }

  /** The user's participant rows in these channels (channel id -> row). */
  async memberships(userId: bigint, channelIds: readonly bigint[], db: Db = this.db): Promise<Map<bigint, ChannelParticipantRecord>> {
    const out = new Map<bigint, ChannelParticipantRecord>();
    if (channelIds.length === 0) return out;
    const rows = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('user_id', '=', userId).where('channel_id', 'in', [...new Set(channelIds)]).execute();
    for (const r of rows) out.set(r.channel_id, participantFromRow(r));
    return out;
  }

  /** Every channel the user is in now (dialogs). */
  async activeMemberships(userId: bigint, db: Db = this.db): Promise<ChannelParticipantRecord[]> {
    const rows = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('user_id', '=', userId).where('active', '=', 1).execute();
    return rows.map(participantFromRow);
  }

  /** The user's participant rows in the given roles (any channel), for the admined and left lists. */
  async membershipsByRole(userId: bigint, roles: readonly ChannelRole[], db: Db = this.db): Promise<ChannelParticipantRecord[]> {
    const rows = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('user_id', '=', userId).where('role', 'in', [...roles]).execute();
    return rows.map(participantFromRow);
  }

  /** Inserts the participant or rewrites the row of a former one. */
  async putParticipant(db: Db, p: ChannelParticipantRecord, active: boolean): Promise<void> {
    const values = {
      role: p.role,
      active: active ? 1 : 0,
      admin_rights: p.adminRights,
      banned_rights: p.bannedRights,
      banned_until: p.bannedUntil,
      inviter_id: p.inviterId,
      actor_id: p.actorId,
      rank: p.rank,
      date: p.date,
      read_inbox_max_id: p.readInboxMaxId,
      available_min_id: p.availableMinId,
      // Someone leaving (or kicked) has no dialog: its arrangement does not outlive the membership.
      ...(active ? {} : { pinned: 0, folder_id: 0, unread_mark: 0 }),
    };
    const changed = await db.updateTable('channel_participants').set(values).where('channel_id', '=', p.channelId).where('user_id', '=', p.userId).executeTakeFirst();
    if (Number(changed.numUpdatedRows) > 0) return;
    await db.insertInto('channel_participants').values({ channel_id: p.channelId, user_id: p.userId, ...values }).execute();
  }

  async setReadInbox(db: Db, channelId: bigint, userId: bigint, maxId: number): Promise<void> {
    await db.updateTable('channel_participants').set({ read_inbox_max_id: maxId }).where('channel_id', '=', channelId).where('user_id', '=', userId).where('read_inbox_max_id', '<', maxId).execute();
  }

  async setLastPost(db: Db, channelId: bigint, userId: bigint, date: number, readMaxId: number): Promise<void> {
    await db.updateTable('channel_participants').set({ last_post_date: date, read_inbox_max_id: readMaxId }).where('channel_id', '=', channelId).where('user_id', '=', userId).execute();
  }

  /**
   * A page of participants by role filter, newest first: `roles` picks the rows (creator, admins,
   * members, banned), `query` matches names; with `kicked` true only kicked ones, false only not kicked.
   */
  async participants(channelId: bigint, opts: { roles: readonly ChannelRole[]; activeOnly: boolean; userIds?: readonly bigint[]; offset: number; limit: number }, db: Db = this.db): Promise<{ rows: ChannelParticipantRecord[]; count: number }> {
    const base = () => {
      let s = db.selectFrom('channel_participants').where('channel_id', '=', channelId).where('role', 'in', [...opts.roles]);
      if (opts.activeOnly) s = s.where('active', '=', 1);
      if (opts.userIds) s = s.where('user_id', 'in', opts.userIds.length > 0 ? [...opts.userIds] : [-1n]);
      return s;
    };
    const rows = await base().select(PARTICIPANT_COLUMNS).orderBy('role', 'desc').orderBy('date', 'desc').orderBy('user_id', 'asc').offset(opts.offset).limit(opts.limit).execute();
    const counted = await base().select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return { rows: rows.map(participantFromRow), count: Number(counted?.n ?? 0) };
  }

  /** Kicked participants (banned with view_messages) or restricted ones, for the kicked / banned filters. */
  async bannedParticipants(channelId: bigint, kicked: boolean, db: Db = this.db): Promise<ChannelParticipantRecord[]> {
    const rows = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('channel_id', '=', channelId).where('role', '=', ROLE_BANNED).where('active', '=', kicked ? 0 : 1).orderBy('date', 'desc').execute();
    return rows.map(participantFromRow);
  }

  /**
   * The current members among `candidates` (the users online on this node), one indexed lookup per chunk,
   * so a post to a large channel reads the rows of the online members, not of every member.
   */
  async activeAmong(channelId: bigint, candidates: readonly bigint[], db: Db = this.db): Promise<ChannelParticipantRecord[]> {
    const out: ChannelParticipantRecord[] = [];
    for (let i = 0; i < candidates.length; i += 500) {
      const chunk = candidates.slice(i, i + 500);
      const rows = await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('channel_id', '=', channelId).where('active', '=', 1).where('user_id', 'in', chunk).execute();
      for (const r of rows) out.push(participantFromRow(r));
    }
    return out;
  }

  /** Every current member's row (when more users are online than the channel has members). */
  async activeMembers(channelId: bigint, db: Db = this.db): Promise<ChannelParticipantRecord[]> {
    return (await db.selectFrom('channel_participants').select(PARTICIPANT_COLUMNS).where('channel_id', '=', channelId).where('active', '=', 1).execute()).map(participantFromRow);
  }

  /** Participants whose name or username starts with `q` (channelParticipantsSearch and friends). */
  async matchingParticipants(channelId: bigint, q: string, db: Db = this.db): Promise<bigint[]> {
    const like = namePrefixPattern(q);
    const rows = await db
      .selectFrom('channel_participants as p')
      .innerJoin('users as u', 'u.id', 'p.user_id')
      .select('p.user_id')
      .where('p.channel_id', '=', channelId)
      .where((eb) => nameStartsWith(eb, like))
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** Users who asked to join whose names start with `q` (getChatInviteImporters q). */
  async matchingRequesters(channelId: bigint, q: string, db: Db = this.db): Promise<bigint[]> {
    const like = namePrefixPattern(q);
    const rows = await db
      .selectFrom('channel_join_requests as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select('r.user_id')
      .where('r.channel_id', '=', channelId)
      .where((eb) => nameStartsWith(eb, like))
      .execute();
    return rows.map((r) => r.user_id);
  }

  async activeMemberIds(channelId: bigint, db: Db = this.db): Promise<bigint[]> {
    return (await db.selectFrom('channel_participants').select('user_id').where('channel_id', '=', channelId).where('active', '=', 1).execute()).map((r) => r.user_id);
  }

  /** A post already stored for this author's random_id (a resent request). */
  async byRandomId(db: Db, channelId: bigint, authorId: bigint, randomId: bigint): Promise<ChannelMessage | undefined> {
    if (randomId === 0n) return undefined;
    const r = await db.selectFrom('channel_messages').select(MESSAGE_COLUMNS).where('channel_id', '=', channelId).where('author_id', '=', authorId).where('random_id', '=', randomId).executeTakeFirst();
    return r && messageFromRow(r);
  }

  async insertMessage(db: Db, channelId: bigint, id: number, date: number, m: NewChannelMessage): Promise<void> {
    await db
      .insertInto('channel_messages')
      .values({ channel_id: channelId, id, author_id: m.authorId, random_id: m.randomId, date, message: m.message, entities: m.entities, media: m.media, fwd_from: m.fwdFrom, reply_to_id: m.replyToId, post_author: m.postAuthor, flags: m.flags, reply_top_id: m.replyTopId ?? null, linked_id: m.linkedId ?? null, search_kinds: (m.flags & CONTENT_SERVICE) !== 0 ? 0 : searchKinds(m.entities, m.media) })
      .execute();
  }

  /** `media`: the post's media as stored (its kinds are indexed again with the new entities). */
  async editMessage(db: Db, channelId: bigint, id: number, set: { message: string; entities: Buffer | null; editDate: number; media: Buffer | null }): Promise<void> {
    await db.updateTable('channel_messages').set({ message: set.message, entities: set.entities, edit_date: set.editDate, search_kinds: searchKinds(set.entities, set.media) }).where('channel_id', '=', channelId).where('id', '=', id).execute();
  }

  async setPinned(db: Db, channelId: bigint, ids: readonly number[], pinned: boolean): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('channel_messages')
      .set({ flags: pinned ? sql<number>`flags | ${POST_PINNED}` : sql<number>`flags & ${~POST_PINNED}` })
      .where('channel_id', '=', channelId)
      .where('id', 'in', [...ids])
      .execute();
  }

  /** The newest pinned post (channelFull.pinned_msg_id), 0 for none. */
  async pinnedMax(channelId: bigint, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_messages').select((eb) => eb.fn.max('id').as('m')).where('channel_id', '=', channelId).where(sql<boolean>`(flags & ${POST_PINNED}) <> 0`).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async deleteMessages(db: Db, channelId: bigint, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await db.deleteFrom('channel_messages').where('channel_id', '=', channelId).where('id', 'in', [...ids]).execute();
    await db.deleteFrom('channel_message_views').where('channel_id', '=', channelId).where('message_id', 'in', [...ids]).execute();
  }

  /** Appends to the channel's update log and moves its pts (and top message, for a post). */
  async appendUpdate(db: Db, channelId: bigint, e: ChannelLogEntry, top?: { id: number; date: number }): Promise<void> {
    await db.insertInto('channel_updates').values({ channel_id: channelId, pts: e.pts, pts_count: e.ptsCount, date: e.date, kind: e.kind, message_ids: e.ids.join(',') }).execute();
    const set: Record<string, number> = { pts: e.pts };
    if (top) {
      set.top_message = top.id;
      set.top_date = top.date;
    }
    await db.updateTable('channels').set(set).where('id', '=', channelId).execute();
  }

  /** Log entries after `fromPts`, oldest first, at most `limit`. */
  async updatesAfter(channelId: bigint, fromPts: number, limit: number, db: Db = this.db): Promise<ChannelLogEntry[]> {
    const rows = await db.selectFrom('channel_updates').select(['pts', 'pts_count', 'date', 'kind', 'message_ids']).where('channel_id', '=', channelId).where('pts', '>', fromPts).orderBy('pts', 'asc').limit(limit).execute();
    return rows.map((r) => ({ pts: Number(r.pts), ptsCount: Number(r.pts_count), date: Number(r.date), kind: Number(r.kind) as ChannelUpdateKind, ids: r.message_ids === '' ? [] : r.message_ids.split(',').map(Number) }));
  }

  /** How many posts were made after `fromPts` (those a catching-up member lacks). */
  /** The channel's pts as of `date` (its newest log entry not after it; 0 when none): a client's channel state at its date. */
  async ptsAt(channelId: bigint, date: number, db: Db = this.db): Promise<number> {
    // Newest first: a client's date is usually recent, so the scan stops early.
    const r = await db.selectFrom('channel_updates').select('pts').where('channel_id', '=', channelId).where('date', '<=', date).orderBy('pts', 'desc').limit(1).executeTakeFirst();
    return Number(r?.pts ?? 0);
  }

  async newMessagesAfter(channelId: bigint, fromPts: number, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_updates').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId).where('pts', '>', fromPts).where('kind', '=', 1).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async messages(channelId: bigint, ids: readonly number[], db: Db = this.db): Promise<Map<number, ChannelMessage>> {
    const out = new Map<number, ChannelMessage>();
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('channel_messages').select(MESSAGE_COLUMNS).where('channel_id', '=', channelId).where('id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(Number(r.id), messageFromRow(r));
    return out;
  }

  /** The top messages of several channels, for dialogs. */
  async tops(pairs: readonly { channelId: bigint; id: number }[], db: Db = this.db): Promise<ChannelMessage[]> {
    const wanted = pairs.filter((p) => p.id > 0);
    if (wanted.length === 0) return [];
    const rows = await db
      .selectFrom('channel_messages')
      .select(MESSAGE_COLUMNS)
      .where((eb) => eb.or(wanted.map((p) => eb.and([eb('channel_id', '=', p.channelId), eb('id', '=', p.id)]))))
      .execute();
    return rows.map(messageFromRow);
  }

  /** A window of the history, newest first (offset semantics as messages.getHistory, decided by the caller). */
  async window(channelId: bigint, w: { below?: number; atOrAbove?: number; maxId: number; minId: number; skip: number; limit: number; ascending: boolean; beforeDate?: number; sinceDate?: number; threadTop?: number }, db: Db = this.db): Promise<ChannelMessage[]> {
    let s = db.selectFrom('channel_messages').select(MESSAGE_COLUMNS).where('channel_id', '=', channelId);
    // threadTop 0: messages in no thread (a forum's General topic).
    if (w.threadTop !== undefined) s = w.threadTop === 0 ? s.where('reply_top_id', 'is', null) : s.where('reply_top_id', '=', w.threadTop);
    if (w.maxId > 0) s = s.where('id', '<', w.maxId);
    if (w.minId > 0) s = s.where('id', '>', w.minId);
    if (w.below !== undefined) s = s.where('id', '<', w.below);
    if (w.atOrAbove !== undefined) s = s.where('id', '>=', w.atOrAbove);
    if (w.beforeDate !== undefined) s = s.where('date', '<', w.beforeDate);
    if (w.sinceDate !== undefined) s = s.where('date', '>=', w.sinceDate);
    let q = s.orderBy('id', w.ascending ? 'asc' : 'desc').limit(w.limit);
    if (w.skip > 0) q = q.offset(w.skip);
    return (await q.execute()).map(messageFromRow);
  }

  /**
   * Posts matching a search (messages.search in a channel), newest first: text containing `q` (case-folded),
   * from an author, within dates and ids, pinned only; with the number of matches.
   */
  async search(channelId: bigint, q: { text: string; authorId?: bigint; minDate: number; maxDate: number; belowId: number; maxId: number; minId: number; pinnedOnly: boolean; kinds?: number; limit: number }, db: Db = this.db): Promise<{ rows: ChannelMessage[]; count: number }> {
    const base = () => {
      let s = db.selectFrom('channel_messages').where('channel_id', '=', channelId).where(sql<boolean>`(flags & ${CONTENT_SERVICE}) = 0`);
      if (q.text !== '') s = s.where(sql<string>`lower(message)`, 'like', `%${q.text.toLowerCase().replace(/[%_\\]/g, '')}%`);
      if (q.authorId !== undefined) s = s.where('author_id', '=', q.authorId);
      if (q.minDate > 0) s = s.where('date', '>=', q.minDate);
      if (q.maxDate > 0) s = s.where('date', '<=', q.maxDate);
      if (q.maxId > 0) s = s.where('id', '<', q.maxId);
      if (q.minId > 0) s = s.where('id', '>', q.minId);
      if (q.pinnedOnly) s = s.where(sql<boolean>`(flags & ${POST_PINNED}) <> 0`);
      if (q.kinds !== undefined) s = s.where(sql<boolean>`(search_kinds & ${q.kinds}) <> 0`);
      return s;
    };
    let page = base().select(MESSAGE_COLUMNS);
    if (q.belowId > 0) page = page.where('id', '<', q.belowId);
    const rows = (await page.orderBy('id', 'desc').limit(q.limit).execute()).map(messageFromRow);
    const counted = await base().select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return { rows, count: Number(counted?.n ?? 0) };
  }

  // --- Threads (comments in a discussion group) ----------------------------------------------------------

  /** A post and its copy in the discussion group name each other. */
  async setLinkedId(db: Db, channelId: bigint, id: number, linkedId: number): Promise<void> {
    await db.updateTable('channel_messages').set({ linked_id: linkedId }).where('channel_id', '=', channelId).where('id', '=', id).execute();
  }

  /** A channel's posts forget their copies (the discussion group changed: their comments are elsewhere). */
  async clearLinkedIds(db: Db, channelId: bigint): Promise<void> {
    await db.updateTable('channel_messages').set({ linked_id: null }).where('channel_id', '=', channelId).where('linked_id', 'is not', null).execute();
  }

  /** Replies in each thread of `tops`: how many and the newest id. */
  async threadStats(channelId: bigint, tops: readonly number[], db: Db = this.db): Promise<Map<number, { count: number; maxId: number }>> {
    const out = new Map<number, { count: number; maxId: number }>();
    if (tops.length === 0) return out;
    const rows = await db
      .selectFrom('channel_messages')
      .select((eb) => ['reply_top_id', eb.fn.countAll().as('n'), eb.fn.max('id').as('m')])
      .where('channel_id', '=', channelId)
      .where('reply_top_id', 'in', [...new Set(tops)])
      .groupBy('reply_top_id')
      .execute();
    for (const r of rows) out.set(Number(r.reply_top_id), { count: Number(r.n), maxId: Number(r.m) });
    return out;
  }

  /** The last authors to reply in a thread, newest first, each once. */
  async recentRepliers(channelId: bigint, top: number, limit: number, db: Db = this.db): Promise<bigint[]> {
    const rows = await db.selectFrom('channel_messages').select('author_id').where('channel_id', '=', channelId).where('reply_top_id', '=', top).orderBy('id', 'desc').limit(limit * 4).execute();
    return [...new Set(rows.map((r) => r.author_id))].slice(0, limit);
  }

  /** Replies in a thread above `afterId` by others than `viewer` (the thread's unread count). */
  async threadUnread(channelId: bigint, top: number, afterId: number, viewer: bigint, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_messages').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId).where('reply_top_id', '=', top).where('id', '>', afterId).where('author_id', '<>', viewer).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async threadCount(channelId: bigint, top: number, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_messages').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId).where('reply_top_id', '=', top).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async messageCount(channelId: bigint, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_messages').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Posts with ids up to `id` (those hidden from a member who joined after them). */
  async messageCountUpTo(channelId: bigint, id: number, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_messages').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId).where('id', '<=', id).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Posts above `afterId` written by others than `viewer`: the member's unread count, computed from the box. */
  async unreadCount(channelId: bigint, viewer: bigint, afterId: number, db: Db = this.db): Promise<number> {
    const r = await db
      .selectFrom('channel_messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('channel_id', '=', channelId)
      .where('id', '>', afterId)
      .where('author_id', '<>', viewer)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Unread posts over every channel the user is in (updates.state.unread_count's channel part), in one query. */
  async unreadTotal(userId: bigint, db: Db = this.db): Promise<number> {
    const r = await db
      .selectFrom('channel_participants as p')
      .innerJoin('channel_messages as m', (j) => j.onRef('m.channel_id', '=', 'p.channel_id').onRef('m.id', '>', 'p.read_inbox_max_id').onRef('m.author_id', '<>', 'p.user_id'))
      .innerJoin('channels as c', 'c.id', 'p.channel_id')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('p.user_id', '=', userId)
      .where('p.active', '=', 1)
      .where(sql<boolean>`(c.flags & ${CHANNEL_DELETED}) = 0`)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Authors of posts in (fromId, toId] (read receipts for their outbox). */
  async authorsBetween(channelId: bigint, fromId: number, toId: number, db: Db = this.db): Promise<bigint[]> {
    const rows = await db.selectFrom('channel_messages').select('author_id').distinct().where('channel_id', '=', channelId).where('id', '>', fromId).where('id', '<=', toId).execute();
    return rows.map((r) => r.author_id);
  }

  /** Counts a view of each post by `viewer` once; returns the posts' view counts after. */
  async view(channelId: bigint, viewer: bigint, ids: readonly number[]): Promise<Map<number, number>> {
    const existing = await this.messages(channelId, ids);
    const out = new Map<number, number>();
    for (const id of ids) {
      const m = existing.get(id);
      if (!m) continue;
      const inserted = await this.db
        .insertInto('channel_message_views')
        .values({ channel_id: channelId, message_id: id, user_id: viewer })
        .orIgnore()
        .executeTakeFirst();
      const fresh = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
      if (fresh) {
        await this.db
          .updateTable('channel_messages')
          .set((eb) => ({ views: eb('views', '+', 1) }))
          .where('channel_id', '=', channelId)
          .where('id', '=', id)
          .execute();
      }
      out.set(id, m.views + (fresh ? 1 : 0));
    }
    return out;
  }

  async markLeft(db: Db, channelId: bigint, userId: bigint): Promise<void> {
    await db.updateTable('channel_participants').set({ role: ROLE_LEFT, active: 0, admin_rights: 0, pinned: 0, folder_id: 0, unread_mark: 0 }).where('channel_id', '=', channelId).where('user_id', '=', userId).execute();
  }

  // --- Invite links (InviteRecord.chatId holds the channel id) --------------------------------------

  async invite(hash: string, db: Db = this.db): Promise<InviteRecord | undefined> {
    const q = db.selectFrom('channel_invites').select(INVITE_COLUMNS).where('hash', '=', hash);
    const r = await (db.isTransaction ? lockingRead(q, dialectOf(db)) : q).executeTakeFirst();
    return r && channelInviteFromRow(r);
  }

  async insertInvite(db: Db, i: InviteRecord): Promise<void> {
    await db
      .insertInto('channel_invites')
      .values({ hash: i.hash, channel_id: i.chatId, admin_id: i.adminId, date: i.date, expire_date: i.expireDate, usage_limit: i.usageLimit, uses: i.uses, revoked: i.revoked ? 1 : 0, permanent: i.permanent ? 1 : 0, title: i.title, request_needed: i.requestNeeded ? 1 : 0 })
      .execute();
  }

  async updateInvite(db: Db, hash: string, set: { revoked?: boolean; uses?: number }): Promise<void> {
    const values: Record<string, unknown> = {};
    if (set.revoked !== undefined) values.revoked = set.revoked ? 1 : 0;
    if (set.uses !== undefined) values.uses = set.uses;
    if (Object.keys(values).length > 0) await db.updateTable('channel_invites').set(values).where('hash', '=', hash).execute();
  }

  /** The admin's live permanent link of the channel, if any. */
  async permanentInvite(channelId: bigint, adminId: bigint, db: Db = this.db): Promise<InviteRecord | undefined> {
    const r = await db.selectFrom('channel_invites').select(INVITE_COLUMNS).where('channel_id', '=', channelId).where('admin_id', '=', adminId).where('permanent', '=', 1).where('revoked', '=', 0).executeTakeFirst();
    return r && channelInviteFromRow(r);
  }

  // --- Forum topics ------------------------------------------------------------------------------------

  async insertTopic(db: Db, t: ForumTopicRecord): Promise<void> {
    await db
      .insertInto('channel_forum_topics')
      .values({ channel_id: t.channelId, id: t.id, date: t.date, creator_id: t.creatorId, title: t.title, icon_color: t.iconColor, icon_emoji_id: t.iconEmojiId, closed: t.closed ? 1 : 0, hidden: t.hidden ? 1 : 0, pinned: t.pinned })
      // A topic that exists already (General, when a forum is turned on again) is left as it is.
      .orIgnore()
      .execute();
  }

  async topics(channelId: bigint, ids: readonly number[], db: Db = this.db): Promise<Map<number, ForumTopicRecord>> {
    const out = new Map<number, ForumTopicRecord>();
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('channel_forum_topics').selectAll().where('channel_id', '=', channelId).where('id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(Number(r.id), topicFromRow(r));
    return out;
  }

  /** Topics newest first (below `belowId` when > 0), titles containing `q`; with how many match. */
  async topicPage(channelId: bigint, q: { text: string; belowId: number; limit: number }, db: Db = this.db): Promise<{ rows: ForumTopicRecord[]; count: number }> {
    const base = () => {
      let s = db.selectFrom('channel_forum_topics').where('channel_id', '=', channelId);
      if (q.text !== '') s = s.where(sql<string>`lower(title)`, 'like', `%${q.text.toLowerCase().replace(/[%_\\]/g, '')}%`);
      return s;
    };
    let page = base().selectAll();
    if (q.belowId > 0) page = page.where('id', '<', q.belowId);
    const rows = (await page.orderBy('id', 'desc').limit(q.limit).execute()).map(topicFromRow);
    const counted = await base().select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return { rows, count: Number(counted?.n ?? 0) };
  }

  async updateTopic(db: Db, channelId: bigint, id: number, set: { title?: string; iconEmojiId?: bigint; closed?: boolean; hidden?: boolean; pinned?: number }): Promise<void> {
    const values: Record<string, unknown> = {};
    if (set.title !== undefined) values.title = set.title;
    if (set.iconEmojiId !== undefined) values.icon_emoji_id = set.iconEmojiId;
    if (set.closed !== undefined) values.closed = set.closed ? 1 : 0;
    if (set.hidden !== undefined) values.hidden = set.hidden ? 1 : 0;
    if (set.pinned !== undefined) values.pinned = set.pinned;
    if (Object.keys(values).length > 0) await db.updateTable('channel_forum_topics').set(values).where('channel_id', '=', channelId).where('id', '=', id).execute();
  }

  /** The highest pin rank among a forum's topics (a newly pinned one goes above it). */
  async topPinRank(channelId: bigint, db: Db = this.db): Promise<number> {
    const r = await db.selectFrom('channel_forum_topics').select((eb) => eb.fn.max('pinned').as('m')).where('channel_id', '=', channelId).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  // --- Join requests (links with request_needed) ------------------------------------------------------

  /** Records a request to join; false when the user already has one pending. */
  async addJoinRequest(db: Db, channelId: bigint, userId: bigint, date: number, hash: string): Promise<boolean> {
    const r = await db.insertInto('channel_join_requests').values({ channel_id: channelId, user_id: userId, date, invite_hash: hash }).orIgnore().executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Pending requests newest first (by date, then user id), after the (offsetDate, offsetUser) cursor. */
  async joinRequests(channelId: bigint, q: { hash?: string; userIds?: readonly bigint[]; offsetDate: number; offsetUser: bigint; limit: number }, db: Db = this.db): Promise<{ userId: bigint; date: number; hash: string }[]> {
    let s = db.selectFrom('channel_join_requests').select(['user_id', 'date', 'invite_hash']).where('channel_id', '=', channelId);
    if (q.hash !== undefined) s = s.where('invite_hash', '=', q.hash);
    if (q.userIds) s = s.where('user_id', 'in', q.userIds.length > 0 ? [...q.userIds] : [-1n]);
    if (q.offsetDate > 0) s = s.where((eb) => eb.or([eb('date', '<', q.offsetDate), eb.and([eb('date', '=', q.offsetDate), eb('user_id', '<', q.offsetUser)])]));
    const rows = await s.orderBy('date', 'desc').orderBy('user_id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({ userId: r.user_id, date: Number(r.date), hash: r.invite_hash }));
  }

  async joinRequestCount(channelId: bigint, hash?: string, db: Db = this.db): Promise<number> {
    let s = db.selectFrom('channel_join_requests').select((eb) => eb.fn.countAll().as('n')).where('channel_id', '=', channelId);
    if (hash !== undefined) s = s.where('invite_hash', '=', hash);
    return Number((await s.executeTakeFirst())?.n ?? 0);
  }

  async deleteJoinRequests(db: Db, channelId: bigint, userIds: readonly bigint[]): Promise<void> {
    if (userIds.length === 0) return;
    await db.deleteFrom('channel_join_requests').where('channel_id', '=', channelId).where('user_id', 'in', [...userIds]).execute();
  }

  /** The live links of a channel made by `adminId` (all admins' when undefined), newest first. */
  async invites(channelId: bigint, q: { adminId?: bigint; revoked: boolean; offsetDate: number; limit: number }, db: Db = this.db): Promise<InviteRecord[]> {
    let s = db.selectFrom('channel_invites').select(INVITE_COLUMNS).where('channel_id', '=', channelId).where('revoked', '=', q.revoked ? 1 : 0);
    if (q.adminId !== undefined) s = s.where('admin_id', '=', q.adminId);
    if (q.offsetDate > 0) s = s.where('date', '<', q.offsetDate);
    return (await s.orderBy('date', 'desc').limit(q.limit).execute()).map(channelInviteFromRow);
  }

  // --- Admin log ------------------------------------------------------------------------------------

  async appendLog(db: Db, channelId: bigint, e: { id: bigint; date: number; userId: bigint; kind: LogKind; action: TlType<'ChannelAdminLogEventAction'> }): Promise<void> {
    await db.insertInto('channel_admin_log').values({ channel_id: channelId, id: e.id, date: e.date, user_id: e.userId, kind: logKindCode(e.kind), action: encodeTl(e.action)! }).execute();
  }

  /** Entries newest first, below `maxId` and above `minId` (0: no bound), of these kinds and users. */
  async log(channelId: bigint, q: { kinds: readonly number[]; userIds?: readonly bigint[]; maxId: bigint; minId: bigint; limit: number }, db: Db = this.db): Promise<LogEntry[]> {
    if (q.kinds.length === 0) return [];
    let s = db.selectFrom('channel_admin_log').select(['id', 'date', 'user_id', 'kind', 'action']).where('channel_id', '=', channelId).where('kind', 'in', [...q.kinds]);
    if (q.userIds) s = s.where('user_id', 'in', q.userIds.length > 0 ? [...q.userIds] : [-1n]);
    if (q.maxId > 0n) s = s.where('id', '<', q.maxId);
    if (q.minId > 0n) s = s.where('id', '>', q.minId);
    const rows = await s.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({ id: r.id, date: Number(r.date), userId: r.user_id, kind: logKindOf(Number(r.kind)) ?? 'settings', action: decodeTl(r.action) as TlType<'ChannelAdminLogEventAction'> }));
  }
}
