// Basic groups (core.telegram.org/api/channel#basic-groups): creating them, adding, removing and promoting
// members, renaming, default rights and invite links. Every change that Telegram announces with a service
// message commits together with that message, which goes into each member's box with its own id and pts
// like any message; the other changes (admins, default rights) are pushed as pts-less updates carrying
// the chat object, as Telegram does.
import { RpcError } from '../../common/rpc-error.js';
import type { Obj, Res, TlType } from '../../tl/index.js';
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { boxStatements, BoxWriter, type Tx } from '../box-writer.js';
import type { MessageStore, SentMessage, BoxCopy } from '../message-store.js';
import { userIdsOf } from '../message-row.js';
import type { Caller, MessagingService, UserViewSource } from '../messaging.js';
import { chatPeer, PEER_CHAT } from '../peer.js';
import type { UpdatePusher } from '../../contracts/push.js';
import { updatesContainer, type SyncChannel, type SyncEvent } from '../sync.js';
import type { ChatStore, InviteRecord } from './chat-store.js';
import type { ChatViews } from './chat-views.js';
import {
  CHAT_SIZE_MAX,
  checkTitle,
  isActive,
  participantsTl,
  requireMember,
  requireRemovable,
  requireRight,
  requireRoom,
  ROLE_ADMIN,
  ROLE_CREATOR,
  ROLE_MEMBER,
  STATE_KICKED,
  STATE_LEFT,
  STATE_MEMBER,
  type ChatRecord,
  type Participant,
} from './participants.js';
import { bannedFromTl, bannedTl } from './rights.js';
import { exportedInviteTl, hashOfLink, newInviteHash, requireUsable, usability } from './invites.js';
import { isRemoval, type ChatPhotoMedia } from './chat-photos.js';

/** Old messages a member added with fwd_limit may see at most (Telegram's own cap). */
export const MAX_FWD_LIMIT = 100;
export const MAX_INVITE_USAGE = 99999;
export const MAX_INVITE_TITLE = 32;
/** Participants shown in a chatInvite preview. */
const INVITE_PREVIEW_USERS = 10;

export interface ChatServiceDeps {
  db: Kysely<Tables>;
  store: ChatStore;
  views: ChatViews;
  messages: MessageStore;
  messaging: MessagingService;
  sync: SyncChannel;
  userViews: UserViewSource;
  privacy: { allows(owner: bigint, key: 'chatInvite', viewer: bigint): Promise<boolean> };
  contacts: { isBlocked(owner: bigint, target: bigint): Promise<boolean> };
  push: Pick<UpdatePusher, 'isOnline'>;
  ids: { next(sequence: string): Promise<bigint> };
  random(n: number): Buffer;
  now(): number;
  /** The host invite links are on (`https://<host>/+<hash>`). */
  linkHost(): string;
  chatSizeMax?: number;
  /** The media service, for group photos; absent: messages.editChatPhoto answers PHOTO_INVALID. */
  photos?: ChatPhotoMedia;
}

export interface InviteOptions {
  legacyRevokePermanent?: boolean;
  expireDate?: number;
  usageLimit?: number;
  title?: string;
  requestNeeded?: boolean;
}

export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  private get sizeMax(): number {
    return this.deps.chatSizeMax ?? CHAT_SIZE_MAX;
  }

  private randomId(): bigint {
    return this.deps.random(8).readBigInt64LE();
  }

  /** The chat and the caller's participant row (any state), or CHAT_ID_INVALID. */
  private async load(chatId: bigint, userId: bigint): Promise<{ chat: ChatRecord; me: Participant }> {
    const [chat, me] = await Promise.all([this.deps.store.chat(chatId), this.deps.store.participant(chatId, userId)]);
    if (!chat || !me) throw RpcError.badRequest('CHAT_ID_INVALID');
    return { chat, me };
  }

  /** The chat peer an inputPeerChat names, for a user who belongs or belonged to it; PEER_ID_INVALID otherwise. */
  async peerFor(viewer: bigint, chatId: bigint): Promise<{ type: typeof PEER_CHAT; id: bigint }> {
    if (!(await this.deps.store.participant(chatId, viewer))) throw RpcError.badRequest('PEER_ID_INVALID');
    return { type: PEER_CHAT, id: chatId };
  }

  /** The current members of a chat `viewer` is a current member of (messages.getOnlines); PEER_ID_INVALID otherwise. */
  async activeMembers(viewer: bigint, chatId: bigint): Promise<bigint[]> {
    const members = await this.deps.store.activeMemberIds(chatId);
    if (!members.includes(viewer)) throw RpcError.badRequest('PEER_ID_INVALID');
    return members;
  }

  /** Whether `inviter` may add `target` (the target's chatInvite privacy rule, and blocks). */
  private async invitable(inviter: bigint, target: bigint): Promise<boolean> {
    if (target === inviter) return true;
    if (await this.deps.contacts.isBlocked(target, inviter)) return false;
    return this.deps.privacy.allows(target, 'chatInvite', inviter);
  }

  /** A service message from `actor` into the boxes of `actor` and `others`, inside `tx`. */
  private async serviceMessage(tx: Tx, chatId: bigint, actor: bigint, others: readonly bigint[], action: TlType<'MessageAction'>): Promise<SentMessage> {
    const peer = chatPeer(chatId);
    const [sent] = await this.deps.messages.sendIn(tx, { sender: actor, peer, recipients: others.filter((o) => o !== actor), peerOf: () => peer }, [{ randomId: this.randomId(), message: '', action }]);
    return sent!;
  }

  /**
   * Pushes each copy of a service message (with `extra` updates) to its owner, the chat object as they now
   * see it included; returns the caller's own `updates` (the RPC result).
   */
  private async announce(caller: Caller, chatId: bigint, sent: SentMessage, extra: TlType<'Update'>[] = []): Promise<Obj<'updates'>> {
    const date = this.seconds();
    const copies: BoxCopy[] = [...(sent.own ? [sent.own] : []), ...sent.recipients];
    const events: SyncEvent[] = [];
    let answer: Obj<'updates'> | undefined;
    for (const c of copies) {
      const mine = c.owner === caller.userId;
      if (!mine && !this.deps.push.isOnline(c.owner)) continue;
      const ids = new Set<bigint>();
      userIdsOf(c.row, ids);
      const updates = updatesContainer([c.update, ...extra], await this.deps.userViews.many(c.owner, [...ids]), date, await this.deps.views.many(c.owner, [chatId]));
      if (mine) answer = updates;
      events.push({ userId: c.owner, updates, except: mine ? caller.session : undefined });
    }
    await this.deps.sync.publish(events);
    return answer ?? updatesContainer(extra, [], date, await this.deps.views.many(caller.userId, [chatId]));
  }

  /** Pushes pts-less `updates` about the chat to every current member (the caller's other sessions included). */
  private async broadcast(caller: Caller, chatId: bigint, update: TlType<'Update'>, userIds: readonly bigint[]): Promise<Obj<'updates'>> {
    const date = this.seconds();
    const members = await this.deps.store.activeMemberIds(chatId);
    const events: SyncEvent[] = [];
    let answer: Obj<'updates'> | undefined;
    for (const m of new Set([caller.userId, ...members])) {
      const mine = m === caller.userId;
      if (!mine && !this.deps.push.isOnline(m)) continue;
      const updates = updatesContainer([update], await this.deps.userViews.many(m, userIds), date, await this.deps.views.many(m, [chatId]));
      if (mine) answer = updates;
      events.push({ userId: m, updates, except: mine ? caller.session : undefined });
    }
    await this.deps.sync.publish(events);
    return answer!;
  }

  /** messages.createChat: the creator, the users their privacy lets in, and messageActionChatCreate. */
  async create(caller: Caller, userIds: readonly bigint[], title: string): Promise<{ chatId: bigint; updates: Obj<'updates'>; missing: bigint[] }> {
    const name = checkTitle(title);
    const wanted = [...new Set(userIds)].filter((u) => u !== caller.userId);
    requireRoom(1, wanted.length, this.sizeMax);
    const added: bigint[] = [];
    const missing: bigint[] = [];
    for (const u of wanted) ((await this.invitable(caller.userId, u)) ? added : missing).push(u);
    const chatId = await this.deps.ids.next('chat');
    const date = this.seconds();
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.store.insertChat(tx, { id: chatId, creatorId: caller.userId, title: name, about: '', date, version: 1, defaultBanned: 0, flags: 0 });
      await this.deps.store.putParticipant(tx, { chatId, userId: caller.userId, inviterId: caller.userId, date, role: ROLE_CREATOR, state: STATE_MEMBER });
      for (const u of added) await this.deps.store.putParticipant(tx, { chatId, userId: u, inviterId: caller.userId, date, role: ROLE_MEMBER, state: STATE_MEMBER });
      return this.serviceMessage(tx, chatId, caller.userId, added, { _: 'messageActionChatCreate', title: name, users: [caller.userId, ...added] });
    });
    return { chatId, updates: await this.announce(caller, chatId, sent), missing };
  }

  /**
   * messages.addChatUser. A member who left may come back by adding themselves (basic groups' rule); a
   * kicked one may not. With fwd_limit the newcomer also gets that many of the latest messages.
   */
  async addUser(caller: Caller, chatId: bigint, userId: bigint, fwdLimit: number): Promise<Obj<'updates'>> {
    const { chat, me } = await this.load(chatId, caller.userId);
    const returning = userId === caller.userId;
    if (returning) {
      if (me.state === STATE_MEMBER) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
      if (me.state === STATE_KICKED) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
    } else {
      requireMember(me);
      requireRight(chat, me, 'inviteUsers', 'inviteUsers');
    }
    const target = returning ? me : await this.deps.store.participant(chatId, userId);
    if (!returning && isActive(target)) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
    if (!(await this.invitable(caller.userId, userId))) throw RpcError.badRequest('USER_PRIVACY_RESTRICTED');
    const members = await this.deps.store.activeMemberIds(chatId);
    requireRoom(members.length, 1, this.sizeMax);
    const date = this.seconds();
    const limit = Math.max(0, Math.min(Math.trunc(fwdLimit) || 0, MAX_FWD_LIMIT));
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      // Someone coming back keeps their role (a creator who left is the creator again).
      const role = returning || target?.role === ROLE_CREATOR ? (target?.role ?? ROLE_MEMBER) : ROLE_MEMBER;
      await this.deps.store.putParticipant(tx, { chatId, userId, inviterId: returning ? me.inviterId : caller.userId, date, role, state: STATE_MEMBER });
      await this.deps.store.bumpVersion(tx, chatId);
      if (limit > 0 && !returning) await this.copyRecentHistory(tx, chatId, caller.userId, userId, limit);
      return this.serviceMessage(tx, chatId, caller.userId, [...members, userId], { _: 'messageActionChatAddUser', users: [userId] });
    });
    return this.announce(caller, chatId, sent);
  }

  /**
   * Gives `newcomer` copies of the latest `limit` messages of the chat as `source` has them, already read,
   * without updates of their own: history to scroll, not news.
   */
  private async copyRecentHistory(tx: Tx, chatId: bigint, source: bigint, newcomer: bigint, limit: number): Promise<void> {
    const rows = await tx
      .selectFrom('message_boxes')
      .select(['global_id', 'date'])
      .where('owner_id', '=', source)
      .where('peer_type', '=', PEER_CHAT)
      .where('peer_id', '=', chatId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (rows.length === 0) return;
    const have = new Set(
      (await tx.selectFrom('message_boxes').select('global_id').where('owner_id', '=', newcomer).where('global_id', 'in', rows.map((r) => r.global_id)).execute()).map((r) => r.global_id),
    );
    const w = new BoxWriter(tx, this.seconds(), boxStatements(this.deps.db));
    await w.loadStates([newcomer]);
    let top = 0;
    let topDate = 0;
    for (const r of rows.reverse()) {
      if (have.has(r.global_id)) continue;
      const id = w.nextMessageId(newcomer);
      w.addBox({ owner_id: newcomer, id, global_id: r.global_id, peer_type: PEER_CHAT, peer_id: chatId, out: 0, date: Number(r.date), reply_to_id: null, flags: 0 });
      top = id;
      topDate = Number(r.date);
    }
    if (top > 0) w.bumpDialog(newcomer, chatPeer(chatId), top, topDate, 0);
    await w.flush();
    if (top > 0) {
      await tx
        .updateTable('dialogs')
        .set({ read_inbox_max_id: top })
        .where('owner_id', '=', newcomer)
        .where('peer_type', '=', PEER_CHAT)
        .where('peer_id', '=', chatId)
        .where('read_inbox_max_id', '<', top)
        .execute();
    }
  }

  /**
   * messages.deleteChatUser: leaving (the target is the caller) or removing someone. The removed member
   * gets the service message too, then sees the chat as `chatForbidden` (kicked) or `chat{left}`. With
   * revoke_history the target's messages in the chat are deleted for everyone.
   */
  async deleteUser(caller: Caller, chatId: bigint, userId: bigint, revokeHistory: boolean): Promise<Obj<'updates'>> {
    const { chat, me } = await this.load(chatId, caller.userId);
    const target = requireRemovable(me, userId === caller.userId ? me : await this.deps.store.participant(chatId, userId));
    const leaving = target.userId === caller.userId;
    const members = await this.deps.store.activeMemberIds(chatId);
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      const s = await this.serviceMessage(tx, chatId, caller.userId, members, { _: 'messageActionChatDeleteUser', userId: target.userId });
      await this.deps.store.setParticipant(tx, chatId, target.userId, { state: leaving ? STATE_LEFT : STATE_KICKED });
      await this.deps.store.bumpVersion(tx, chatId);
      return s;
    });
    const answer = await this.announce(caller, chatId, sent);
    if (revokeHistory) await this.revokeHistoryOf(chatId, target.userId, [...members]);
    return answer;
  }

  /** Deletes every message `author` wrote in the chat from the boxes of `owners`. */
  private async revokeHistoryOf(chatId: bigint, author: bigint, owners: readonly bigint[]): Promise<void> {
    for (const owner of owners) {
      const rows = await this.deps.db
        .selectFrom('message_boxes as b')
        .innerJoin('messages as m', 'm.id', 'b.global_id')
        .select('b.id')
        .where('b.owner_id', '=', owner)
        .where('b.peer_type', '=', PEER_CHAT)
        .where('b.peer_id', '=', chatId)
        .where('m.author_id', '=', author)
        .execute();
      const ids = rows.map((r) => Number(r.id));
      for (let i = 0; i < ids.length; i += 100) await this.deps.messaging.delete({ userId: owner }, ids.slice(i, i + 100), false);
    }
  }

  /** messages.editChatTitle: members may unless change_info is banned; admins always. */
  async editTitle(caller: Caller, chatId: bigint, title: string): Promise<Obj<'updates'>> {
    const { chat, me } = await this.load(chatId, caller.userId);
    requireMember(me);
    requireRight(chat, me, 'changeInfo', 'changeInfo');
    const name = checkTitle(title);
    if (name === chat.title) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    const members = await this.deps.store.activeMemberIds(chatId);
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.store.updateChat(tx, chatId, { title: name });
      return this.serviceMessage(tx, chatId, caller.userId, members, { _: 'messageActionChatEditTitle', title: name });
    });
    return this.announce(caller, chatId, sent);
  }

  /**
   * What messages.migrateChat moves into the new supergroup: the creator asks; a chat already migrated
   * answers CHAT_ID_INVALID. The current members with their roles, oldest first.
   */
  async migrationSource(caller: Caller, chatId: bigint): Promise<{ title: string; about: string; members: Participant[] }> {
    const { chat, me } = await this.load(chatId, caller.userId);
    if (chat.migratedTo !== undefined) throw RpcError.badRequest('CHAT_ID_INVALID');
    requireMember(me);
    if (me.role !== ROLE_CREATOR) throw new RpcError(403, 'CHAT_ADMIN_REQUIRED');
    const members = (await this.deps.store.participants(chatId)).filter(isActive).sort((a, b) => a.date - b.date);
    return { title: chat.title, about: chat.about, members };
  }

  /** The chat becomes deactivated, pointing at `channelId`, with messageActionChatMigrateTo in every member's box. */
  async markMigrated(caller: Caller, chatId: bigint, channelId: bigint): Promise<Obj<'updates'>> {
    const members = await this.deps.store.activeMemberIds(chatId);
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.store.updateChat(tx, chatId, { migratedTo: channelId });
      return this.serviceMessage(tx, chatId, caller.userId, members, { _: 'messageActionChatMigrateTo', channelId });
    });
    return this.announce(caller, chatId, sent);
  }

  /**
   * messages.editChatPhoto: a new photo (uploaded or an existing one) or none, under the same rule as the
   * title. The rights are checked before the upload is processed, so a refused member costs no image work.
   */
  async editPhoto(caller: Caller, chatId: bigint, input: TlType<'InputChatPhoto'>): Promise<Obj<'updates'>> {
    const { chat, me } = await this.load(chatId, caller.userId);
    requireMember(me);
    requireRight(chat, me, 'changeInfo', 'changeInfo');
    let photoId: bigint | null = null;
    let action: TlType<'MessageAction'> = { _: 'messageActionChatDeletePhoto' };
    if (isRemoval(input)) {
      if (chat.photoId === undefined) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    } else {
      if (!this.deps.photos) throw RpcError.badRequest('PHOTO_INVALID');
      const made = await this.deps.photos.chatPhotoFromInput(caller.userId, input);
      if (made.id === chat.photoId) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
      photoId = made.id;
      action = { _: 'messageActionChatEditPhoto', photo: made.photo };
    }
    const members = await this.deps.store.activeMemberIds(chatId);
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.store.updateChat(tx, chatId, { photoId });
      return this.serviceMessage(tx, chatId, caller.userId, members, action);
    });
    return this.announce(caller, chatId, sent);
  }

  /**
   * The chat's current photo id for a download by `viewer` (inputPeerPhotoFileLocation): whoever is shown
   * the photo may fetch it, that is members and those who left; kicked users see chatForbidden (no photo).
   */
  async photoIdFor(viewer: bigint, chatId: bigint): Promise<bigint | undefined> {
    const [chat, me] = await Promise.all([this.deps.store.chat(chatId), this.deps.store.participant(chatId, viewer)]);
    if (!chat || !me) throw RpcError.badRequest('PEER_ID_INVALID');
    if (me.state === STATE_KICKED) throw RpcError.badRequest('CHAT_ID_INVALID');
    return chat.photoId;
  }

  /** The full Photo of the chat's current photo, if it has one. */
  private async photoObject(chat: ChatRecord): Promise<TlType<'Photo'> | undefined> {
    if (chat.photoId === undefined || !this.deps.photos) return undefined;
    return (await this.deps.photos.photoObjects([chat.photoId])).get(chat.photoId);
  }

  /** messages.editChatAbout for a basic group. */
  async editAbout(caller: Caller, chatId: bigint, about: string): Promise<void> {
    const { chat, me } = await this.load(chatId, caller.userId);
    requireMember(me);
    requireRight(chat, me, 'changeInfo', 'changeInfo');
    if (about.length > 255) throw RpcError.badRequest('CHAT_ABOUT_TOO_LONG');
    if (about === chat.about) throw RpcError.badRequest('CHAT_ABOUT_NOT_MODIFIED');
    await this.deps.store.updateChat(this.deps.db, chatId, { about });
  }

  /** messages.editChatAdmin: only the creator appoints and dismisses admins. */
  async editAdmin(caller: Caller, chatId: bigint, userId: bigint, isAdmin: boolean): Promise<void> {
    const { chat, me } = await this.load(chatId, caller.userId);
    requireMember(me);
    if (me.role !== ROLE_CREATOR) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const target = await this.deps.store.participant(chatId, userId);
    if (!isActive(target)) throw RpcError.badRequest('USER_NOT_PARTICIPANT');
    const role = isAdmin ? ROLE_ADMIN : ROLE_MEMBER;
    if (target.role === ROLE_CREATOR || target.role === role) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    const version = chat.version + 1;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.store.setParticipant(tx, chatId, userId, { role });
      await this.deps.store.updateChat(tx, chatId, { version });
    });
    await this.broadcast(caller, chatId, { _: 'updateChatParticipantAdmin', chatId, userId, isAdmin, version }, [userId]);
  }

  /** messages.editChatDefaultBannedRights: admins only (ban_users). */
  async editDefaultBannedRights(caller: Caller, chatId: bigint, rights: TlType<'ChatBannedRights'>): Promise<Obj<'updates'>> {
    const { chat, me } = await this.load(chatId, caller.userId);
    requireMember(me);
    requireRight(chat, me, 'banUsers');
    const bits = bannedFromTl(rights);
    if (bits === chat.defaultBanned) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    const version = chat.version + 1;
    await this.deps.store.updateChat(this.deps.db, chatId, { defaultBanned: bits, version });
    return this.broadcast(caller, chatId, { _: 'updateChatDefaultBannedRights', peer: { _: 'peerChat', chatId }, defaultBannedRights: bannedTl(bits), version }, []);
  }

  async getChats(viewer: bigint, ids: readonly bigint[]): Promise<Res<'messages.getChats'>> {
    return { _: 'messages.chats', chats: await this.deps.views.many(viewer, ids) };
  }

  /** messages.getFullChat: participants for members; the admin's own permanent link when they have one. */
  async getFullChat(viewer: bigint, chatId: bigint): Promise<Res<'messages.getFullChat'>> {
    const { chat, me } = await this.load(chatId, viewer);
    const all = await this.deps.store.participants(chatId);
    const participants = participantsTl(chat, me, all);
    const admin = isActive(me) && me.role !== ROLE_MEMBER;
    const invite = admin ? await this.deps.store.permanentInvite(chatId, viewer) : undefined;
    const userIds = isActive(me) ? all.filter(isActive).flatMap((p) => [p.userId, p.inviterId]) : [viewer];
    return {
      _: 'messages.chatFull',
      fullChat: {
        _: 'chatFull',
        id: chat.id,
        about: chat.about,
        participants,
        chatPhoto: me.state === STATE_KICKED ? undefined : await this.photoObject(chat),
        notifySettings: { _: 'peerNotifySettings' },
        exportedInvite: invite && exportedInviteTl(this.deps.linkHost(), invite),
      },
      chats: await this.deps.views.many(viewer, [chatId]),
      users: await this.deps.userViews.many(viewer, [...new Set(userIds)]),
    };
  }

  // ---- invite links (core.telegram.org/api/invites) ----

  private async requireInviteAdmin(chatId: bigint, userId: bigint): Promise<{ chat: ChatRecord; me: Participant }> {
    const loaded = await this.load(chatId, userId);
    requireMember(loaded.me);
    requireRight(loaded.chat, loaded.me, 'inviteUsers');
    return loaded;
  }

  private async newInvite(db: Kysely<Tables> | Tx, chatId: bigint, adminId: bigint, permanent: boolean, opts: InviteOptions = {}): Promise<InviteRecord> {
    const invite: InviteRecord = {
      hash: newInviteHash(this.deps.random),
      chatId,
      adminId,
      date: this.seconds(),
      expireDate: opts.expireDate ?? null,
      usageLimit: opts.usageLimit ?? null,
      uses: 0,
      revoked: false,
      permanent,
      title: opts.title ?? null,
    };
    await this.deps.store.insertInvite(db, invite);
    return invite;
  }

  private checkInviteOptions(opts: InviteOptions): void {
    if (opts.usageLimit !== undefined && (opts.usageLimit < 1 || opts.usageLimit > MAX_INVITE_USAGE)) throw RpcError.badRequest('USAGE_LIMIT_INVALID');
    if (opts.expireDate !== undefined && opts.expireDate !== 0 && opts.expireDate <= this.seconds()) throw RpcError.badRequest('EXPIRE_DATE_INVALID');
    if (opts.title !== undefined && opts.title.length > MAX_INVITE_TITLE) throw RpcError.badRequest('INVITE_TITLE_INVALID');
  }

  /**
   * messages.exportChatInvite. Without options it answers the admin's permanent link (made on first use;
   * legacy_revoke_permanent replaces it); with expiry, usage limit or title it makes an additional link.
   * Join requests (request_needed) are not built: such a link is refused rather than made into one that
   * admits everyone (REQUEST_NEEDED_UNSUPPORTED, Echo's own error name).
   */
  async exportInvite(caller: Caller, chatId: bigint, opts: InviteOptions): Promise<Obj<'chatInviteExported'>> {
    await this.requireInviteAdmin(chatId, caller.userId);
    if (opts.requestNeeded) throw RpcError.badRequest('REQUEST_NEEDED_UNSUPPORTED');
    this.checkInviteOptions(opts);
    const host = this.deps.linkHost();
    const additional = opts.expireDate !== undefined || opts.usageLimit !== undefined || opts.title !== undefined;
    if (additional) return exportedInviteTl(host, await this.newInvite(this.deps.db, chatId, caller.userId, false, opts));
    const invite = await this.deps.db.transaction().execute(async (tx) => {
      const current = await this.deps.store.permanentInvite(chatId, caller.userId, tx);
      if (current && !opts.legacyRevokePermanent) return current;
      if (current) await this.deps.store.updateInvite(tx, current.hash, { revoked: true });
      return this.newInvite(tx, chatId, caller.userId, true);
    });
    return exportedInviteTl(host, invite);
  }

  /** messages.checkChatInvite: a preview for outsiders, chatInviteAlready for members. */
  async checkInvite(viewer: bigint, link: string): Promise<Res<'messages.checkChatInvite'>> {
    const invite = requireUsable(await this.deps.store.invite(hashOfLink(link)), this.seconds());
    const chat = await this.deps.store.chat(invite.chatId);
    if (!chat) throw RpcError.badRequest('INVITE_HASH_INVALID');
    const me = await this.deps.store.participant(chat.id, viewer);
    if (isActive(me)) return { _: 'chatInviteAlready', chat: (await this.deps.views.one(viewer, chat.id))! };
    const members = await this.deps.store.activeMemberIds(chat.id);
    return {
      _: 'chatInvite',
      title: chat.title,
      photo: (await this.photoObject(chat)) ?? { _: 'photoEmpty', id: 0n },
      participantsCount: members.length,
      participants: await this.deps.userViews.many(viewer, members.slice(0, INVITE_PREVIEW_USERS)),
      color: Number(chat.id % 7n),
    };
  }

  /** messages.importChatInvite: joins through the link (messageActionChatJoinedByLink); returns Updates. */
  async importInvite(caller: Caller, link: string): Promise<Obj<'updates'>> {
    const hash = hashOfLink(link);
    const invite = requireUsable(await this.deps.store.invite(hash), this.seconds());
    const chat = await this.deps.store.chat(invite.chatId);
    if (!chat) throw RpcError.badRequest('INVITE_HASH_INVALID');
    const chatId = chat.id;
    const me = await this.deps.store.participant(chatId, caller.userId);
    const wasCreator = me?.role === ROLE_CREATOR;
    if (isActive(me)) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
    const members = await this.deps.store.activeMemberIds(chatId);
    requireRoom(members.length, 1, this.sizeMax);
    const sent = await this.deps.db.transaction().execute(async (tx) => {
      // Re-read inside the transaction: two joins racing for the last use of a limited link.
      const fresh = requireUsable(await this.deps.store.invite(hash, tx), this.seconds());
      await this.deps.store.updateInvite(tx, hash, { uses: fresh.uses + 1 });
      await this.deps.store.putParticipant(tx, { chatId, userId: caller.userId, inviterId: invite.adminId, date: this.seconds(), role: wasCreator ? ROLE_CREATOR : ROLE_MEMBER, state: STATE_MEMBER });
      await this.deps.store.bumpVersion(tx, chatId);
      return this.serviceMessage(tx, chatId, caller.userId, members, { _: 'messageActionChatJoinedByLink', inviterId: invite.adminId });
    });
    return this.announce(caller, chatId, sent);
  }

  /** The invite named by `link` in the chat, for an admin allowed to manage it (its owner or the creator). */
  private async managedInvite(chatId: bigint, me: Participant, link: string): Promise<InviteRecord> {
    const invite = await this.deps.store.invite(hashOfLink(link));
    if (!invite || invite.chatId !== chatId) throw RpcError.badRequest('INVITE_HASH_INVALID');
    if (invite.adminId !== me.userId && me.role !== ROLE_CREATOR) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    return invite;
  }

  /** messages.getExportedChatInvites: an admin's links (the creator may list anyone's), newest first. */
  async listInvites(viewer: bigint, chatId: bigint, adminId: bigint, revoked: boolean, offsetDate: number, offsetLink: string | undefined, limit: number): Promise<Res<'messages.getExportedChatInvites'>> {
    const { me } = await this.requireInviteAdmin(chatId, viewer);
    if (adminId !== viewer && me.role !== ROLE_CREATOR) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const all = await this.deps.store.invites(chatId, adminId, revoked);
    const offsetHash = offsetLink ? hashOfLink(offsetLink) : undefined;
    const after = offsetDate > 0 || offsetHash ? all.filter((i) => i.date < offsetDate || (i.date === offsetDate && offsetHash !== undefined && i.hash < offsetHash)) : all;
    const n = limit <= 0 ? 50 : Math.min(limit, 100);
    const host = this.deps.linkHost();
    return { _: 'messages.exportedChatInvites', count: all.length, invites: after.slice(0, n).map((i) => exportedInviteTl(host, i)), users: await this.deps.userViews.many(viewer, [adminId]) };
  }

  /**
   * messages.editExportedChatInvite: revoke a link, or change its expiry, limit or title. Revoking the
   * permanent link makes a new one (messages.exportedChatInviteReplaced).
   */
  async editInvite(caller: Caller, chatId: bigint, link: string, revoke: boolean, opts: InviteOptions): Promise<Res<'messages.editExportedChatInvite'>> {
    const { me } = await this.requireInviteAdmin(chatId, caller.userId);
    const invite = await this.managedInvite(chatId, me, link);
    const host = this.deps.linkHost();
    const users = await this.deps.userViews.many(caller.userId, [invite.adminId]);
    if (revoke) {
      if (invite.revoked) return { _: 'messages.exportedChatInvite', invite: exportedInviteTl(host, invite), users };
      const replacement = await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.store.updateInvite(tx, invite.hash, { revoked: true });
        return invite.permanent ? this.newInvite(tx, chatId, invite.adminId, true) : undefined;
      });
      const old = exportedInviteTl(host, { ...invite, revoked: true });
      if (replacement) return { _: 'messages.exportedChatInviteReplaced', invite: old, newInvite: exportedInviteTl(host, replacement), users };
      return { _: 'messages.exportedChatInvite', invite: old, users };
    }
    if (invite.revoked) throw RpcError.badRequest('INVITE_HASH_EXPIRED');
    this.checkInviteOptions(opts);
    if (invite.permanent && (opts.expireDate !== undefined || opts.usageLimit !== undefined)) throw RpcError.badRequest('CHAT_INVITE_PERMANENT');
    const set = {
      expireDate: opts.expireDate === undefined ? undefined : opts.expireDate === 0 ? null : opts.expireDate,
      usageLimit: opts.usageLimit === undefined ? undefined : opts.usageLimit,
      title: opts.title === undefined ? undefined : opts.title === '' ? null : opts.title,
    };
    await this.deps.store.updateInvite(this.deps.db, invite.hash, set);
    const updated: InviteRecord = {
      ...invite,
      expireDate: set.expireDate === undefined ? invite.expireDate : set.expireDate,
      usageLimit: set.usageLimit === undefined ? invite.usageLimit : set.usageLimit,
      title: set.title === undefined ? invite.title : set.title,
    };
    return { _: 'messages.exportedChatInvite', invite: exportedInviteTl(host, updated), users };
  }

  /** messages.deleteExportedChatInvite: only revoked links are deleted. */
  async deleteInvite(caller: Caller, chatId: bigint, link: string): Promise<void> {
    const { me } = await this.requireInviteAdmin(chatId, caller.userId);
    const invite = await this.managedInvite(chatId, me, link);
    if (!invite.revoked && usability(invite, this.seconds()) === 'ok') throw RpcError.badRequest('INVITE_REVOKED_MISSING');
    await this.deps.store.deleteInvite(this.deps.db, invite.hash);
  }
}
