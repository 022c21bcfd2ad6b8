// SQL access for basic groups: chats, participants and invite links. Every method takes the database or
// a transaction, so a change of the chat and its service message commit together (see chat-service.ts).
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { dialectOf, lockingRead } from '../../infra/db/dialect.js';
import type { Tx } from '../box-writer.js';
import { STATE_MEMBER, type ChatRecord, type MemberState, type Participant, type Role } from './participants.js';

export type Db = Kysely<Tables> | Tx;

export interface InviteRecord {
  hash: string;
  chatId: bigint;
  adminId: bigint;
  date: number;
  expireDate: number | null;
  usageLimit: number | null;
  uses: number;
  revoked: boolean;
  permanent: boolean;
  title: string | null;
  /** Joining needs an admin's approval (channel links only). */
  requestNeeded?: boolean;
}

type N = number | bigint;

function chatFromRow(r: { id: bigint; creator_id: bigint; title: string; about: string; date: N; version: N; default_banned: N; flags: N; photo_id: bigint | null; migrated_to: bigint | null }): ChatRecord {
  const chat: ChatRecord = { id: r.id, creatorId: r.creator_id, title: r.title, about: r.about, date: Number(r.date), version: Number(r.version), defaultBanned: Number(r.default_banned) >>> 0, flags: Number(r.flags) };
  if (r.photo_id !== null) chat.photoId = r.photo_id;
  if (r.migrated_to !== null) chat.migratedTo = r.migrated_to;
  return chat;
}

function participantFromRow(r: { chat_id: bigint; user_id: bigint; inviter_id: bigint; date: N; role: N; state: N }): Participant {
  return { chatId: r.chat_id, userId: r.user_id, inviterId: r.inviter_id, date: Number(r.date), role: Number(r.role) as Role, state: Number(r.state) as MemberState };
}

/** An invite link row of a basic group; channel links add request_needed (channels/channel-store.ts). */
export function inviteFromRow(r: { hash: string; chat_id: bigint; admin_id: bigint; date: N; expire_date: N | null; usage_limit: N | null; uses: N; revoked: N; permanent: N; title: string | null }): InviteRecord {
  return {
    hash: r.hash,
    chatId: r.chat_id,
    adminId: r.admin_id,
    date: Number(r.date),
    expireDate: r.expire_date === null ? null : Number(r.expire_date),
    usageLimit: r.usage_limit === null ? null : Number(r.usage_limit),
    uses: Number(r.uses),
    revoked: Number(r.revoked) !== 0,
    permanent: Number(r.permanent) !== 0,
    title: r.title,
  };
}

const CHAT_COLUMNS = ['id', 'creator_id', 'title', 'about', 'date', 'version', 'default_banned', 'flags', 'photo_id', 'migrated_to'] as const;
const PARTICIPANT_COLUMNS = ['chat_id', 'user_id', 'inviter_id', 'date', 'role', 'state'] as const;
const INVITE_COLUMNS = ['hash', 'chat_id', 'admin_id', 'date', 'expire_date', 'usage_limit', 'uses', 'revoked', 'permanent', 'title'] as const;

export class ChatStore {
  constructor(readonly db: Kysely<Tables>) {}

  async chat(id: bigint, db: Db = this.db): Promise<ChatRecord | undefined> {
    const r = await db.selectFrom('chats').select(CHAT_COLUMNS).where('id', '=', id).executeTakeFirst();
    return r && chatFromRow(r);
  }

  async chats(ids: readonly bigint[], db: Db = this.db): Promise<Map<bigint, ChatRecord>> {
    const out = new Map<bigint, ChatRecord>();
    if (ids.length === 0) return out;
    for (const r of await db.selectFrom('chats').select(CHAT_COLUMNS).where('id', 'in', [...new Set(ids)]).execute()) out.set(r.id, chatFromRow(r));
    return out;
  }

  async insertChat(db: Db, c: ChatRecord): Promise<void> {
    await db
      .insertInto('chats')
      .values({ id: c.id, creator_id: c.creatorId, title: c.title, about: c.about, date: c.date, version: c.version, default_banned: c.defaultBanned, flags: c.flags })
      .execute();
  }

  async updateChat(db: Db, id: bigint, set: Partial<Pick<ChatRecord, 'title' | 'about' | 'version' | 'defaultBanned' | 'migratedTo'>> & { photoId?: bigint | null }): Promise<void> {
    const values: Record<string, unknown> = {};
    if (set.migratedTo !== undefined) values.migrated_to = set.migratedTo;
    if (set.photoId !== undefined) values.photo_id = set.photoId;
    if (set.title !== undefined) values.title = set.title;
    if (set.about !== undefined) values.about = set.about;
    if (set.version !== undefined) values.version = set.version;
    if (set.defaultBanned !== undefined) values.default_banned = set.defaultBanned;
    if (Object.keys(values).length > 0) await db.updateTable('chats').set(values).where('id', '=', id).execute();
  }

  /** chat.version + 1, atomically: two membership changes committed side by side (MySQL) both count. */
  async bumpVersion(db: Db, id: bigint): Promise<void> {
    await db
      .updateTable('chats')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async participant(chatId: bigint, userId: bigint, db: Db = this.db): Promise<Participant | undefined> {
    const r = await db.selectFrom('chat_participants').select(PARTICIPANT_COLUMNS).where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
    return r && participantFromRow(r);
  }

  /** Every participant row of the chat, former ones included. */
  async participants(chatId: bigint, db: Db = this.db): Promise<Participant[]> {
    return (await db.selectFrom('chat_participants').select(PARTICIPANT_COLUMNS).where('chat_id', '=', chatId).execute()).map(participantFromRow);
  }

  async activeMemberIds(chatId: bigint, db: Db = this.db): Promise<bigint[]> {
    const rows = await db.selectFrom('chat_participants').select('user_id').where('chat_id', '=', chatId).where('state', '=', STATE_MEMBER).execute();
    return rows.map((r) => r.user_id);
  }

  /** The user's participant rows in these chats (chat id -> row). */
  async memberships(userId: bigint, chatIds: readonly bigint[], db: Db = this.db): Promise<Map<bigint, Participant>> {
    const out = new Map<bigint, Participant>();
    if (chatIds.length === 0) return out;
    const rows = await db.selectFrom('chat_participants').select(PARTICIPANT_COLUMNS).where('user_id', '=', userId).where('chat_id', 'in', [...new Set(chatIds)]).execute();
    for (const r of rows) out.set(r.chat_id, participantFromRow(r));
    return out;
  }

  /** Active member counts (participants_count). */
  async counts(chatIds: readonly bigint[], db: Db = this.db): Promise<Map<bigint, number>> {
    const out = new Map<bigint, number>();
    if (chatIds.length === 0) return out;
    const rows = await db
      .selectFrom('chat_participants')
      .select(['chat_id', (eb) => eb.fn.countAll().as('n')])
      .where('chat_id', 'in', [...new Set(chatIds)])
      .where('state', '=', STATE_MEMBER)
      .groupBy('chat_id')
      .execute();
    for (const r of rows) out.set(r.chat_id, Number(r.n));
    return out;
  }

  /** Inserts the participant or rewrites the row of a former one (update, then insert: dialect-neutral). */
  async putParticipant(db: Db, p: Participant): Promise<void> {
    const changed = await db
      .updateTable('chat_participants')
      .set({ inviter_id: p.inviterId, date: p.date, role: p.role, state: p.state })
      .where('chat_id', '=', p.chatId)
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) > 0) return;
    await db.insertInto('chat_participants').values({ chat_id: p.chatId, user_id: p.userId, inviter_id: p.inviterId, date: p.date, role: p.role, state: p.state }).execute();
  }

  async setParticipant(db: Db, chatId: bigint, userId: bigint, set: { role?: Role; state?: MemberState }): Promise<void> {
    await db.updateTable('chat_participants').set(set).where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  }

  /** The invite; read inside a transaction, its row stays locked until commit on MySQL (a use is read, then counted). */
  async invite(hash: string, db: Db = this.db): Promise<InviteRecord | undefined> {
    const q = db.selectFrom('chat_invites').select(INVITE_COLUMNS).where('hash', '=', hash);
    const r = await (db.isTransaction ? lockingRead(q, dialectOf(db)) : q).executeTakeFirst();
    return r && inviteFromRow(r);
  }

  async insertInvite(db: Db, i: InviteRecord): Promise<void> {
    await db
      .insertInto('chat_invites')
      .values({ hash: i.hash, chat_id: i.chatId, admin_id: i.adminId, date: i.date, expire_date: i.expireDate, usage_limit: i.usageLimit, uses: i.uses, revoked: i.revoked ? 1 : 0, permanent: i.permanent ? 1 : 0, title: i.title })
      .execute();
  }

  async updateInvite(db: Db, hash: string, set: { revoked?: boolean; expireDate?: number | null; usageLimit?: number | null; title?: string | null; uses?: number }): Promise<void> {
    const values: Record<string, unknown> = {};
    if (set.revoked !== undefined) values.revoked = set.revoked ? 1 : 0;
    if (set.expireDate !== undefined) values.expire_date = set.expireDate;
    if (set.usageLimit !== undefined) values.usage_limit = set.usageLimit;
    if (set.title !== undefined) values.title = set.title;
    if (set.uses !== undefined) values.uses = set.uses;
    if (Object.keys(values).length > 0) await db.updateTable('chat_invites').set(values).where('hash', '=', hash).execute();
  }

  async deleteInvite(db: Db, hash: string): Promise<void> {
    await db.deleteFrom('chat_invites').where('hash', '=', hash).execute();
  }

  /** The admin's links in the chat, newest first; `revoked` selects the revoked ones or the live ones. */
  async invites(chatId: bigint, adminId: bigint, revoked: boolean, db: Db = this.db): Promise<InviteRecord[]> {
    const rows = await db
      .selectFrom('chat_invites')
      .select(INVITE_COLUMNS)
      .where('chat_id', '=', chatId)
      .where('admin_id', '=', adminId)
      .where('revoked', '=', revoked ? 1 : 0)
      .orderBy('date', 'desc')
      .orderBy('hash', 'desc')
      .execute();
    return rows.map(inviteFromRow);
  }

  /** The admin's live permanent link of the chat, if any. */
  async permanentInvite(chatId: bigint, adminId: bigint, db: Db = this.db): Promise<InviteRecord | undefined> {
    const r = await db
      .selectFrom('chat_invites')
      .select(INVITE_COLUMNS)
      .where('chat_id', '=', chatId)
      .where('admin_id', '=', adminId)
      .where('permanent', '=', 1)
      .where('revoked', '=', 0)
      .executeTakeFirst();
    return r && inviteFromRow(r);
  }

  /** The user's chat ids, with their rows (getDialogs etc. need only those referenced). */
  async chatIdsOf(userId: bigint, db: Db = this.db): Promise<bigint[]> {
    return (await db.selectFrom('chat_participants').select('chat_id').where('user_id', '=', userId).execute()).map((r) => r.chat_id);
  }
}
