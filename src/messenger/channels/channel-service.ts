// Channels and supergroups (core.telegram.org/api/channel): create, join, leave, invite, post, edit,
// delete, read, history, getChannelDifference, participants, admins and bans, usernames and settings.
//
// The channel has one message box and one pts (channel-store.ts): a post is one message row, one log entry
// and the channel row, whatever the member count. Pushes go to the members online on this node only
// (the candidates are the users online here, looked up among the members in chunks); everyone else
// catches up with updates.getChannelDifference from the channel's log.
import { RpcError } from '../../common/rpc-error.js';
import { retryOnConflict } from '../../infra/db/dialect.js';
import { decodeTl, decodeTlList, encodeTl, encodeTlList } from '../../infra/db/tl-columns.js';
import type { Obj, Res, TlType } from '../../tl/index.js';
import type { IdGenerator } from '../../service/idgen.js';
import type { UpdatePusher, SessionRef } from '../../contracts/push.js';
import type { Caller, UserViewSource } from '../messaging.js';
import type { OutgoingMessage } from '../message-store.js';
import { CONTENT_EDIT_HIDE, CONTENT_NOFORWARDS, CONTENT_SERVICE, CONTENT_SILENT, userIdsOf } from '../message-row.js';
import { effectiveLimit, historyPlan, type HistoryQuery } from '../box-reader.js';
import { updatesContainer, type SyncChannel, type SyncEvent } from '../sync.js';
import { listHash } from '../views.js';
import { kindsOfFilter } from '../../infra/db/search-index.js';
import { BASIC_ADMIN_RIGHTS, adminBits, bannedFromTl, bannedTl, hasAdminRight, isBanned, type AdminRight } from '../chats/rights.js';
import { asMessageRow, type ChannelMessage, type ChannelStore, type NewChannelMessage } from './channel-store.js';
import type { InviteRecord } from '../chats/chat-store.js';
import type { InviteOptions } from '../chats/chat-service.js';
import { isRemoval, type ChatPhotoMedia } from '../chats/chat-photos.js';
import { exportedInviteTl, hashOfLink, newInviteHash, requireUsable } from '../chats/invites.js';
import { kindsOf, logUserIds, type LogKind } from './admin-log.js';
import { channelDialogTl, type ChannelViews } from './channel-views.js';
import { ForumTopics } from './forum-topics.js';
import {
  ALL_ADMIN_RIGHTS,
  CHANNEL_BROADCAST,
  CHANNEL_DELETED,
  CHANNEL_MEGAGROUP,
  CHANNEL_SIGNATURES,
  CHANNEL_PREHISTORY_HIDDEN,
  CHANNEL_FORUM,
  GENERAL_TOPIC_ID,
  TOPIC_COLORS,
  isForum,
  hiddenBelow,
  ROLE_ADMIN,
  ROLE_BANNED,
  ROLE_CREATOR,
  ROLE_LEFT,
  ROLE_MEMBER,
  SLOWMODE_VALUES,
  UPDATE_DELETE,
  UPDATE_EDIT,
  UPDATE_NEW,
  UPDATE_PIN,
  UPDATE_UNPIN,
  POST_PINNED,
  USERNAME_RE,
  adminRightsOf,
  checkAbout,
  checkTitle,
  isActiveMember,
  isAdmin,
  isBroadcast,
  isKicked,
  isMegagroup,
  mayDelete,
  mayEdit,
  requireAdminRight,
  requireBan,
  requireMember,
  requirePost,
  requirePromote,
  requireReadable,
  type ChannelParticipantRecord,
  type ChannelRecord,
} from './records.js';

export interface ChannelServiceDeps {
  store: ChannelStore;
  views: ChannelViews;
  sync: SyncChannel;
  userViews: UserViewSource;
  push: Pick<UpdatePusher, 'isOnline' | 'onConnectivity' | 'onlineAmong'>;
  ids: IdGenerator;
  now(): number;
  /** True when a user holds the username (usernames are shared by users and channels). */
  usernameTakenByUser(username: string): Promise<boolean>;
  /** Channel photos (the media service); absent: channels.editPhoto answers PHOTO_INVALID. */
  photos?: ChatPhotoMedia;
  /** Random bytes (invite hashes). */
  random(n: number): Buffer;
  /** The host invite links are made on (https://<host>/+<hash>). */
  linkHost(): string;
  /** The viewer's newest message id in a basic group (channelFull.migrated_from_max_id of its supergroup). */
  chatMaxId?(viewer: bigint, chatId: bigint): Promise<number>;
  /** Channel difference: posts beyond which channelDifferenceTooLong is answered, when the client asks for more. */
  maxDifferenceLimit?: number;
}

/** A channel a caller names, with the caller's participant row. */
export interface ChannelAccess {
  channel: ChannelRecord;
  me: ChannelParticipantRecord | undefined;
}

/** What a post stored: its message and the pts after it. */
export interface PostedMessage {
  message: ChannelMessage;
  pts: number;
  randomId: bigint;
  duplicate: boolean;
}

/** Seconds a client waits before asking getChannelDifference again (channelDifference.timeout). */
const DIFFERENCE_TIMEOUT = 30;
/** Members beyond which pushes carry min users (one user object per push, not per recipient). */
export const MIN_USERS_ABOVE = 200;
/** Users named in messageReplies.recent_repliers. */
const RECENT_REPLIERS = 3;
/** Channels named by updateChannelTooLong in one updates.getDifference at most. */
const MAX_CHANNELS_TOO_LONG = 100;
/** updates.getChannelDifference limit for users (Telegram allows bots more). */
const MAX_DIFFERENCE_LIMIT = 100;

export class ChannelService {
  /** Users with a live connection to this node, kept from connectivity events: a post's push candidates. */
  private readonly online = new Set<bigint>();
  /** Forum topics of this service's supergroups (forum-topics.ts). */
  readonly topics: ForumTopics;

  constructor(private readonly deps: ChannelServiceDeps) {
    this.topics = new ForumTopics({ channels: this, store: deps.store, userViews: deps.userViews });
    deps.push.onConnectivity((userId, online) => {
      if (online) this.online.add(userId);
      else this.online.delete(userId);
    });
  }

  private get store(): ChannelStore {
    return this.deps.store;
  }

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  // --- Access --------------------------------------------------------------------------------------

  /** The channel an InputChannel names for `viewer`, its access hash checked; CHANNEL_INVALID otherwise. */
  async access(viewer: bigint, input: TlType<'InputChannel'> | TlType<'InputPeer'>): Promise<ChannelAccess> {
    let id: bigint;
    let hash: bigint;
    if (input._ === 'inputChannel' || input._ === 'inputPeerChannel') {
      id = input.channelId;
      hash = input.accessHash;
    } else throw RpcError.badRequest('CHANNEL_INVALID');
    if (!this.deps.views.checkAccessHash(viewer, id, hash)) throw RpcError.badRequest('CHANNEL_INVALID');
    return this.accessById(viewer, id);
  }

  async accessById(viewer: bigint, id: bigint): Promise<ChannelAccess> {
    const [channel, me] = await Promise.all([this.store.channel(id), this.store.participant(id, viewer)]);
    if (!channel || (channel.flags & CHANNEL_DELETED) !== 0) throw RpcError.badRequest('CHANNEL_INVALID');
    await this.deps.views.prepare([channel]);
    return { channel, me };
  }

  /** Channel objects as `viewer` sees them (unknown ids left out). */
  async channelViews(viewer: bigint, ids: readonly bigint[]): Promise<TlType<'Chat'>[]> {
    const [channels, mine] = await Promise.all([this.store.channels(ids), this.store.memberships(viewer, ids)]);
    await this.deps.views.prepare([...channels.values()]);
    const out: TlType<'Chat'>[] = [];
    for (const id of new Set(ids)) {
      const c = channels.get(id);
      if (c) out.push(this.deps.views.channelTl(viewer, c, mine.get(id)));
    }
    return out;
  }

  private async usersOf(viewer: bigint, messages: readonly ChannelMessage[], extra: readonly bigint[] = []): Promise<TlType<'User'>[]> {
    const ids = new Set<bigint>(extra);
    for (const m of messages) userIdsOf(asMessageRow(m, viewer), ids);
    return ids.size > 0 ? this.deps.userViews.many(viewer, [...ids]) : [];
  }

  // --- Create, join, leave, invite -------------------------------------------------------------------

  async create(caller: Caller, opts: { title: string; about: string; broadcast: boolean; megagroup: boolean }): Promise<Obj<'updates'>> {
    const title = checkTitle(opts.title);
    const about = checkAbout(opts.about);
    const id = await this.deps.ids.next('channel');
    const date = this.seconds();
    const channel: ChannelRecord = {
      id,
      creatorId: caller.userId,
      title,
      about,
      username: null,
      date,
      // Neither flag set makes a broadcast channel, as Telegram does.
      flags: opts.megagroup ? CHANNEL_MEGAGROUP : CHANNEL_BROADCAST,
      pts: 0,
      topMessage: 0,
      topDate: date,
      readMaxId: 0,
      participantsCount: 1,
      defaultBanned: 0,
      slowmodeSeconds: 0,
      photoId: null,
      migratedFromChatId: null,
    };
    const me: ChannelParticipantRecord = { channelId: id, userId: caller.userId, role: ROLE_CREATOR, adminRights: ALL_ADMIN_RIGHTS, bannedRights: 0, bannedUntil: 0, inviterId: caller.userId, actorId: caller.userId, rank: null, date, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 };
    await this.store.db.transaction().execute(async (tx) => {
      await this.store.insertChannel(tx, channel);
      await this.store.putParticipant(tx, me, true);
    });
    const [posted] = await this.post(caller, id, [{ randomId: 0n, message: '', action: { _: 'messageActionChannelCreate', title } }], { service: true });
    const fresh = (await this.store.channel(id))!;
    const self = (await this.store.participant(id, caller.userId))!;
    const answer = updatesContainer(
      [{ _: 'updateChannel', channelId: id }, { _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 }],
      await this.deps.userViews.many(caller.userId, [caller.userId]),
      date,
      [this.deps.views.channelTl(caller.userId, fresh, self)],
    );
    return answer;
  }

  /**
   * messages.migrateChat, the supergroup side: a megagroup with the basic group's title, about and members
   * (its admins as admins with the basic-group rights, the caller as creator), whose first message is
   * messageActionChannelMigrateFrom. The members online learn about it with updateChannel.
   */
  async createFromChat(caller: Caller, src: { chatId: bigint; title: string; about: string; members: readonly { userId: bigint; admin: boolean; inviterId: bigint }[] }): Promise<{ channelId: bigint; updates: Obj<'updates'> }> {
    const id = await this.deps.ids.next('channel');
    const date = this.seconds();
    const members = src.members.some((m) => m.userId === caller.userId) ? src.members : [...src.members, { userId: caller.userId, admin: true, inviterId: caller.userId }];
    const channel: ChannelRecord = { id, creatorId: caller.userId, title: src.title, about: src.about, username: null, date, flags: CHANNEL_MEGAGROUP, pts: 0, topMessage: 0, topDate: date, readMaxId: 0, participantsCount: members.length, defaultBanned: 0, slowmodeSeconds: 0, photoId: null, migratedFromChatId: src.chatId };
    await this.store.db.transaction().execute(async (tx) => {
      await this.store.insertChannel(tx, channel);
      for (const m of members) {
        const role = m.userId === caller.userId ? ROLE_CREATOR : m.admin ? ROLE_ADMIN : ROLE_MEMBER;
        const rights = role === ROLE_CREATOR ? ALL_ADMIN_RIGHTS : role === ROLE_ADMIN ? BASIC_ADMIN_RIGHTS : 0;
        await this.store.putParticipant(tx, { channelId: id, userId: m.userId, role, adminRights: rights, bannedRights: 0, bannedUntil: 0, inviterId: m.inviterId, actorId: role === ROLE_ADMIN ? caller.userId : 0n, rank: null, date, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 }, true);
      }
    });
    const [posted] = await this.post(caller, id, [{ randomId: 0n, message: '', action: { _: 'messageActionChannelMigrateFrom', title: src.title, chatId: src.chatId } }], { service: true });
    await this.pushUpdateChannel(id, members.map((m) => m.userId).filter((u) => u !== caller.userId));
    const fresh = (await this.store.channel(id))!;
    const updates = await this.answerWith(caller.userId, id, [{ _: 'updateChannel', channelId: id }, { _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 }], [caller.userId]);
    return { channelId: id, updates };
  }

  /** channels.joinChannel: public channels (with a username) only; private ones need an invite. */
  async join(caller: Caller, input: TlType<'InputChannel'>): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    if (isKicked(me)) throw RpcError.badRequest('CHANNEL_PRIVATE');
    if (isActiveMember(me)) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
    if (channel.username === null) throw RpcError.badRequest('CHANNEL_PRIVATE');
    const answer = await this.addMembers(caller, channel, [caller.userId], caller.userId);
    await this.logAction(channel.id, caller.userId, 'join', { _: 'channelAdminLogEventActionParticipantJoin' });
    return answer;
  }

  /** channels.inviteToChannel: admins with invite_users, or supergroup members unless the default rights forbid it. */
  async invite(caller: Caller, input: TlType<'InputChannel'>, userIds: readonly bigint[]): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    const may = hasAdminRight(adminRightsOf(member), 'inviteUsers') || (isMegagroup(channel) && !isBanned(channel.defaultBanned, 'inviteUsers') && member.role !== ROLE_BANNED);
    if (!may) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const adding: bigint[] = [];
    for (const userId of new Set(userIds)) {
      const p = await this.store.participant(channel.id, userId);
      if (isActiveMember(p)) continue;
      // A kicked user comes back only when an admin who may ban lifts it (inviting is that, for Telegram).
      if (isKicked(p) && !hasAdminRight(adminRightsOf(member), 'banUsers')) throw RpcError.badRequest('USER_KICKED');
      adding.push(userId);
    }
    if (adding.length === 0) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
    const answer = await this.addMembers(caller, channel, adding, caller.userId);
    const date = this.seconds();
    for (const userId of adding) await this.logAction(channel.id, caller.userId, 'invite', { _: 'channelAdminLogEventActionParticipantInvite', participant: { _: 'channelParticipant', userId, date } });
    return answer;
  }

  private async addMembers(caller: Caller, channel: ChannelRecord, userIds: readonly bigint[], inviter: bigint, joinAction?: TlType<'MessageAction'>): Promise<Obj<'updates'>> {
    const date = this.seconds();
    await retryOnConflict(() =>
      this.store.db.transaction().execute(async (tx) => {
        let added = 0;
        for (const userId of userIds) {
          const prev = await this.store.participant(channel.id, userId, tx);
          if (isActiveMember(prev)) continue;
          // A member joining sees the posts from now on as read: the unread count starts at 0.
          const locked = await this.store.lockChannel(tx, channel.id);
          await this.store.putParticipant(tx, { channelId: channel.id, userId, role: ROLE_MEMBER, adminRights: 0, bannedRights: 0, bannedUntil: 0, inviterId: inviter, actorId: 0n, rank: null, date, readInboxMaxId: locked?.topMessage ?? 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: locked?.topMessage ?? 0 }, true);
          added++;
        }
        await this.store.addToCount(tx, channel.id, added);
      }),
    );
    const updates: TlType<'Update'>[] = [{ _: 'updateChannel', channelId: channel.id }];
    if (isMegagroup(channel)) {
      const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', action: joinAction ?? { _: 'messageActionChatAddUser', users: [...userIds] } }], { service: true });
      const fresh = (await this.store.channel(channel.id))!;
      updates.push({ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 });
    }
    // The added users' devices learn about the channel (updateChannel), then fetch it.
    await this.pushUpdateChannel(channel.id, userIds.filter((u) => u !== caller.userId));
    return this.answerWith(caller.userId, channel.id, updates, [...userIds]);
  }

  private async answerWith(viewer: bigint, channelId: bigint, updates: TlType<'Update'>[], userIds: readonly bigint[] = []): Promise<Obj<'updates'>> {
    const fresh = (await this.store.channel(channelId))!;
    await this.deps.views.prepare([fresh]);
    const me = await this.store.participant(channelId, viewer);
    return updatesContainer(updates, userIds.length > 0 ? await this.deps.userViews.many(viewer, [...userIds]) : [], this.seconds(), [this.deps.views.channelTl(viewer, fresh, me)]);
  }

  /** updateChannel to each user online (their clients refetch the channel: joined, promoted, banned, ...). */
  private async pushUpdateChannel(channelId: bigint, userIds: readonly bigint[], except?: SessionRef, exceptUser?: bigint): Promise<void> {
    const online = userIds.filter((u) => this.deps.push.isOnline(u));
    if (online.length === 0) return;
    const channel = (await this.store.channel(channelId))!;
    await this.deps.views.prepare([channel]);
    const mine = await Promise.all(online.map((u) => this.store.participant(channelId, u)));
    await this.deps.sync.publish(
      online.map((userId, i) => ({
        userId,
        updates: updatesContainer([{ _: 'updateChannel', channelId }], [], this.seconds(), [this.deps.views.channelTl(userId, channel, mine[i])]),
        except: userId === exceptUser ? except : undefined,
      })),
    );
  }

  async leave(caller: Caller, input: TlType<'InputChannel'>): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    if (member.role === ROLE_CREATOR) throw RpcError.badRequest('USER_CREATOR');
    const updates: TlType<'Update'>[] = [{ _: 'updateChannel', channelId: channel.id }];
    if (isMegagroup(channel)) {
      const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', action: { _: 'messageActionChatDeleteUser', userId: caller.userId } }], { service: true });
      updates.push({ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, channel, posted!.message), pts: posted!.pts, ptsCount: 1 });
    }
    await this.store.db.transaction().execute(async (tx) => {
      await this.store.markLeft(tx, channel.id, caller.userId);
      await this.store.addToCount(tx, channel.id, -1);
    });
    await this.pushUpdateChannel(channel.id, [caller.userId], caller.session, caller.userId);
    await this.logAction(channel.id, caller.userId, 'leave', { _: 'channelAdminLogEventActionParticipantLeave' });
    return this.answerWith(caller.userId, channel.id, updates);
  }

  // --- Posting -------------------------------------------------------------------------------------

  /**
   * Stores posts in the channel's box (one transaction: messages, log entries, pts) and pushes them to the
   * online members. Service messages (`service`) skip the posting rights (joins, leaves, the creation).
   */
  async post(caller: Caller, channelId: bigint, items: readonly OutgoingMessage[], opts: { service?: boolean; linkedIds?: readonly number[] } = {}): Promise<PostedMessage[]> {
    if (items.length === 0) throw RpcError.badRequest('MESSAGE_IDS_EMPTY');
    const now = this.seconds();
    // The signature is read before the transaction: on SQLite a read outside it would wait for its end.
    const before = await this.store.channel(channelId);
    const author = before && (before.flags & CHANNEL_SIGNATURES) !== 0 ? ((await this.deps.userViews.many(caller.userId, [caller.userId]))[0] as Obj<'user'> | undefined) : undefined;
    const signature = author ? [author.firstName, author.lastName].filter(Boolean).join(' ') : null;
    const posted = await retryOnConflict(() =>
      this.store.db.transaction().execute(async (tx) => {
        const channel = await this.store.lockChannel(tx, channelId);
        if (!channel || (channel.flags & CHANNEL_DELETED) !== 0) throw RpcError.badRequest('CHANNEL_INVALID');
        const me = await this.store.participant(channelId, caller.userId, tx);
        if (!opts.service) {
          requirePost(channel, me, { text: items.some((i) => !i.media && !i.action), media: items.some((i) => !!i.media) }, now);
        }
        const postAuthor = (channel.flags & CHANNEL_SIGNATURES) !== 0 && isBroadcast(channel) ? signature : null;
        const out: PostedMessage[] = [];
        let id = channel.topMessage;
        let pts = channel.pts;
        for (const [index, item] of items.entries()) {
          const dup = await this.store.byRandomId(tx, channelId, caller.userId, item.randomId);
          if (dup) {
            out.push({ message: dup, pts, randomId: item.randomId, duplicate: true });
            continue;
          }
          id++;
          pts++;
          const m: NewChannelMessage = {
            authorId: caller.userId,
            randomId: item.randomId,
            message: item.action ? '' : item.message,
            entities: item.action ? null : encodeTlList(item.entities),
            media: item.action ? encodeTl(item.action) : encodeTl(item.media),
            fwdFrom: encodeTl(item.fwdFrom),
            replyToId: item.replyToId ?? null,
            postAuthor: item.action ? null : postAuthor,
            flags: (item.action ? CONTENT_SERVICE : 0) | (item.silent ? CONTENT_SILENT : 0) | (item.noforwards ? CONTENT_NOFORWARDS : 0),
            linkedId: opts.linkedIds?.[index] ?? null,
          };
          if (m.replyToId !== null) {
            const replied = (await this.store.messages(channelId, [m.replyToId], tx)).get(m.replyToId);
            if (!replied) m.replyToId = null;
            else if (isForum(channel)) {
              // In a forum a message replying into a topic is in that topic (closed ones take admins only).
              const top = replied.replyTopId ?? replied.id;
              const topic = (await this.store.topics(channelId, [top], tx)).get(top);
              if (topic?.closed && !opts.service && !hasAdminRight(adminRightsOf(me), 'manageTopics')) throw RpcError.badRequest('TOPIC_CLOSED');
              if (topic && topic.id !== GENERAL_TOPIC_ID) m.replyTopId = top;
            }
            // In a supergroup a reply joins the thread of the message it answers (comments under a post).
            else if (isMegagroup(channel) && !item.action) m.replyTopId = replied.replyTopId ?? replied.id;
          }
          // A topic's creation message is the first message of the topic (not of General).
          if (item.action?._ === 'messageActionTopicCreate') m.replyTopId = id;
          await this.store.insertMessage(tx, channelId, id, now, m);
          await this.store.appendUpdate(tx, channelId, { pts, ptsCount: 1, date: now, kind: UPDATE_NEW, ids: [id] }, { id, date: now });
          out.push({
            message: { channelId, id, authorId: caller.userId, date: now, editDate: 0, message: m.message, entities: m.entities, media: m.media, fwdFrom: m.fwdFrom, replyToId: m.replyToId, postAuthor: m.postAuthor, views: 0, flags: m.flags, replyTopId: m.replyTopId ?? null, linkedId: m.linkedId ?? null },
            pts,
            randomId: item.randomId,
            duplicate: false,
          });
        }
        // The author has read everything up to their own post; slow mode counts from it.
        if (me && id > channel.topMessage) await this.store.setLastPost(tx, channelId, caller.userId, opts.service ? me.lastPostDate : now, id);
        return out;
      }),
    );
    const fresh = posted.filter((p) => !p.duplicate);
    if (fresh.length > 0 && !opts.service && before && isBroadcast(before) && before.linkedChatId != null) await this.copyToDiscussion(caller, before, before.linkedChatId, fresh);
    if (fresh.length > 0) {
      const comments = before ? await this.commentsOf(before, fresh.map((p) => p.message)) : undefined;
      // Every member but the author sees the same message object: built once, not once per recipient.
      let shared: TlType<'Message'>[] | undefined;
      await this.pushToMembers(
        channelId,
        (viewer, channel) => {
          if (viewer !== caller.userId) shared ??= fresh.map((p) => this.deps.views.messageTl(0n, channel, p.message, comments?.get(p.message.id)));
          return fresh.map((p, i) => ({ _: 'updateNewChannelMessage', message: viewer === caller.userId ? this.deps.views.messageTl(viewer, channel, p.message, comments?.get(p.message.id)) : shared![i]!, pts: p.pts, ptsCount: 1 }));
        },
        fresh.map((p) => p.message),
        caller,
        await this.sourceChannels(fresh.map((p) => p.message)),
      );
    }
    return posted;
  }

  /** The channels whose posts these discussion-group copies are (their objects travel with the copies). */
  private async sourceChannels(rows: readonly ChannelMessage[]): Promise<ChannelRecord[]> {
    const ids = new Set<bigint>();
    for (const m of rows) {
      if (m.linkedId == null) continue;
      const fwd = decodeTl(m.fwdFrom) as TlType<'MessageFwdHeader'> | undefined;
      if (fwd?.fromId?._ === 'peerChannel') ids.add(fwd.fromId.channelId);
    }
    if (ids.size === 0) return [];
    const found = [...(await this.store.channels([...ids])).values()];
    await this.deps.views.prepare(found);
    return found;
  }

  /** The source channels of copies among `rows`, as `viewer` sees them. */
  private async sourceChannelsTl(viewer: bigint, rows: readonly ChannelMessage[]): Promise<TlType<'Chat'>[]> {
    const found = await this.sourceChannels(rows);
    if (found.length === 0) return [];
    const mine = await this.store.memberships(viewer, found.map((c) => c.id));
    return found.map((c) => this.deps.views.channelTl(viewer, c, mine.get(c.id)));
  }

  /**
   * The automatic forward of new broadcast posts into the channel's discussion group (as Telegram does): each
   * copy comes from the channel (fwd_from names the post) and is the top of the post's comment thread; the
   * post and its copy record each other's id (`linkedId` set on `posts` here too).
   */
  private async copyToDiscussion(caller: Caller, channel: ChannelRecord, groupId: bigint, posts: PostedMessage[]): Promise<void> {
    const group = await this.store.channel(groupId);
    if (!group || (group.flags & CHANNEL_DELETED) !== 0) return;
    const originals = posts.filter((p) => (p.message.flags & CONTENT_SERVICE) === 0);
    if (originals.length === 0) return;
    const items: OutgoingMessage[] = originals.map((p) => ({
      randomId: 0n,
      message: p.message.message,
      entities: decodeTlList(p.message.entities) as TlType<'MessageEntity'>[] | undefined,
      media: decodeTl(p.message.media) as TlType<'MessageMedia'> | undefined,
      silent: true,
      fwdFrom: {
        _: 'messageFwdHeader',
        fromId: { _: 'peerChannel', channelId: channel.id },
        date: p.message.date,
        channelPost: p.message.id,
        postAuthor: p.message.postAuthor ?? undefined,
        savedFromPeer: { _: 'peerChannel', channelId: channel.id },
        savedFromMsgId: p.message.id,
      },
    }));
    const copies = await this.post(caller, groupId, items, { service: true, linkedIds: originals.map((p) => p.message.id) });
    for (const [i, copy] of copies.entries()) {
      const original = originals[i]!;
      await this.store.setLinkedId(this.store.db, channel.id, original.message.id, copy.message.id);
      original.message.linkedId = copy.message.id;
    }
  }

  /**
   * The comments under broadcast posts that have a copy in the discussion group: messageReplies with the
   * thread's size, newest id and last repliers (by post id). Empty for other channels.
   */
  private async commentsOf(channel: ChannelRecord, rows: readonly ChannelMessage[]): Promise<Map<number, Obj<'messageReplies'>>> {
    const out = new Map<number, Obj<'messageReplies'>>();
    const groupId = channel.linkedChatId;
    const linked = rows.filter((m) => m.linkedId != null);
    if (!isBroadcast(channel) || groupId == null || linked.length === 0) return out;
    const group = await this.store.channel(groupId);
    if (!group || (group.flags & CHANNEL_DELETED) !== 0) return out;
    const stats = await this.store.threadStats(groupId, linked.map((m) => m.linkedId!));
    for (const m of linked) {
      const s = stats.get(m.linkedId!);
      const recent = s ? await this.store.recentRepliers(groupId, m.linkedId!, RECENT_REPLIERS) : [];
      out.set(m.id, {
        _: 'messageReplies',
        comments: true,
        replies: s?.count ?? 0,
        repliesPts: group.pts,
        recentRepliers: recent.length > 0 ? recent.map((userId) => ({ _: 'peerUser', userId })) : undefined,
        channelId: groupId,
        maxId: s?.maxId,
      });
    }
    return out;
  }

  /** Posts as `viewer` sees them, with their comments, and the users those name (recent repliers). */
  private async postsTl(viewer: bigint, channel: ChannelRecord, rows: readonly ChannelMessage[]): Promise<{ messages: TlType<'Message'>[]; userIds: bigint[] }> {
    const comments = await this.commentsOf(channel, rows);
    const userIds = [...comments.values()].flatMap((r) => (r.recentRepliers ?? []).flatMap((p) => (p._ === 'peerUser' ? [p.userId] : [])));
    return { messages: rows.map((m) => this.deps.views.messageTl(viewer, channel, m, comments.get(m.id))), userIds };
  }

  /**
   * Pushes updates built per member (their own view of the messages and of the channel) to the members
   * online now; the calling session gets the RPC result instead. In large channels the authors travel as
   * `min` users (core.telegram.org/api/min), built once per push rather than once per recipient (clients
   * fetch the full user with getChannelDifference when they need it); an author's own devices get their
   * full self. Smaller channels get each recipient's full view of the authors.
   */
  /**
   * The members with a live connection: on one node those this node holds; with several nodes those the route
   * map names on any node (members online elsewhere get the push through their node).
   */
  private async onlineMembers(channelId: bigint, participantsCount: number): Promise<Awaited<ReturnType<ChannelStore['activeMembers']>>> {
    const { onlineAmong } = this.deps.push;
    if (onlineAmong) {
      const members = await this.store.activeMembers(channelId);
      const online = await onlineAmong.call(this.deps.push, members.map((p) => p.userId));
      return members.filter((p) => online.has(p.userId));
    }
    const candidates = [...this.online];
    const members = candidates.length <= participantsCount ? await this.store.activeAmong(channelId, candidates) : (await this.store.activeMembers(channelId)).filter((p) => this.online.has(p.userId));
    return members.filter((p) => this.deps.push.isOnline(p.userId));
  }

  private async pushToMembers(channelId: bigint, build: (viewer: bigint, channel: ChannelRecord) => TlType<'Update'>[], messages: readonly ChannelMessage[], caller?: Caller, extraChats: readonly ChannelRecord[] = []): Promise<void> {
    const channel = await this.store.channel(channelId);
    if (!channel) return;
    await this.deps.views.prepare([channel]);
    const recipients = await this.onlineMembers(channelId, channel.participantsCount);
    if (recipients.length === 0) return;
    const authorIds = new Set<bigint>();
    for (const m of messages) userIdsOf(asMessageRow(m, 0n), authorIds);
    const selves = new Map<bigint, TlType<'User'>>();
    for (const id of authorIds) {
      const self = (await this.deps.userViews.many(id, [id]))[0];
      if (self) selves.set(id, self);
    }
    const large = channel.participantsCount > MIN_USERS_ABOVE;
    const mins = new Map([...selves].map(([id, u]) => [id, minUser(u)]));
    const events: SyncEvent[] = [];
    const date = this.seconds();
    for (const me of recipients) {
      const userId = me.userId;
      const users = large ? [...authorIds].flatMap((id) => (id === userId ? (selves.get(id) ?? []) : (mins.get(id) ?? []))) : await this.deps.userViews.many(userId, [...authorIds]);
      events.push({
        userId,
        updates: updatesContainer(build(userId, channel), users, date, [this.deps.views.channelTl(userId, channel, me), ...extraChats.map((c) => this.deps.views.channelTl(userId, c, undefined))]),
        except: userId === caller?.userId ? caller.session : undefined,
      });
    }
    await this.deps.sync.publish(events);
  }

  /** The answer to a post: updateMessageID and updateNewChannelMessage per message. */
  async postAnswer(caller: Caller, channelId: bigint, posted: readonly PostedMessage[]): Promise<Obj<'updates'>> {
    const channel = (await this.store.channel(channelId))!;
    const updates: TlType<'Update'>[] = [];
    const comments = await this.commentsOf(channel, posted.map((p) => p.message));
    for (const p of posted) {
      updates.push({ _: 'updateMessageID', id: p.message.id, randomId: p.randomId });
      updates.push({ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, channel, p.message, comments.get(p.message.id)), pts: p.pts, ptsCount: 1 });
    }
    const me = await this.store.participant(channelId, caller.userId);
    return updatesContainer(updates, await this.usersOf(caller.userId, posted.map((p) => p.message)), this.seconds(), [this.deps.views.channelTl(caller.userId, channel, me)]);
  }

  async edit(caller: Caller, input: TlType<'InputChannel'> | TlType<'InputPeer'>, id: number, text: string, entities: TlType<'MessageEntity'>[] | undefined): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    const existing = (await this.store.messages(channel.id, [id])).get(id);
    if (!existing || existing.flags & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    if (!mayEdit(channel, member, existing.authorId)) throw new RpcError(403, 'MESSAGE_AUTHOR_REQUIRED');
    if (existing.message === text && (existing.entities === null) === !entities?.length) throw RpcError.badRequest('MESSAGE_NOT_MODIFIED');
    const date = this.seconds();
    const { pts, edited } = await this.storeEdit(caller, channel.id, existing, text, entities);
    await this.logAction(channel.id, caller.userId, 'edit', { _: 'channelAdminLogEventActionEditMessage', prevMessage: this.deps.views.messageTl(caller.userId, channel, existing), newMessage: this.deps.views.messageTl(caller.userId, channel, edited) });
    // The post's copy in the discussion group says the same (as Telegram keeps it).
    if (isBroadcast(channel) && channel.linkedChatId != null && existing.linkedId != null) {
      const copy = (await this.store.messages(channel.linkedChatId, [existing.linkedId])).get(existing.linkedId);
      if (copy) await this.storeEdit(caller, channel.linkedChatId, copy, text, entities);
    }
    const fresh = (await this.store.channel(channel.id))!;
    const comments = await this.commentsOf(fresh, [edited]);
    return updatesContainer(
      [{ _: 'updateEditChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, edited, comments.get(edited.id)), pts, ptsCount: 1 }],
      await this.usersOf(caller.userId, [edited]),
      date,
      [this.deps.views.channelTl(caller.userId, fresh, member)],
    );
  }

  /** Rewrites a message's text (one pts event) and pushes the edit to the members online. */
  private async storeEdit(caller: Caller, channelId: bigint, existing: ChannelMessage, text: string, entities: TlType<'MessageEntity'>[] | undefined): Promise<{ pts: number; edited: ChannelMessage }> {
    const date = this.seconds();
    const pts = await retryOnConflict(() =>
      this.store.db.transaction().execute(async (tx) => {
        const locked = (await this.store.lockChannel(tx, channelId))!;
        await this.store.editMessage(tx, channelId, existing.id, { message: text, entities: encodeTlList(entities), editDate: date, media: existing.media });
        await this.store.appendUpdate(tx, channelId, { pts: locked.pts + 1, ptsCount: 1, date, kind: UPDATE_EDIT, ids: [existing.id] });
        return locked.pts + 1;
      }),
    );
    const edited = (await this.store.messages(channelId, [existing.id])).get(existing.id)!;
    const channel = (await this.store.channel(channelId))!;
    const comments = await this.commentsOf(channel, [edited]);
    await this.pushToMembers(channelId, (viewer, c) => [{ _: 'updateEditChannelMessage', message: this.deps.views.messageTl(viewer, c, edited, comments.get(edited.id)), pts, ptsCount: 1 }], [edited], caller, await this.sourceChannels([edited]));
    return { pts, edited };
  }

  /**
   * messages.updatePinnedMessage in a channel: broadcast admins with edit_messages, supergroup admins with
   * pin_messages, members unless the default rights forbid it. A pts event (updatePinnedChannelMessages);
   * pinning also posts messageActionPinMessage unless silent.
   */
  async pin(caller: Caller, input: TlType<'InputPeer'>, id: number, opts: { unpin: boolean; silent: boolean }): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    const rights = adminRightsOf(member);
    const may = isBroadcast(channel) ? hasAdminRight(rights, 'editMessages') : hasAdminRight(rights, 'pinMessages') || (member.role !== ROLE_BANNED && !isBanned(channel.defaultBanned, 'pinMessages'));
    if (!may) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const target = (await this.store.messages(channel.id, [id])).get(id);
    if (!target || target.flags & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    const pinned = !opts.unpin;
    const updates: TlType<'Update'>[] = [];
    if (((target.flags & POST_PINNED) !== 0) !== pinned) {
      const date = this.seconds();
      const pts = await retryOnConflict(() =>
        this.store.db.transaction().execute(async (tx) => {
          const locked = (await this.store.lockChannel(tx, channel.id))!;
          await this.store.setPinned(tx, channel.id, [id], pinned);
          await this.store.appendUpdate(tx, channel.id, { pts: locked.pts + 1, ptsCount: 1, date, kind: pinned ? UPDATE_PIN : UPDATE_UNPIN, ids: [id] });
          return locked.pts + 1;
        }),
      );
      const update: TlType<'Update'> = { _: 'updatePinnedChannelMessages', pinned: pinned || undefined, channelId: channel.id, messages: [id], pts, ptsCount: 1 };
      updates.push(update);
      await this.pushToMembers(channel.id, () => [update], [], caller);
      if (isAdmin(member)) await this.logAction(channel.id, caller.userId, 'pinned', { _: 'channelAdminLogEventActionUpdatePinned', message: this.deps.views.messageTl(caller.userId, channel, { ...target, flags: pinned ? target.flags | POST_PINNED : target.flags & ~POST_PINNED }) });
    }
    if (pinned && !opts.silent) {
      const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', replyToId: id, action: { _: 'messageActionPinMessage' } }], { service: true });
      const fresh = (await this.store.channel(channel.id))!;
      updates.push({ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 });
    }
    return this.answerWith(caller.userId, channel.id, updates, [caller.userId]);
  }

  /** Posts of a channel the viewer may read, by id (forwarding out of a channel); MESSAGE_ID_INVALID for a missing one. */
  async readablePosts(viewer: bigint, input: TlType<'InputPeer'>, ids: readonly number[]): Promise<{ channel: ChannelRecord; posts: ChannelMessage[] }> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const found = await this.store.messages(channel.id, ids);
    return {
      channel,
      posts: ids.map((id) => {
        const m = found.get(id);
        if (!m) throw RpcError.badRequest('MESSAGE_ID_INVALID');
        return m;
      }),
    };
  }

  /** channels.deleteMessages: the caller's own posts, or anyone's with delete_messages. */
  async deleteMessages(caller: Caller, input: TlType<'InputChannel'>, ids: readonly number[]): Promise<{ pts: number; ptsCount: number }> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    const found = await this.store.messages(channel.id, ids);
    for (const m of found.values()) if (!mayDelete(member, m.authorId)) throw new RpcError(403, 'MESSAGE_DELETE_FORBIDDEN');
    const gone = [...found.keys()].sort((a, b) => a - b);
    if (gone.length === 0) return { pts: channel.pts, ptsCount: 0 };
    const date = this.seconds();
    const pts = await retryOnConflict(() =>
      this.store.db.transaction().execute(async (tx) => {
        const locked = (await this.store.lockChannel(tx, channel.id))!;
        await this.store.deleteMessages(tx, channel.id, gone);
        const next = locked.pts + gone.length;
        await this.store.appendUpdate(tx, channel.id, { pts: next, ptsCount: gone.length, date, kind: UPDATE_DELETE, ids: gone });
        return next;
      }),
    );
    for (const m of found.values()) {
      if (m.authorId !== caller.userId) await this.logAction(channel.id, caller.userId, 'delete', { _: 'channelAdminLogEventActionDeleteMessage', message: this.deps.views.messageTl(caller.userId, channel, m) });
    }
    await this.pushToMembers(channel.id, () => [{ _: 'updateDeleteChannelMessages', channelId: channel.id, messages: gone, pts, ptsCount: gone.length }], [], caller);
    return { pts, ptsCount: gone.length };
  }

  /** channels.readHistory: the member's inbox read state; authors learn their outbox was read. */
  async readHistory(caller: Caller, input: TlType<'InputChannel'>, maxId: number): Promise<void> {
    const { channel, me } = await this.access(caller.userId, input);
    const member = requireMember(me);
    const upTo = maxId <= 0 || maxId > channel.topMessage ? channel.topMessage : maxId;
    if (upTo <= member.readInboxMaxId) return;
    await this.store.setReadInbox(this.store.db, channel.id, caller.userId, upTo);
    const still = await this.store.unreadCount(channel.id, caller.userId, upTo);
    const events: SyncEvent[] = [];
    const date = this.seconds();
    if (this.deps.push.isOnline(caller.userId)) {
      events.push({ userId: caller.userId, updates: updatesContainer([{ _: 'updateReadChannelInbox', channelId: channel.id, maxId: upTo, stillUnreadCount: still, pts: channel.pts }], [], date), except: caller.session });
    }
    if (upTo > channel.readMaxId) {
      await this.store.updateChannel(this.store.db, channel.id, { readMaxId: upTo });
      const authors = (await this.store.authorsBetween(channel.id, channel.readMaxId, upTo)).filter((a) => a !== caller.userId && this.deps.push.isOnline(a));
      for (const a of authors) events.push({ userId: a, updates: updatesContainer([{ _: 'updateReadChannelOutbox', channelId: channel.id, maxId: upTo }], [], date) });
    }
    await this.deps.sync.publish(events);
  }

  // --- Reading -------------------------------------------------------------------------------------

  async history(viewer: bigint, input: TlType<'InputPeer'>, q: HistoryQuery, hash: bigint): Promise<Res<'messages.getHistory'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const limit = effectiveLimit(q.limit);
    const plan = historyPlan(q, limit);
    const minId = Math.max(q.minId, hiddenBelow(channel, me));
    const byId = q.offsetId > 0;
    const byDate = !byId && q.offsetDate > 0;
    let newer: ChannelMessage[] = [];
    if (plan.newer > 0 && (byId || byDate)) {
      newer = (await this.store.window(channel.id, { atOrAbove: byId ? q.offsetId : undefined, sinceDate: byDate ? q.offsetDate : undefined, maxId: q.maxId, minId, skip: 0, limit: plan.newer, ascending: true })).reverse().slice(0, limit);
    }
    let older: ChannelMessage[] = [];
    if (plan.older > 0) {
      older = await this.store.window(channel.id, { below: byId ? q.offsetId : undefined, beforeDate: byDate ? q.offsetDate : undefined, maxId: q.maxId, minId, skip: plan.skipOlder, limit: plan.older, ascending: false });
    }
    const rows = [...newer, ...older];
    const count = (await this.store.messageCount(channel.id)) - (minId > 0 ? await this.store.messageCountUpTo(channel.id, minId) : 0);
    if (hash !== 0n && listHash(rows.map((r) => r.id)) === hash) return { _: 'messages.messagesNotModified', count };
    const shown = await this.postsTl(viewer, channel, rows);
    return {
      _: 'messages.channelMessages',
      pts: channel.pts,
      count,
      messages: shown.messages,
      topics: [],
      chats: [this.deps.views.channelTl(viewer, channel, me), ...(await this.sourceChannelsTl(viewer, rows))],
      users: await this.usersOf(viewer, rows, shown.userIds),
    };
  }

  /**
   * messages.search in a channel: by text, author, dates and ids, pinned posts, and the media filters private
   * chats have (photos, videos, documents, links, GIFs, voice, music, round videos, ...). Mentions are not
   * tracked per member in channels: that filter answers INPUT_FILTER_INVALID rather than an incomplete list.
   */
  async search(viewer: bigint, input: TlType<'InputPeer'>, q: { text: string; filter: TlType<'MessagesFilter'>; fromId?: bigint; minDate: number; maxDate: number; offsetId: number; limit: number; maxId: number; minId: number }): Promise<Res<'messages.search'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    if (q.filter._ === 'inputMessagesFilterMyMentions') throw RpcError.badRequest('INPUT_FILTER_INVALID');
    const kinds = kindsOfFilter(q.filter);
    const limit = effectiveLimit(q.limit);
    const chats = [this.deps.views.channelTl(viewer, channel, me)];
    // A filter no post can match (chat photos, calls): a true empty answer.
    if (kinds === 0) return { _: 'messages.channelMessages', pts: channel.pts, count: 0, messages: [], topics: [], chats, users: [] };
    const { rows, count } = await this.store.search(channel.id, {
      text: q.text.trim(),
      authorId: q.fromId,
      minDate: q.minDate,
      maxDate: q.maxDate,
      belowId: q.offsetId,
      maxId: q.maxId,
      minId: Math.max(q.minId, hiddenBelow(channel, me)),
      pinnedOnly: q.filter._ === 'inputMessagesFilterPinned',
      kinds,
      limit,
    });
    return { _: 'messages.channelMessages', pts: channel.pts, count, messages: rows.map((m) => this.deps.views.messageTl(viewer, channel, m)), topics: [], chats: [this.deps.views.channelTl(viewer, channel, me)], users: await this.usersOf(viewer, rows) };
  }

  /** channels.getMessages: in request order, messageEmpty for ids the channel does not have. */
  async messages(viewer: bigint, input: TlType<'InputChannel'>, inputs: readonly TlType<'InputMessage'>[]): Promise<Res<'channels.getMessages'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const direct = inputs.flatMap((i) => (i._ === 'inputMessageID' || i._ === 'inputMessageReplyTo' ? [i.id] : []));
    const floor = hiddenBelow(channel, me);
    const visible = (all: Map<number, ChannelMessage>) => new Map([...all].filter(([id]) => id > floor));
    const found = visible(await this.store.messages(channel.id, direct));
    const replyIds = inputs.flatMap((i) => (i._ === 'inputMessageReplyTo' ? [found.get(i.id)?.replyToId] : [])).filter((id): id is number => typeof id === 'number');
    const replies = visible(await this.store.messages(channel.id, replyIds));
    const rows: ChannelMessage[] = [];
    const comments = await this.commentsOf(channel, [...found.values(), ...replies.values()]);
    const messages = inputs.map((i): TlType<'Message'> => {
      let m: ChannelMessage | undefined;
      if (i._ === 'inputMessageID') m = found.get(i.id);
      else if (i._ === 'inputMessageReplyTo') {
        const r = found.get(i.id)?.replyToId;
        m = r != null ? replies.get(r) : undefined;
      }
      if (!m) return { _: 'messageEmpty', id: 'id' in i ? i.id : 0 };
      rows.push(m);
      return this.deps.views.messageTl(viewer, channel, m, comments.get(m.id));
    });
    const repliers = [...comments.values()].flatMap((r) => (r.recentRepliers ?? []).flatMap((p) => (p._ === 'peerUser' ? [p.userId] : [])));
    return { _: 'messages.channelMessages', pts: channel.pts, count: rows.length, messages, topics: [], chats: [this.deps.views.channelTl(viewer, channel, me)], users: await this.usersOf(viewer, rows, repliers) };
  }

  /**
   * updates.getChannelDifference (core.telegram.org/api/updates#channel-difference): the log after `pts`.
   * More posts pending than `limit` (at most 100): channelDifferenceTooLong with the member's dialog and
   * the newest `limit` posts. Otherwise at most `limit` log entries, final once the channel's pts is reached.
   */
  async difference(viewer: bigint, input: TlType<'InputChannel'>, pts: number, requestedLimit: number): Promise<Res<'updates.getChannelDifference'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    if (pts <= 0) throw RpcError.badRequest('PERSISTENT_TIMESTAMP_EMPTY');
    if (pts > channel.pts) throw RpcError.badRequest('PERSISTENT_TIMESTAMP_INVALID');
    const limit = Math.max(1, Math.min(requestedLimit > 0 ? requestedLimit : MAX_DIFFERENCE_LIMIT, this.deps.maxDifferenceLimit ?? MAX_DIFFERENCE_LIMIT));
    if (pts === channel.pts) return { _: 'updates.channelDifferenceEmpty', final: true, pts, timeout: DIFFERENCE_TIMEOUT };
    const pendingPosts = await this.store.newMessagesAfter(channel.id, pts);
    if (pendingPosts > limit) {
      const latest = await this.store.window(channel.id, { maxId: 0, minId: hiddenBelow(channel, me), skip: 0, limit, ascending: false });
      const unread = isActiveMember(me) ? await this.store.unreadCount(channel.id, viewer, me.readInboxMaxId) : 0;
      const dialog = isActiveMember(me) ? channelDialogTl(channel, me, unread) : { ...channelDialogTl(channel, { ...nonMember(channel.id, viewer) }, 0) };
      if (latest[0]) dialog.topMessage = latest[0].id;
      return {
        _: 'updates.channelDifferenceTooLong',
        final: true,
        timeout: DIFFERENCE_TIMEOUT,
        dialog,
        messages: (await this.postsTl(viewer, channel, latest)).messages,
        chats: [this.deps.views.channelTl(viewer, channel, me), ...(await this.sourceChannelsTl(viewer, latest))],
        users: await this.usersOf(viewer, latest),
      };
    }
    const entries = await this.store.updatesAfter(channel.id, pts, limit);
    const last = entries[entries.length - 1]!;
    const ids = entries.flatMap((e) => (e.kind === UPDATE_DELETE ? [] : e.ids));
    const floor = hiddenBelow(channel, me);
    const current = new Map([...(await this.store.messages(channel.id, ids))].filter(([id]) => id > floor));
    const newIds = new Set(entries.flatMap((e) => (e.kind === UPDATE_NEW ? e.ids : [])));
    const comments = await this.commentsOf(channel, [...current.values()]);
    const newMessages: TlType<'Message'>[] = [];
    const otherUpdates: TlType<'Update'>[] = [];
    const shown: ChannelMessage[] = [];
    for (const e of entries) {
      if (e.kind === UPDATE_NEW) {
        const m = current.get(e.ids[0]!);
        if (m) {
          newMessages.push(this.deps.views.messageTl(viewer, channel, m, comments.get(m.id)));
          shown.push(m);
        }
      } else if (e.kind === UPDATE_EDIT) {
        // A post both new and edited in this range is shown once, as it is now.
        const m = current.get(e.ids[0]!);
        if (m && !newIds.has(m.id)) {
          otherUpdates.push({ _: 'updateEditChannelMessage', message: this.deps.views.messageTl(viewer, channel, m), pts: e.pts, ptsCount: e.ptsCount });
          shown.push(m);
        }
      } else if (e.kind === UPDATE_PIN || e.kind === UPDATE_UNPIN) {
        otherUpdates.push({ _: 'updatePinnedChannelMessages', pinned: e.kind === UPDATE_PIN || undefined, channelId: channel.id, messages: e.ids, pts: e.pts, ptsCount: e.ptsCount });
      } else {
        otherUpdates.push({ _: 'updateDeleteChannelMessages', channelId: channel.id, messages: e.ids, pts: e.pts, ptsCount: e.ptsCount });
      }
    }
    return {
      _: 'updates.channelDifference',
      final: last.pts >= channel.pts || undefined,
      pts: last.pts,
      timeout: DIFFERENCE_TIMEOUT,
      newMessages,
      otherUpdates,
      chats: [this.deps.views.channelTl(viewer, channel, me), ...(await this.sourceChannelsTl(viewer, shown))],
      users: await this.usersOf(viewer, shown),
    };
  }

  /**
   * updates.getDifference's part for channels (core.telegram.org/api/updates#subscribing-to-channel-updates):
   * the channels the user is in that got posts after `date` (the client's state), each as
   * updateChannelTooLong with the channel's pts as of that date, so the client catches up with
   * getChannelDifference from there. `date` is the newest such post's date (the state the client keeps).
   */
  async changedSince(viewer: bigint, date: number): Promise<{ updates: TlType<'Update'>[]; chats: TlType<'Chat'>[]; date: number }> {
    if (date <= 0) return { updates: [], chats: [], date };
    const changed = (await this.dialogs(viewer)).filter((d) => d.channel.topDate > date).slice(0, MAX_CHANNELS_TOO_LONG);
    const updates: TlType<'Update'>[] = [];
    let newest = date;
    for (const { channel } of changed) {
      const pts = await this.store.ptsAt(channel.id, date);
      updates.push({ _: 'updateChannelTooLong', channelId: channel.id, pts: pts > 0 ? pts : undefined });
      newest = Math.max(newest, channel.topDate);
    }
    return { updates, chats: changed.map((d) => this.deps.views.channelTl(viewer, d.channel, d.me)), date: newest };
  }

  /** channels.getFullChannel. */
  async fullChannel(viewer: bigint, input: TlType<'InputChannel'>): Promise<Obj<'messages.chatFull'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const active = isActiveMember(me);
    const rights = adminRightsOf(me);
    const [admins, kicked, banned] = await Promise.all([
      this.store.participants(channel.id, { roles: [ROLE_ADMIN, ROLE_CREATOR], activeOnly: true, offset: 0, limit: 1 }),
      this.store.bannedParticipants(channel.id, true),
      this.store.bannedParticipants(channel.id, false),
    ]);
    const unread = active ? await this.store.unreadCount(channel.id, viewer, me.readInboxMaxId) : 0;
    const canSeeMembers = isMegagroup(channel) || hasAdminRight(rights, 'other') || rights !== 0;
    const pending = hasAdminRight(rights, 'inviteUsers') ? await this.pendingSummary(channel.id) : undefined;
    const full: Obj<'channelFull'> = {
      _: 'channelFull',
      canViewParticipants: canSeeMembers || undefined,
      canSetUsername: hasAdminRight(rights, 'changeInfo') || undefined,
      canDeleteChannel: (active && me.role === ROLE_CREATOR) || undefined,
      id: channel.id,
      about: channel.about,
      participantsCount: channel.participantsCount,
      adminsCount: admins.count,
      kickedCount: rights !== 0 ? kicked.length : undefined,
      bannedCount: rights !== 0 ? banned.length : undefined,
      readInboxMaxId: active ? me.readInboxMaxId : channel.topMessage,
      readOutboxMaxId: channel.readMaxId,
      unreadCount: unread,
      chatPhoto: (await this.photoObject(channel.photoId)) ?? { _: 'photoEmpty', id: 0n },
      notifySettings: { _: 'peerNotifySettings' },
      botInfo: [],
      slowmodeSeconds: channel.slowmodeSeconds > 0 ? channel.slowmodeSeconds : undefined,
      pinnedMsgId: (await this.store.pinnedMax(channel.id)) || undefined,
      hiddenPrehistory: (channel.flags & CHANNEL_PREHISTORY_HIDDEN) !== 0 || undefined,
      availableMinId: hiddenBelow(channel, me) || undefined,
      migratedFromChatId: channel.migratedFromChatId ?? undefined,
      migratedFromMaxId: channel.migratedFromChatId !== null ? ((await this.deps.chatMaxId?.(viewer, channel.migratedFromChatId)) ?? 0) : undefined,
      slowmodeNextSendDate: active && channel.slowmodeSeconds > 0 && me.lastPostDate + channel.slowmodeSeconds > this.seconds() ? me.lastPostDate + channel.slowmodeSeconds : undefined,
      pts: channel.pts,
      linkedChatId: channel.linkedChatId ?? undefined,
      requestsPending: pending && pending.count > 0 ? pending.count : undefined,
      recentRequesters: pending && pending.count > 0 ? pending.recent : undefined,
    };
    const users = pending && pending.recent.length > 0 ? await this.deps.userViews.many(viewer, pending.recent) : [];
    // The linked channel or discussion group travels along (clients show it from linked_chat_id).
    const linked = channel.linkedChatId != null ? await this.channelViews(viewer, [channel.linkedChatId]) : [];
    return { _: 'messages.chatFull', fullChat: full, chats: [this.deps.views.channelTl(viewer, channel, me), ...linked], users };
  }

  // --- Dialogs -------------------------------------------------------------------------------------

  /** The viewer's channel dialogs (every channel they are in), newest first, with top messages. */
  async dialogs(viewer: bigint): Promise<ChannelDialog[]> {
    const mine = await this.store.activeMemberships(viewer);
    if (mine.length === 0) return [];
    const channels = await this.store.channels(mine.map((p) => p.channelId));
    await this.deps.views.prepare([...channels.values()]);
    const out: ChannelDialog[] = [];
    for (const p of mine) {
      const c = channels.get(p.channelId);
      if (!c || (c.flags & CHANNEL_DELETED) !== 0) continue;
      out.push({ channel: c, me: p });
    }
    return out.sort((a, b) => b.channel.topDate - a.channel.topDate || (a.channel.id < b.channel.id ? 1 : -1));
  }

  /** The TL of channel dialogs: dialog objects, their top messages, chats and users. */
  async dialogsPayload(viewer: bigint, list: readonly ChannelDialog[]): Promise<{ dialogs: Obj<'dialog'>[]; messages: TlType<'Message'>[]; chats: TlType<'Chat'>[]; users: TlType<'User'>[] }> {
    const latest = await Promise.all(list.map((d) => this.store.window(d.channel.id, { maxId: 0, minId: 0, skip: 0, limit: 1, ascending: false })));
    const dialogs: Obj<'dialog'>[] = [];
    const messages: TlType<'Message'>[] = [];
    const shown: ChannelMessage[] = [];
    for (let i = 0; i < list.length; i++) {
      const { channel, me } = list[i]!;
      const top = latest[i]![0];
      const unread = await this.store.unreadCount(channel.id, viewer, me.readInboxMaxId);
      const d = channelDialogTl(channel, me, unread);
      d.topMessage = top?.id ?? 0;
      dialogs.push(d);
      if (top) {
        messages.push(this.deps.views.messageTl(viewer, channel, top));
        shown.push(top);
      }
    }
    return { dialogs, messages, chats: list.map((d) => this.deps.views.channelTl(viewer, d.channel, d.me)), users: await this.usersOf(viewer, shown) };
  }

  /** The viewer's dialogs of these channels (those they are in), in no particular order. */
  async dialogsByIds(viewer: bigint, ids: readonly bigint[]): Promise<ChannelDialog[]> {
    const [channels, mine] = await Promise.all([this.store.channels(ids), this.store.memberships(viewer, ids)]);
    await this.deps.views.prepare([...channels.values()]);
    return [...mine.values()].flatMap((me) => {
      const channel = channels.get(me.channelId);
      return channel && isActiveMember(me) && (channel.flags & CHANNEL_DELETED) === 0 ? [{ channel, me }] : [];
    });
  }

  /** Unread posts over all the viewer's channels (their part of updates.state.unread_count). */
  async unreadTotal(viewer: bigint): Promise<number> {
    return this.store.unreadTotal(viewer);
  }

  /** One member's dialog of a channel (messages.getPeerDialogs). */
  async dialogOf(viewer: bigint, input: TlType<'InputPeer'>): Promise<ChannelDialog> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    return { channel, me: isActiveMember(me) ? me : nonMember(channel.id, viewer) };
  }

  // --- Participants and rights --------------------------------------------------------------------

  async participants(viewer: bigint, input: TlType<'InputChannel'>, filter: TlType<'ChannelParticipantsFilter'>, offset: number, limit: number, hash: bigint): Promise<Res<'channels.getParticipants'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const rights = adminRightsOf(me);
    if (isBroadcast(channel) && rights === 0) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const take = Math.max(0, Math.min(limit, 200));
    const from = Math.max(0, offset);
    let rows: ChannelParticipantRecord[];
    let count: number;
    const q = 'q' in filter && typeof filter.q === 'string' ? filter.q.trim() : '';
    const byName = q !== '' ? await this.store.matchingParticipants(channel.id, q) : undefined;
    switch (filter._) {
      case 'channelParticipantsAdmins':
        ({ rows, count } = await this.store.participants(channel.id, { roles: [ROLE_CREATOR, ROLE_ADMIN], activeOnly: true, offset: from, limit: take }));
        break;
      case 'channelParticipantsKicked':
      case 'channelParticipantsBanned': {
        if (!hasAdminRight(rights, 'banUsers')) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
        let all = await this.store.bannedParticipants(channel.id, filter._ === 'channelParticipantsKicked');
        if (byName) all = all.filter((p) => byName.includes(p.userId));
        count = all.length;
        rows = all.slice(from, from + take);
        break;
      }
      case 'channelParticipantsRecent':
      case 'channelParticipantsSearch':
      case 'channelParticipantsContacts':
      case 'channelParticipantsMentions':
        ({ rows, count } = await this.store.participants(channel.id, { roles: [ROLE_CREATOR, ROLE_ADMIN, ROLE_MEMBER, ROLE_BANNED], activeOnly: true, userIds: byName, offset: from, limit: take }));
        break;
      default:
        rows = [];
        count = 0;
    }
    if (hash !== 0n && listHash(rows.map((r) => r.userId)) === hash) return { _: 'channels.channelParticipantsNotModified' };
    const userIds = new Set<bigint>();
    for (const r of rows) {
      userIds.add(r.userId);
      if (r.actorId !== 0n) userIds.add(r.actorId);
    }
    return {
      _: 'channels.channelParticipants',
      count,
      participants: rows.map((r) => this.deps.views.participantTl(viewer, r)),
      chats: [],
      users: userIds.size > 0 ? await this.deps.userViews.many(viewer, [...userIds]) : [],
    };
  }

  async participant(viewer: bigint, input: TlType<'InputChannel'>, userId: bigint): Promise<Res<'channels.getParticipant'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const p = await this.store.participant(channel.id, userId);
    if (!p || p.role === ROLE_LEFT) throw RpcError.badRequest('USER_NOT_PARTICIPANT');
    const ids = [p.userId, ...(p.actorId !== 0n ? [p.actorId] : [])];
    return { _: 'channels.channelParticipant', participant: this.deps.views.participantTl(viewer, p), chats: [], users: await this.deps.userViews.many(viewer, ids) };
  }

  /** channels.editAdmin: promote, change or demote (empty rights) an admin. */
  async editAdmin(caller: Caller, input: TlType<'InputChannel'>, userId: bigint, rightsTl: TlType<'ChatAdminRights'>, rank: string | undefined): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const target = await this.store.participant(channel.id, userId);
    const rights = adminRightsFromTl(rightsTl);
    requirePromote(me, target, rights);
    if (!isActiveMember(target)) throw RpcError.badRequest('USER_NOT_PARTICIPANT');
    const date = this.seconds();
    const next: ChannelParticipantRecord = rights === 0 ? { ...target, role: ROLE_MEMBER, adminRights: 0, actorId: 0n, rank: null } : { ...target, role: ROLE_ADMIN, adminRights: rights, actorId: caller.userId, rank: rank ?? null, bannedRights: 0, bannedUntil: 0, date: target.role === ROLE_ADMIN ? target.date : date };
    await this.store.putParticipant(this.store.db, next, true);
    await this.logAction(channel.id, caller.userId, rights === 0 ? 'demote' : 'promote', { _: 'channelAdminLogEventActionParticipantToggleAdmin', prevParticipant: this.deps.views.participantTl(caller.userId, target), newParticipant: this.deps.views.participantTl(caller.userId, next) });
    await this.pushUpdateChannel(channel.id, [userId]);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }], [userId]);
  }

  /** channels.editBanned: restrict (send rights), kick (view_messages) or lift (no rights). */
  async editBanned(caller: Caller, input: TlType<'InputChannel'>, userId: bigint, rightsTl: TlType<'ChatBannedRights'>): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    const target = await this.store.participant(channel.id, userId);
    requireBan(me, target);
    const bits = bannedFromTl(rightsTl);
    const until = rightsTl.untilDate > 0 && rightsTl.untilDate < 2147483647 ? rightsTl.untilDate : 0;
    const wasActive = isActiveMember(target);
    const date = this.seconds();
    let next: ChannelParticipantRecord;
    let active: boolean;
    if (bits === 0) {
      if (!target || target.role !== ROLE_BANNED) return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }], [userId]);
      active = wasActive;
      next = { ...target, role: wasActive ? ROLE_MEMBER : ROLE_LEFT, bannedRights: 0, bannedUntil: 0, actorId: 0n };
    } else {
      const kicked = isBanned(bits, 'viewMessages');
      active = !kicked && wasActive;
      const base = target ?? { channelId: channel.id, userId, role: ROLE_LEFT, adminRights: 0, bannedRights: 0, bannedUntil: 0, inviterId: caller.userId, actorId: 0n, rank: null, date, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 };
      next = { ...base, role: ROLE_BANNED, adminRights: 0, bannedRights: bits, bannedUntil: until, actorId: caller.userId, date };
    }
    await this.store.db.transaction().execute(async (tx) => {
      await this.store.putParticipant(tx, next, active);
      await this.store.addToCount(tx, channel.id, (active ? 1 : 0) - (wasActive ? 1 : 0));
    });
    const prev = target ?? { ...next, role: ROLE_LEFT, bannedRights: 0 };
    const kind: LogKind = bits === 0 ? (isKicked(target) ? 'unkick' : 'unban') : isBanned(bits, 'viewMessages') ? 'kick' : 'ban';
    await this.logAction(channel.id, caller.userId, kind, { _: 'channelAdminLogEventActionParticipantToggleBan', prevParticipant: this.deps.views.participantTl(caller.userId, prev), newParticipant: this.deps.views.participantTl(caller.userId, next) });
    const updates: TlType<'Update'>[] = [{ _: 'updateChannel', channelId: channel.id }];
    if (wasActive && !active && isMegagroup(channel)) {
      const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', action: { _: 'messageActionChatDeleteUser', userId } }], { service: true });
      const fresh = (await this.store.channel(channel.id))!;
      updates.push({ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 });
    }
    await this.pushUpdateChannel(channel.id, [userId]);
    return this.answerWith(caller.userId, channel.id, updates, [userId]);
  }

  /** channels.getAdminedPublicChannels: the public channels the user created (those whose username they control). */
  async adminedPublic(viewer: bigint): Promise<TlType<'Chat'>[]> {
    const mine = await this.store.membershipsByRole(viewer, [ROLE_CREATOR]);
    const channels = await this.store.channels(mine.map((p) => p.channelId));
    await this.deps.views.prepare([...channels.values()]);
    return mine.flatMap((p) => {
      const c = channels.get(p.channelId);
      return c && c.username !== null && (c.flags & CHANNEL_DELETED) === 0 ? [this.deps.views.channelTl(viewer, c, p)] : [];
    });
  }

  /** channels.getLeftChannels: the channels the user left, from `offset`. */
  async leftChannels(viewer: bigint, offset: number): Promise<{ count: number; chats: TlType<'Chat'>[] }> {
    const left = await this.store.membershipsByRole(viewer, [ROLE_LEFT]);
    const channels = await this.store.channels(left.map((p) => p.channelId));
    await this.deps.views.prepare([...channels.values()]);
    const all = left.flatMap((p) => {
      const c = channels.get(p.channelId);
      return c && (c.flags & CHANNEL_DELETED) === 0 ? [this.deps.views.channelTl(viewer, c, p)] : [];
    });
    return { count: all.length, chats: all.slice(Math.max(0, offset), Math.max(0, offset) + 100) };
  }

  // --- Admin log -----------------------------------------------------------------------------------

  /** Records an admin action (channels.getAdminLog). */
  private async logAction(channelId: bigint, userId: bigint, kind: LogKind, action: TlType<'ChannelAdminLogEventAction'>): Promise<void> {
    const id = await this.deps.ids.next('channel_admin_log');
    await this.store.appendLog(this.store.db, channelId, { id, date: this.seconds(), userId, kind, action });
  }

  /** channels.getAdminLog: admins only; newest first, by kind (events filter) and acting admins. */
  async adminLog(viewer: bigint, input: TlType<'InputChannel'>, q: { query: string; filter?: Obj<'channelAdminLogEventsFilter'>; admins?: readonly bigint[]; maxId: bigint; minId: bigint; limit: number }): Promise<Obj<'channels.adminLogResults'>> {
    const { channel, me } = await this.access(viewer, input);
    if (!isAdmin(me)) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const limit = Math.max(1, Math.min(q.limit > 0 ? q.limit : 100, 100));
    let entries = await this.store.log(channel.id, { kinds: kindsOf(q.filter), userIds: q.admins, maxId: q.maxId, minId: q.minId, limit: q.query === '' ? limit : 1000 });
    if (q.query !== '') {
      const needle = q.query.toLowerCase();
      entries = entries.filter((e) => JSON.stringify(e.action, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).toLowerCase().includes(needle)).slice(0, limit);
    }
    const ids = new Set<bigint>();
    for (const e of entries) {
      ids.add(e.userId);
      logUserIds(e.action, ids);
    }
    return {
      _: 'channels.adminLogResults',
      events: entries.map((e) => ({ _: 'channelAdminLogEvent', id: e.id, date: e.date, userId: e.userId, action: e.action })),
      chats: [this.deps.views.channelTl(viewer, channel, me)],
      users: ids.size > 0 ? await this.deps.userViews.many(viewer, [...ids]) : [],
    };
  }

  // --- Invite links --------------------------------------------------------------------------------

  private async newInvite(channelId: bigint, adminId: bigint, permanent: boolean, opts: InviteOptions = {}): Promise<InviteRecord> {
    const invite: InviteRecord = { hash: newInviteHash(this.deps.random), chatId: channelId, adminId, date: this.seconds(), expireDate: opts.expireDate ?? null, usageLimit: opts.usageLimit ?? null, uses: 0, revoked: false, permanent, title: opts.title ?? null, requestNeeded: opts.requestNeeded === true };
    await this.store.insertInvite(this.store.db, invite);
    return invite;
  }

  /** messages.exportChatInvite for a channel: admins with invite_users; the permanent link, or an additional one with options. */
  async exportInvite(caller: Caller, input: TlType<'InputPeer'>, opts: InviteOptions): Promise<Obj<'chatInviteExported'>> {
    const { channel, me } = await this.access(caller.userId, input);
    requireAdminRight(me, 'inviteUsers');
    // A link that needs approval admits whoever the admins approve: a usage limit makes no sense on it.
    if (opts.requestNeeded && opts.usageLimit !== undefined) throw RpcError.badRequest('USAGE_LIMIT_INVALID');
    if (opts.usageLimit !== undefined && (opts.usageLimit < 1 || opts.usageLimit > 99999)) throw RpcError.badRequest('USAGE_LIMIT_INVALID');
    if (opts.expireDate !== undefined && opts.expireDate !== 0 && opts.expireDate <= this.seconds()) throw RpcError.badRequest('EXPIRE_DATE_INVALID');
    if (opts.title !== undefined && opts.title.length > 32) throw RpcError.badRequest('INVITE_TITLE_INVALID');
    const host = this.deps.linkHost();
    if (opts.expireDate !== undefined || opts.usageLimit !== undefined || opts.title !== undefined || opts.requestNeeded) return exportedInviteTl(host, await this.newInvite(channel.id, caller.userId, false, opts));
    const current = await this.store.permanentInvite(channel.id, caller.userId);
    if (current && !opts.legacyRevokePermanent) return exportedInviteTl(host, current);
    if (current) await this.store.updateInvite(this.store.db, current.hash, { revoked: true });
    return exportedInviteTl(host, await this.newInvite(channel.id, caller.userId, true));
  }

  /** messages.checkChatInvite for a channel link: undefined when the hash is not a channel's. */
  async checkInvite(viewer: bigint, link: string): Promise<TlType<'ChatInvite'> | undefined> {
    const found = await this.store.invite(hashOfLink(link));
    if (!found) return undefined;
    const invite = requireUsable(found, this.seconds());
    const channel = await this.store.channel(invite.chatId);
    if (!channel || (channel.flags & CHANNEL_DELETED) !== 0) throw RpcError.badRequest('INVITE_HASH_INVALID');
    const me = await this.store.participant(channel.id, viewer);
    if (isKicked(me)) throw RpcError.badRequest('CHANNEL_PRIVATE');
    await this.deps.views.prepare([channel]);
    if (isActiveMember(me)) return { _: 'chatInviteAlready', chat: this.deps.views.channelTl(viewer, channel, me) };
    return {
      _: 'chatInvite',
      channel: true,
      requestNeeded: invite.requestNeeded || undefined,
      broadcast: isBroadcast(channel) || undefined,
      megagroup: isMegagroup(channel) || undefined,
      public: channel.username !== null || undefined,
      title: channel.title,
      about: channel.about !== '' ? channel.about : undefined,
      photo: { _: 'photoEmpty', id: 0n },
      participantsCount: channel.participantsCount,
      color: Number(channel.id % 7n),
    };
  }

  /** messages.importChatInvite for a channel link: undefined when the hash is not a channel's. */
  async importInvite(caller: Caller, link: string): Promise<Obj<'updates'> | undefined> {
    const hash = hashOfLink(link);
    const found = await this.store.invite(hash);
    if (!found) return undefined;
    const invite = requireUsable(found, this.seconds());
    const channel = await this.store.channel(invite.chatId);
    if (!channel || (channel.flags & CHANNEL_DELETED) !== 0) throw RpcError.badRequest('INVITE_HASH_INVALID');
    const me = await this.store.participant(channel.id, caller.userId);
    if (isKicked(me)) throw RpcError.badRequest('CHANNEL_PRIVATE');
    if (isActiveMember(me)) throw RpcError.badRequest('USER_ALREADY_PARTICIPANT');
    if (invite.requestNeeded) {
      // The request waits for an admin (hideChatJoinRequest); asking again changes nothing.
      if (await this.store.addJoinRequest(this.store.db, channel.id, caller.userId, this.seconds(), invite.hash)) await this.pushPendingRequests(channel.id);
      throw RpcError.badRequest('INVITE_REQUEST_SENT');
    }
    await retryOnConflict(() =>
      this.store.db.transaction().execute(async (tx) => {
        // Re-read inside the transaction: two joins racing for the last use of a limited link.
        const fresh = requireUsable(await this.store.invite(hash, tx), this.seconds());
        await this.store.updateInvite(tx, hash, { uses: fresh.uses + 1 });
      }),
    );
    const answer = await this.addMembers(caller, channel, [caller.userId], invite.adminId, { _: 'messageActionChatJoinedByLink', inviterId: invite.adminId });
    await this.logAction(channel.id, caller.userId, 'join', { _: 'channelAdminLogEventActionParticipantJoinByInvite', invite: exportedInviteTl(this.deps.linkHost(), invite) });
    return answer;
  }

  // --- Discussion groups (core.telegram.org/api/discussion) ------------------------------------------------

  /**
   * channels.setDiscussionGroup: links a broadcast channel and a supergroup (each names the other), or
   * unlinks the channel's group (`group` empty). Admins who may change the info of both.
   */
  async setDiscussionGroup(caller: Caller, broadcastIn: TlType<'InputChannel'>, groupIn: TlType<'InputChannel'>): Promise<void> {
    if (broadcastIn._ === 'inputChannelEmpty') throw RpcError.badRequest('BROADCAST_ID_INVALID');
    const b = await this.access(caller.userId, broadcastIn);
    if (!isBroadcast(b.channel)) throw RpcError.badRequest('BROADCAST_ID_INVALID');
    requireAdminRight(b.me, 'changeInfo');
    let group: ChannelRecord | null = null;
    if (groupIn._ !== 'inputChannelEmpty') {
      const g = await this.access(caller.userId, groupIn);
      if (!isMegagroup(g.channel)) throw RpcError.badRequest('MEGAGROUP_ID_INVALID');
      requireAdminRight(g.me, 'changeInfo');
      if ((g.channel.flags & CHANNEL_PREHISTORY_HIDDEN) !== 0) throw RpcError.badRequest('MEGAGROUP_PREHISTORY_HIDDEN');
      // Comments are threads of replies; a forum's threads are its topics.
      if (isForum(g.channel)) throw RpcError.badRequest('MEGAGROUP_ID_INVALID');
      // A group serves one channel at a time.
      if (g.channel.linkedChatId != null && g.channel.linkedChatId !== b.channel.id) throw RpcError.badRequest('MEGAGROUP_ID_INVALID');
      group = g.channel;
    }
    const prev = b.channel.linkedChatId ?? null;
    if (prev === (group?.id ?? null)) throw RpcError.badRequest('LINK_NOT_MODIFIED');
    await this.store.db.transaction().execute(async (tx) => {
      if (prev !== null) await this.store.updateChannel(tx, prev, { linkedChatId: null });
      if (group) await this.store.updateChannel(tx, group.id, { linkedChatId: b.channel.id });
      await this.store.updateChannel(tx, b.channel.id, { linkedChatId: group?.id ?? null });
      // Comments under earlier posts lived in the previous group.
      await this.store.clearLinkedIds(tx, b.channel.id);
    });
    await this.logAction(b.channel.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeLinkedChat', prevValue: prev ?? 0n, newValue: group?.id ?? 0n });
    if (prev !== null) await this.logAction(prev, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeLinkedChat', prevValue: b.channel.id, newValue: 0n });
    if (group) await this.logAction(group.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeLinkedChat', prevValue: 0n, newValue: b.channel.id });
    for (const id of [b.channel.id, prev, group?.id]) if (id != null) await this.announce(caller, id);
  }

  /** channels.getGroupsForDiscussion: the supergroups the user may link (creator, or admin who may change the info). */
  async groupsForDiscussion(viewer: bigint): Promise<TlType<'Chat'>[]> {
    const mine = (await this.store.membershipsByRole(viewer, [ROLE_CREATOR, ROLE_ADMIN])).filter((p) => isActiveMember(p) && hasAdminRight(adminRightsOf(p), 'changeInfo'));
    const channels = await this.store.channels(mine.map((p) => p.channelId));
    await this.deps.views.prepare([...channels.values()]);
    return mine.flatMap((p) => {
      const c = channels.get(p.channelId);
      return c && isMegagroup(c) && (c.flags & CHANNEL_DELETED) === 0 ? [this.deps.views.channelTl(viewer, c, p)] : [];
    });
  }

  /**
   * The thread a message names: a broadcast post's comments (its copy in the discussion group, readable by
   * whoever may read the channel), or a supergroup message's thread (the root of its replies).
   */
  private async threadOf(viewer: bigint, input: TlType<'InputPeer'>, msgId: number): Promise<{ group: ChannelRecord; me: ChannelParticipantRecord | undefined; top: number; source?: ChannelRecord }> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const m = (await this.store.messages(channel.id, [msgId])).get(msgId);
    if (!m || m.id <= hiddenBelow(channel, me)) throw RpcError.badRequest('MSG_ID_INVALID');
    if (isBroadcast(channel)) {
      if (m.linkedId == null || channel.linkedChatId == null) throw RpcError.badRequest('MSG_ID_INVALID');
      const group = await this.store.channel(channel.linkedChatId);
      if (!group || (group.flags & CHANNEL_DELETED) !== 0) throw RpcError.badRequest('MSG_ID_INVALID');
      await this.deps.views.prepare([group]);
      return { group, me: await this.store.participant(group.id, viewer), top: m.linkedId, source: channel };
    }
    return { group: channel, me, top: m.replyTopId ?? m.id };
  }

  /** messages.getReplies: the replies of a thread (comments under a post), with history's offsets and limits. */
  async replies(viewer: bigint, input: TlType<'InputPeer'>, msgId: number, q: HistoryQuery, hash: bigint): Promise<Res<'messages.getReplies'>> {
    const { group, me, top, source } = await this.threadOf(viewer, input, msgId);
    const limit = effectiveLimit(q.limit);
    const plan = historyPlan(q, limit);
    const byId = q.offsetId > 0;
    const byDate = !byId && q.offsetDate > 0;
    const minId = Math.max(q.minId, hiddenBelow(group, me));
    let newer: ChannelMessage[] = [];
    if (plan.newer > 0 && (byId || byDate)) {
      newer = (await this.store.window(group.id, { threadTop: top, atOrAbove: byId ? q.offsetId : undefined, sinceDate: byDate ? q.offsetDate : undefined, maxId: q.maxId, minId, skip: 0, limit: plan.newer, ascending: true })).reverse().slice(0, limit);
    }
    let older: ChannelMessage[] = [];
    if (plan.older > 0) {
      older = await this.store.window(group.id, { threadTop: top, below: byId ? q.offsetId : undefined, beforeDate: byDate ? q.offsetDate : undefined, maxId: q.maxId, minId, skip: plan.skipOlder, limit: plan.older, ascending: false });
    }
    const rows = [...newer, ...older];
    const count = await this.store.threadCount(group.id, top);
    if (hash !== 0n && listHash(rows.map((r) => r.id)) === hash) return { _: 'messages.messagesNotModified', count };
    const chats = [this.deps.views.channelTl(viewer, group, me), ...(await this.sourceChannelsTl(viewer, rows))];
    if (source && !chats.some((c) => c.id === source.id)) chats.push(this.deps.views.channelTl(viewer, source, await this.store.participant(source.id, viewer)));
    return { _: 'messages.channelMessages', pts: group.pts, count, messages: rows.map((m) => this.deps.views.messageTl(viewer, group, m)), topics: [], chats, users: await this.usersOf(viewer, rows) };
  }

  /** messages.getDiscussionMessage: the top of a thread (a post's copy in the discussion group) with the thread's read state. */
  async discussionMessage(viewer: bigint, input: TlType<'InputPeer'>, msgId: number): Promise<Obj<'messages.discussionMessage'>> {
    const { group, me, top, source } = await this.threadOf(viewer, input, msgId);
    const head = (await this.store.messages(group.id, [top])).get(top);
    if (!head) throw RpcError.badRequest('MSG_ID_INVALID');
    const stats = (await this.store.threadStats(group.id, [top])).get(top);
    const member = isActiveMember(me);
    const readInbox = member ? me.readInboxMaxId : undefined;
    const chats = [this.deps.views.channelTl(viewer, group, me), ...(await this.sourceChannelsTl(viewer, [head]))];
    if (source && !chats.some((c) => c.id === source.id)) chats.push(this.deps.views.channelTl(viewer, source, await this.store.participant(source.id, viewer)));
    return {
      _: 'messages.discussionMessage',
      messages: [this.deps.views.messageTl(viewer, group, head)],
      maxId: stats?.maxId,
      readInboxMaxId: readInbox,
      readOutboxMaxId: stats ? Math.min(group.readMaxId, stats.maxId) : undefined,
      unreadCount: member && stats ? await this.store.threadUnread(group.id, top, me.readInboxMaxId, viewer) : 0,
      chats,
      users: await this.usersOf(viewer, [head]),
    };
  }

  // --- Join requests (core.telegram.org/api/invites#join-requests) ---------------------------------------

  /** The admins who may approve requests (invite_users), online on this node. */
  private async requestAdmins(channelId: bigint): Promise<bigint[]> {
    const { rows } = await this.store.participants(channelId, { roles: [ROLE_CREATOR, ROLE_ADMIN], activeOnly: true, offset: 0, limit: 1000 });
    return rows.filter((p) => hasAdminRight(adminRightsOf(p), 'inviteUsers')).map((p) => p.userId);
  }

  /** The pending count and up to three most recent requesters (updatePendingJoinRequests, channelFull). */
  private async pendingSummary(channelId: bigint): Promise<{ count: number; recent: bigint[] }> {
    const [count, recent] = await Promise.all([this.store.joinRequestCount(channelId), this.store.joinRequests(channelId, { offsetDate: 0, offsetUser: 0n, limit: 3 })]);
    return { count, recent: recent.map((r) => r.userId) };
  }

  /** updatePendingJoinRequests to the admins online who may approve (and their users: the requesters). */
  private async pushPendingRequests(channelId: bigint, except?: Caller): Promise<Obj<'updatePendingJoinRequests'>> {
    const { count, recent } = await this.pendingSummary(channelId);
    const update: Obj<'updatePendingJoinRequests'> = { _: 'updatePendingJoinRequests', peer: { _: 'peerChannel', channelId }, requestsPending: count, recentRequesters: recent };
    const admins = (await this.requestAdmins(channelId)).filter((u) => this.deps.push.isOnline(u));
    const events: SyncEvent[] = [];
    for (const userId of admins) {
      events.push({ userId, updates: updatesContainer([update], recent.length > 0 ? await this.deps.userViews.many(userId, recent) : [], this.seconds()), except: userId === except?.userId ? except.session : undefined });
    }
    await this.deps.sync.publish(events);
    return update;
  }

  /** The channel of a join-request method, for an admin who may approve (CHAT_ADMIN_REQUIRED otherwise). */
  private async requestsAccess(caller: bigint, input: TlType<'InputPeer'>): Promise<ChannelAccess> {
    const a = await this.access(caller, input);
    requireAdminRight(a.me, 'inviteUsers');
    return a;
  }

  /** Admits (or turns away) users who asked to join; the caller gets updatePendingJoinRequests and the channel. */
  private async settleRequests(caller: Caller, channel: ChannelRecord, requests: readonly { userId: bigint; hash: string }[], approved: boolean): Promise<Obj<'updates'>> {
    await this.store.deleteJoinRequests(this.store.db, channel.id, requests.map((r) => r.userId));
    const updates: TlType<'Update'>[] = [];
    if (approved) {
      for (const r of requests) {
        const p = await this.store.participant(channel.id, r.userId);
        if (isActiveMember(p) || isKicked(p)) continue;
        // The join is the requester's own (their service message), admitted by the caller.
        const requester: Caller = { userId: r.userId, session: { authKeyId: 0n, sessionId: 0n } };
        await this.addMembers(requester, channel, [r.userId], caller.userId, { _: 'messageActionChatJoinedByRequest' });
        await this.pushUpdateChannel(channel.id, [r.userId]);
        const invite = await this.store.invite(r.hash);
        if (invite) await this.logAction(channel.id, r.userId, 'join', { _: 'channelAdminLogEventActionParticipantJoinByRequest', invite: exportedInviteTl(this.deps.linkHost(), invite), approvedBy: caller.userId });
      }
      updates.push({ _: 'updateChannel', channelId: channel.id });
    }
    updates.push(await this.pushPendingRequests(channel.id, caller));
    return this.answerWith(caller.userId, channel.id, updates, approved ? requests.map((r) => r.userId) : []);
  }

  /** messages.hideChatJoinRequest: approve or decline one user's request (HIDE_REQUESTER_MISSING when there is none). */
  async hideJoinRequest(caller: Caller, input: TlType<'InputPeer'>, userId: bigint, approved: boolean): Promise<Obj<'updates'>> {
    const { channel } = await this.requestsAccess(caller.userId, input);
    const found = await this.store.joinRequests(channel.id, { userIds: [userId], offsetDate: 0, offsetUser: 0n, limit: 1 });
    if (found.length === 0) throw RpcError.badRequest('HIDE_REQUESTER_MISSING');
    return this.settleRequests(caller, channel, found, approved);
  }

  /** messages.hideAllChatJoinRequests: every pending request (through one link, when given). */
  async hideAllJoinRequests(caller: Caller, input: TlType<'InputPeer'>, link: string | undefined, approved: boolean): Promise<Obj<'updates'>> {
    const { channel } = await this.requestsAccess(caller.userId, input);
    const all = await this.store.joinRequests(channel.id, { hash: link !== undefined ? hashOfLink(link) : undefined, offsetDate: 0, offsetUser: 0n, limit: 100_000 });
    return this.settleRequests(caller, channel, all, approved);
  }

  /**
   * messages.getChatInviteImporters: with `requested`, the pending join requests (newest first, by link and
   * name); without, who joined through links, from the admin log's join-by-invite and join-by-request entries.
   */
  async importers(caller: bigint, input: TlType<'InputPeer'>, q: { requested: boolean; link?: string; query?: string; offsetDate: number; offsetUser: bigint; limit: number }): Promise<Obj<'messages.chatInviteImporters'>> {
    const { channel } = await this.requestsAccess(caller, input);
    const limit = Math.max(1, Math.min(q.limit > 0 ? q.limit : 50, 100));
    const hash = q.link !== undefined && q.link !== '' ? hashOfLink(q.link) : undefined;
    // A name filter on requests; on past joins, the members matching it.
    const byName = q.query ? await (q.requested ? this.store.matchingRequesters(channel.id, q.query) : this.store.matchingParticipants(channel.id, q.query)) : undefined;
    let importers: Obj<'chatInviteImporter'>[];
    let count: number;
    if (q.requested) {
      const rows = await this.store.joinRequests(channel.id, { hash, userIds: byName, offsetDate: q.offsetDate, offsetUser: q.offsetUser, limit });
      importers = rows.map((r) => ({ _: 'chatInviteImporter', requested: true, userId: r.userId, date: r.date }));
      count = byName ? rows.length : await this.store.joinRequestCount(channel.id, hash);
    } else {
      const joins = (await this.store.log(channel.id, { kinds: kindsOf({ _: 'channelAdminLogEventsFilter', join: true, invite: true }), maxId: 0n, minId: 0n, limit: 10_000 })).flatMap((e) => {
        const a = e.action;
        if (a._ !== 'channelAdminLogEventActionParticipantJoinByInvite' && a._ !== 'channelAdminLogEventActionParticipantJoinByRequest') return [];
        if (a.invite._ !== 'chatInviteExported' || (hash !== undefined && hashOfLink(a.invite.link) !== hash)) return [];
        if (byName && !byName.includes(e.userId)) return [];
        return [{ _: 'chatInviteImporter' as const, userId: e.userId, date: e.date, approvedBy: a._ === 'channelAdminLogEventActionParticipantJoinByRequest' ? a.approvedBy : undefined }];
      });
      const after = joins.filter((j) => q.offsetDate <= 0 || j.date < q.offsetDate || (j.date === q.offsetDate && j.userId < q.offsetUser));
      importers = after.slice(0, limit);
      count = joins.length;
    }
    const userIds = new Set<bigint>(importers.flatMap((i) => [i.userId, ...(i.approvedBy !== undefined ? [i.approvedBy] : [])]));
    return { _: 'messages.chatInviteImporters', count, importers, users: userIds.size > 0 ? await this.deps.userViews.many(caller, [...userIds]) : [] };
  }

  /** messages.getExportedChatInvites for a channel: the links of an admin (admins with invite_users). */
  async listInvites(caller: bigint, input: TlType<'InputPeer'>, adminId: bigint, revoked: boolean, offsetDate: number, limit: number): Promise<Obj<'messages.exportedChatInvites'>> {
    const { channel } = await this.requestsAccess(caller, input);
    const rows = await this.store.invites(channel.id, { adminId, revoked, offsetDate, limit: Math.max(1, Math.min(limit > 0 ? limit : 50, 100)) });
    const invites: TlType<'ExportedChatInvite'>[] = [];
    for (const i of rows) invites.push(exportedInviteTl(this.deps.linkHost(), i, i.requestNeeded ? await this.store.joinRequestCount(channel.id, i.hash) : undefined));
    return { _: 'messages.exportedChatInvites', count: invites.length, invites, users: await this.deps.userViews.many(caller, [adminId]) };
  }

  // --- Settings ------------------------------------------------------------------------------------

  private async changeInfo(caller: Caller, input: TlType<'InputChannel'> | TlType<'InputPeer'>, right: AdminRight = 'changeInfo'): Promise<ChannelAccess> {
    const a = await this.access(caller.userId, input);
    requireAdminRight(a.me, right);
    return a;
  }

  /** updateChannel to every member online (title, username, settings changed). */
  private async announce(caller: Caller, channelId: bigint): Promise<void> {
    await this.pushToMembers(channelId, () => [{ _: 'updateChannel', channelId }], [], caller);
  }

  /** channels.editPhoto: a new photo (uploaded or existing) or none, with its service message. */
  async editPhoto(caller: Caller, input: TlType<'InputChannel'>, photo: TlType<'InputChatPhoto'>): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input);
    let photoId: bigint | null = null;
    let action: TlType<'MessageAction'> = { _: 'messageActionChatDeletePhoto' };
    if (isRemoval(photo)) {
      if (channel.photoId === null) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    } else {
      if (!this.deps.photos) throw RpcError.badRequest('PHOTO_INVALID');
      const made = await this.deps.photos.chatPhotoFromInput(caller.userId, photo);
      if (made.id === channel.photoId) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
      photoId = made.id;
      action = { _: 'messageActionChatEditPhoto', photo: made.photo };
    }
    await this.store.updateChannel(this.store.db, channel.id, { photoId });
    await this.logAction(channel.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangePhoto', prevPhoto: (await this.photoObject(channel.photoId)) ?? { _: 'photoEmpty', id: 0n }, newPhoto: action._ === 'messageActionChatEditPhoto' ? action.photo : { _: 'photoEmpty', id: 0n } });
    const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', action }], { service: true });
    const fresh = (await this.store.channel(channel.id))!;
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 }]);
  }

  private async photoObject(photoId: bigint | null): Promise<TlType<'Photo'> | undefined> {
    if (photoId === null || !this.deps.photos) return undefined;
    return (await this.deps.photos.photoObjects([photoId])).get(photoId);
  }

  /** The channel's current photo id for a download (inputPeerPhotoFileLocation), for whoever may see the channel. */
  async photoIdFor(viewer: bigint, input: TlType<'InputPeer'>): Promise<bigint | undefined> {
    const { channel, me } = await this.access(viewer, input);
    if (isKicked(me)) throw RpcError.badRequest('CHANNEL_PRIVATE');
    return channel.photoId ?? undefined;
  }

  async editTitle(caller: Caller, input: TlType<'InputChannel'>, title: string): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input);
    const t = checkTitle(title);
    if (t === channel.title) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { title: t });
    await this.logAction(channel.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeTitle', prevValue: channel.title, newValue: t });
    const [posted] = await this.post(caller, channel.id, [{ randomId: 0n, message: '', action: { _: 'messageActionChatEditTitle', title: t } }], { service: true });
    const fresh = (await this.store.channel(channel.id))!;
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateNewChannelMessage', message: this.deps.views.messageTl(caller.userId, fresh, posted!.message), pts: posted!.pts, ptsCount: 1 }]);
  }

  async editAbout(caller: Caller, input: TlType<'InputPeer'>, about: string): Promise<void> {
    const { channel } = await this.changeInfo(caller, input);
    const a = checkAbout(about);
    if (a === channel.about) throw RpcError.badRequest('CHAT_ABOUT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { about: a });
    await this.logAction(channel.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeAbout', prevValue: channel.about, newValue: a });
    await this.announce(caller, channel.id);
  }

  /** channels.checkUsername: true when the name is free (or already this channel's). */
  async checkUsername(caller: Caller, input: TlType<'InputChannel'>, username: string): Promise<boolean> {
    if (input._ !== 'inputChannelEmpty') await this.changeInfo(caller, input);
    if (!USERNAME_RE.test(username)) throw RpcError.badRequest('USERNAME_INVALID');
    const holder = await this.store.byUsername(username);
    if (holder && !(input._ === 'inputChannel' && holder.id === input.channelId)) return false;
    return !(await this.deps.usernameTakenByUser(username));
  }

  async updateUsername(caller: Caller, input: TlType<'InputChannel'>, username: string): Promise<void> {
    const { channel } = await this.changeInfo(caller, input);
    if (username === '') {
      if (channel.username === null) throw RpcError.badRequest('USERNAME_NOT_MODIFIED');
      await this.store.updateChannel(this.store.db, channel.id, { username: null });
    } else {
      if (!USERNAME_RE.test(username)) throw RpcError.badRequest('USERNAME_INVALID');
      if (channel.username === username) throw RpcError.badRequest('USERNAME_NOT_MODIFIED');
      const holder = await this.store.byUsername(username);
      if ((holder && holder.id !== channel.id) || (await this.deps.usernameTakenByUser(username))) throw RpcError.badRequest('USERNAME_OCCUPIED');
      await this.store.updateChannel(this.store.db, channel.id, { username });
    }
    await this.logAction(channel.id, caller.userId, 'info', { _: 'channelAdminLogEventActionChangeUsername', prevValue: channel.username ?? '', newValue: username });
    await this.announce(caller, channel.id);
  }

  /** contacts.resolveUsername for channels: the channel as the viewer sees it. */
  async resolve(viewer: bigint, username: string): Promise<TlType<'Chat'> | undefined> {
    const c = await this.store.byUsername(username);
    if (!c || (c.flags & CHANNEL_DELETED) !== 0) return undefined;
    await this.deps.views.prepare([c]);
    return this.deps.views.channelTl(viewer, c, await this.store.participant(c.id, viewer));
  }

  async deleteChannel(caller: Caller, input: TlType<'InputChannel'>): Promise<Obj<'updates'>> {
    const { channel, me } = await this.access(caller.userId, input);
    if (!isActiveMember(me) || me.role !== ROLE_CREATOR) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const members = await this.store.activeMemberIds(channel.id);
    await this.store.updateChannel(this.store.db, channel.id, { flags: channel.flags | CHANNEL_DELETED, username: null });
    const deleted = (await this.store.channel(channel.id))!;
    const online = members.filter((u) => this.deps.push.isOnline(u));
    await this.deps.sync.publish(online.map((userId) => ({ userId, updates: updatesContainer([{ _: 'updateChannel', channelId: channel.id }], [], this.seconds(), [this.deps.views.channelTl(userId, deleted, undefined)]), except: userId === caller.userId ? caller.session : undefined })));
    return updatesContainer([{ _: 'updateChannel', channelId: channel.id }], [], this.seconds(), [this.deps.views.channelTl(caller.userId, deleted, me)]);
  }

  async toggleSlowMode(caller: Caller, input: TlType<'InputChannel'>, seconds: number): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input, 'banUsers');
    if (!isMegagroup(channel)) throw RpcError.badRequest('CHANNEL_INVALID');
    if (!SLOWMODE_VALUES.includes(seconds)) throw RpcError.badRequest('SECONDS_INVALID');
    if (seconds === channel.slowmodeSeconds) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { slowmodeSeconds: seconds });
    await this.logAction(channel.id, caller.userId, 'settings', { _: 'channelAdminLogEventActionToggleSlowMode', prevValue: channel.slowmodeSeconds, newValue: seconds });
    await this.announce(caller, channel.id);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }]);
  }

  /** channels.togglePreHistoryHidden (supergroups): new members see only what is posted after they join. */
  async togglePreHistoryHidden(caller: Caller, input: TlType<'InputChannel'>, enabled: boolean): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input, 'banUsers');
    if (!isMegagroup(channel)) throw RpcError.badRequest('CHANNEL_INVALID');
    const flags = enabled ? channel.flags | CHANNEL_PREHISTORY_HIDDEN : channel.flags & ~CHANNEL_PREHISTORY_HIDDEN;
    if (flags === channel.flags) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { flags });
    await this.logAction(channel.id, caller.userId, 'settings', { _: 'channelAdminLogEventActionTogglePreHistoryHidden', newValue: enabled });
    await this.announce(caller, channel.id);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }]);
  }

  /**
   * channels.toggleForum (supergroups): messages organised in topics. Turning it on makes the General topic
   * (id 1: every message not in another topic). A discussion group cannot be a forum.
   */
  async toggleForum(caller: Caller, input: TlType<'InputChannel'>, enabled: boolean): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input);
    if (!isMegagroup(channel)) throw RpcError.badRequest('CHANNEL_INVALID');
    if (enabled && channel.linkedChatId != null) throw RpcError.badRequest('CHAT_DISCUSSION_UNALLOWED');
    const flags = enabled ? channel.flags | CHANNEL_FORUM : channel.flags & ~CHANNEL_FORUM;
    if (flags === channel.flags) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.db.transaction().execute(async (tx) => {
      await this.store.updateChannel(tx, channel.id, { flags });
      if (enabled) await this.store.insertTopic(tx, { channelId: channel.id, id: GENERAL_TOPIC_ID, date: channel.date, creatorId: channel.creatorId, title: 'General', iconColor: TOPIC_COLORS[0]!, iconEmojiId: 0n, closed: false, hidden: false, pinned: 0 });
    });
    await this.logAction(channel.id, caller.userId, 'settings', { _: 'channelAdminLogEventActionToggleForum', newValue: enabled });
    await this.announce(caller, channel.id);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }]);
  }

  /** Updates (no pts) to every member online and the caller's other devices; the caller's answer carries them too. */
  async broadcastUpdates(caller: Caller, channelId: bigint, updates: TlType<'Update'>[]): Promise<Obj<'updates'>> {
    await this.pushToMembers(channelId, () => updates, [], caller);
    return this.answerWith(caller.userId, channelId, updates);
  }

  /** The messages of `ids` with their users, as `viewer` sees them (forum topics' top messages). */
  async messagesTl(viewer: bigint, channel: ChannelRecord, ids: readonly number[]): Promise<{ messages: TlType<'Message'>[]; users: TlType<'User'>[] }> {
    const rows = [...(await this.store.messages(channel.id, ids)).values()];
    return { messages: rows.map((m) => this.deps.views.messageTl(viewer, channel, m)), users: await this.usersOf(viewer, rows) };
  }

  async toggleSignatures(caller: Caller, input: TlType<'InputChannel'>, enabled: boolean): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input);
    if (!isBroadcast(channel)) throw RpcError.badRequest('CHANNEL_INVALID');
    const flags = enabled ? channel.flags | CHANNEL_SIGNATURES : channel.flags & ~CHANNEL_SIGNATURES;
    if (flags === channel.flags) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { flags });
    await this.logAction(channel.id, caller.userId, 'settings', { _: 'channelAdminLogEventActionToggleSignatures', newValue: enabled });
    await this.announce(caller, channel.id);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }]);
  }

  async editDefaultBannedRights(caller: Caller, input: TlType<'InputPeer'>, rights: TlType<'ChatBannedRights'>): Promise<Obj<'updates'>> {
    const { channel } = await this.changeInfo(caller, input, 'banUsers');
    const bits = bannedFromTl(rights);
    if (bits === channel.defaultBanned) throw RpcError.badRequest('CHAT_NOT_MODIFIED');
    await this.store.updateChannel(this.store.db, channel.id, { defaultBanned: bits });
    await this.logAction(channel.id, caller.userId, 'settings', { _: 'channelAdminLogEventActionDefaultBannedRights', prevBannedRights: bannedTl(channel.defaultBanned), newBannedRights: bannedTl(bits) });
    await this.announce(caller, channel.id);
    return this.answerWith(caller.userId, channel.id, [{ _: 'updateChannel', channelId: channel.id }]);
  }

  /** messages.getMessagesViews: counts the viewer's view of each post once (increment), answers the counts. */
  async views(viewer: bigint, input: TlType<'InputPeer'>, ids: readonly number[], increment: boolean): Promise<Obj<'messages.messageViews'>> {
    const { channel, me } = await this.access(viewer, input);
    requireReadable(channel, me);
    const before = increment ? new Map([...(await this.store.messages(channel.id, ids))].map(([id, m]) => [id, m.views])) : undefined;
    const counts = increment ? await this.store.view(channel.id, viewer, ids) : new Map([...(await this.store.messages(channel.id, ids))].map(([id, m]) => [id, m.views]));
    const changed = before ? [...counts].filter(([id, n]) => before.get(id) !== n) : [];
    // Live view counters for the members online in channels up to MIN_USERS_ABOVE members; larger ones
    // poll messages.getMessagesViews as clients do while a post is on screen.
    if (changed.length > 0 && channel.participantsCount <= MIN_USERS_ABOVE) {
      await this.pushToMembers(channel.id, () => changed.map(([id, views]) => ({ _: 'updateChannelMessageViews', channelId: channel.id, id, views })), []);
    }
    return {
      _: 'messages.messageViews',
      views: ids.map((id) => (counts.has(id) ? { _: 'messageViews', views: counts.get(id) } : { _: 'messageViews' })),
      chats: [this.deps.views.channelTl(viewer, channel, me)],
      users: [],
    };
  }
}

export interface ChannelDialog {
  channel: ChannelRecord;
  me: ChannelParticipantRecord;
}

/** The `min` form of a user (core.telegram.org/api/min): names, username and photo, no access hash or private fields. */
function minUser(u: TlType<'User'>): TlType<'User'> {
  if (u._ !== 'user') return u;
  return { _: 'user', min: true, bot: u.bot, id: u.id, firstName: u.firstName, lastName: u.lastName, username: u.username, photo: u.photo, deleted: u.deleted };
}

/** A participant row for someone outside the channel (previewing a public one). */
function nonMember(channelId: bigint, userId: bigint): ChannelParticipantRecord {
  return { channelId, userId, role: ROLE_LEFT, adminRights: 0, bannedRights: 0, bannedUntil: 0, inviterId: 0n, actorId: 0n, rank: null, date: 0, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 };
}

/** The flags word of a chatAdminRights object. */
export function adminRightsFromTl(obj: TlType<'ChatAdminRights'>): number {
  const names = (Object.keys(obj) as (keyof typeof obj)[]).filter((k) => k !== '_' && obj[k] === true) as AdminRight[];
  return adminBits(names.filter((n) => n in ADMIN_NAMES));
}

const ADMIN_NAMES: Record<string, true> = Object.fromEntries(
  (['changeInfo', 'postMessages', 'editMessages', 'deleteMessages', 'banUsers', 'inviteUsers', 'pinMessages', 'addAdmins', 'anonymous', 'manageCall', 'other', 'manageTopics', 'postStories', 'editStories', 'deleteStories', 'manageDirectMessages', 'manageRanks', 'manageLinkedPeers', 'manageWelcomeMessages'] as const).map((n) => [n, true]),
);

