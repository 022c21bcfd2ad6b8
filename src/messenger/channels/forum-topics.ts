// Forum topics of supergroups (core.telegram.org/api/forum): create, list, look up, edit (title, icon,
// closed, hidden) and pin. A topic is the thread under its creation message (messageActionTopicCreate);
// the channel service posts that message and files messages replying into a topic under it
// (channel-service.ts post); this module keeps the topics' own settings and answers the topic methods.
import { RpcError } from '../../common/rpc-error.js';
import { registerLayerFallback, type Obj, type TlObject, type TlType } from '../../tl/index.js';
import type { UserViewSource, Caller } from '../messaging.js';
import { hasAdminRight, isBanned } from '../chats/rights.js';
import type { ChannelService } from './channel-service.js';
import type { ChannelStore } from './channel-store.js';
import { GENERAL_TOPIC_ID, ROLE_BANNED, TOPIC_COLORS, adminRightsOf, isActiveMember, isForum, requireMember, requireReadable, type ChannelRecord, type ForumTopicRecord } from './records.js';

// Layers before 215 name the pinned-topic update after the channel. That constructor exists only in those
// layers, so it is built here alone, for them (named through a constant: the build's layer check reads
// predicate literals as objects built in the canonical layer's shape).
const OLD_PINNED_TOPIC = 'updateChannelPinnedTopic';
registerLayerFallback('updatePinnedForumTopic', (o) => (o.peer._ === 'peerChannel' ? ({ _: OLD_PINNED_TOPIC, pinned: o.pinned, channelId: o.peer.channelId, topicId: o.topicId } as TlObject) : undefined));

/** Topics per getForumTopics page at most. */
const MAX_TOPICS_PAGE = 100;
const MAX_TITLE = 128;

export interface ForumTopicsDeps {
  channels: ChannelService;
  store: ChannelStore;
  userViews: UserViewSource;
}

type ChannelInput = TlType<'InputChannel'> | TlType<'InputPeer'>;

export class ForumTopics {
  constructor(private readonly deps: ForumTopicsDeps) {}

  private async forum(viewer: bigint, input: ChannelInput) {
    const a = await this.deps.channels.access(viewer, input);
    requireReadable(a.channel, a.me);
    if (!isForum(a.channel)) throw RpcError.badRequest('CHANNEL_FORUM_MISSING');
    return a;
  }

  private async topic(channelId: bigint, id: number): Promise<ForumTopicRecord> {
    const t = (await this.deps.store.topics(channelId, [id])).get(id);
    if (!t) throw RpcError.badRequest('TOPIC_ID_INVALID');
    return t;
  }

  /** createForumTopic: admins with manage_topics, members unless the default rights forbid it. */
  async create(caller: Caller, input: ChannelInput, opts: { title: string; iconColor?: number; iconEmojiId?: bigint; randomId: bigint }): Promise<Obj<'updates'>> {
    const { channel, me } = await this.forum(caller.userId, input);
    const member = requireMember(me);
    const may = hasAdminRight(adminRightsOf(member), 'manageTopics') || (member.role !== ROLE_BANNED && !isBanned(channel.defaultBanned, 'manageTopics'));
    if (!may) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const title = opts.title.trim();
    if (title === '') throw RpcError.badRequest('TOPIC_TITLE_EMPTY');
    if (title.length > MAX_TITLE) throw RpcError.badRequest('TOPIC_TITLE_TOO_LONG');
    const iconColor = opts.iconColor ?? TOPIC_COLORS[0]!;
    if (!TOPIC_COLORS.includes(iconColor)) throw RpcError.badRequest('COLOR_INVALID');
    const action: TlType<'MessageAction'> = { _: 'messageActionTopicCreate', title, iconColor, iconEmojiId: opts.iconEmojiId || undefined };
    const posted = await this.deps.channels.post(caller, channel.id, [{ randomId: opts.randomId, message: '', action }], { service: true });
    const head = posted[0]!;
    if (!head.duplicate) {
      await this.deps.store.insertTopic(this.deps.store.db, { channelId: channel.id, id: head.message.id, date: head.message.date, creatorId: caller.userId, title, iconColor, iconEmojiId: opts.iconEmojiId ?? 0n, closed: false, hidden: false, pinned: 0 });
    }
    return this.deps.channels.postAnswer(caller, channel.id, posted);
  }

  /** getForumTopics: newest topics first (order_by_create_date), titles matching `q`, below `offsetTopic`. */
  async list(viewer: bigint, input: ChannelInput, q: { text?: string; offsetTopic: number; limit: number }): Promise<Obj<'messages.forumTopics'>> {
    const { channel, me } = await this.forum(viewer, input);
    const limit = Math.max(1, Math.min(q.limit > 0 ? q.limit : MAX_TOPICS_PAGE, MAX_TOPICS_PAGE));
    const { rows, count } = await this.deps.store.topicPage(channel.id, { text: q.text?.trim() ?? '', belowId: q.offsetTopic, limit });
    return this.answer(viewer, channel, me, rows, count);
  }

  /** getForumTopicsByID: in request order; forumTopicDeleted for an id that is no topic. */
  async byIds(viewer: bigint, input: ChannelInput, ids: readonly number[]): Promise<Obj<'messages.forumTopics'>> {
    const { channel, me } = await this.forum(viewer, input);
    if (ids.length > MAX_TOPICS_PAGE) throw RpcError.badRequest('LIMIT_INVALID');
    const found = await this.deps.store.topics(channel.id, ids);
    const res = await this.answer(viewer, channel, me, ids.flatMap((id) => found.get(id) ?? []), ids.length);
    const byId = new Map(res.topics.map((t) => [t.id, t]));
    return { ...res, topics: ids.map((id) => byId.get(id) ?? { _: 'forumTopicDeleted', id }) };
  }

  private async answer(viewer: bigint, channel: ChannelRecord, me: Awaited<ReturnType<ChannelService['access']>>['me'], rows: readonly ForumTopicRecord[], count: number): Promise<Obj<'messages.forumTopics'>> {
    const store = this.deps.store;
    const stats = await store.threadStats(channel.id, rows.map((t) => t.id));
    // General holds what is in no other topic: its newest message is the newest outside every thread.
    const general = rows.some((t) => t.id === GENERAL_TOPIC_ID) ? (await store.window(channel.id, { threadTop: 0, maxId: 0, minId: 0, skip: 0, limit: 1, ascending: false }))[0] : undefined;
    const member = isActiveMember(me);
    const topics: TlType<'ForumTopic'>[] = [];
    for (const t of rows) {
      const top = t.id === GENERAL_TOPIC_ID ? (general?.id ?? t.id) : (stats.get(t.id)?.maxId ?? t.id);
      const unread = member ? (t.id === GENERAL_TOPIC_ID ? 0 : await store.threadUnread(channel.id, t.id, me.readInboxMaxId, viewer)) : 0;
      topics.push({
        _: 'forumTopic',
        my: t.creatorId === viewer || undefined,
        closed: t.closed || undefined,
        pinned: t.pinned > 0 || undefined,
        hidden: t.hidden || undefined,
        id: t.id,
        date: t.date,
        peer: { _: 'peerChannel', channelId: channel.id },
        title: t.title,
        iconColor: t.iconColor,
        iconEmojiId: t.iconEmojiId !== 0n ? t.iconEmojiId : undefined,
        topMessage: top,
        readInboxMaxId: member ? Math.min(me.readInboxMaxId, top) : 0,
        readOutboxMaxId: Math.min(channel.readMaxId, top),
        unreadCount: unread,
        unreadMentionsCount: 0,
        unreadReactionsCount: 0,
        unreadPollVotesCount: 0,
        fromId: { _: 'peerUser', userId: t.creatorId },
        notifySettings: { _: 'peerNotifySettings' },
      });
    }
    const tops = topics.flatMap((t) => (t._ === 'forumTopic' ? [t.topMessage] : []));
    const { messages, users } = await this.deps.channels.messagesTl(viewer, channel, tops);
    const creators = [...new Set(rows.map((t) => t.creatorId))].filter((id) => !users.some((u) => u.id === id));
    return {
      _: 'messages.forumTopics',
      orderByCreateDate: true,
      count,
      topics,
      messages,
      chats: await this.deps.channels.channelViews(viewer, [channel.id]),
      users: [...users, ...(creators.length > 0 ? await this.deps.userViews.many(viewer, creators) : [])],
      pts: channel.pts,
    };
  }

  /**
   * editForumTopic: title and icon (admins with manage_topics or the topic's creator), closed (the same),
   * hidden (General only, admins). Posts messageActionTopicEdit into the topic.
   */
  async edit(caller: Caller, input: ChannelInput, topicId: number, change: { title?: string; iconEmojiId?: bigint; closed?: boolean; hidden?: boolean }): Promise<Obj<'updates'>> {
    const { channel, me } = await this.forum(caller.userId, input);
    const member = requireMember(me);
    const t = await this.topic(channel.id, topicId);
    const admin = hasAdminRight(adminRightsOf(member), 'manageTopics');
    if (!admin && t.creatorId !== caller.userId) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    if (change.hidden !== undefined && (topicId !== GENERAL_TOPIC_ID || !admin)) throw RpcError.badRequest('TOPIC_ID_INVALID');
    const title = change.title?.trim();
    if (title !== undefined && (title === '' || title.length > MAX_TITLE)) throw RpcError.badRequest('TOPIC_TITLE_EMPTY');
    const set = {
      title: title !== undefined && title !== t.title ? title : undefined,
      iconEmojiId: change.iconEmojiId !== undefined && change.iconEmojiId !== t.iconEmojiId ? change.iconEmojiId : undefined,
      closed: change.closed !== undefined && change.closed !== t.closed ? change.closed : undefined,
      hidden: change.hidden !== undefined && change.hidden !== t.hidden ? change.hidden : undefined,
    };
    if (Object.values(set).every((v) => v === undefined)) throw RpcError.badRequest('TOPIC_NOT_MODIFIED');
    await this.deps.store.updateTopic(this.deps.store.db, channel.id, topicId, set);
    const action: TlType<'MessageAction'> = { _: 'messageActionTopicEdit', title: set.title, iconEmojiId: set.iconEmojiId, closed: set.closed, hidden: set.hidden };
    // The General topic has no creation message to reply to: its edits are plain service messages.
    const posted = await this.deps.channels.post(caller, channel.id, [{ randomId: 0n, message: '', action, replyToId: topicId !== GENERAL_TOPIC_ID ? topicId : undefined }], { service: true });
    return this.deps.channels.postAnswer(caller, channel.id, posted);
  }

  /** updatePinnedForumTopic: admins with pin_messages or manage_topics; a pinned topic goes on top. */
  async pin(caller: Caller, input: ChannelInput, topicId: number, pinned: boolean): Promise<Obj<'updates'>> {
    const { channel, me } = await this.forum(caller.userId, input);
    const rights = adminRightsOf(requireMember(me));
    if (!hasAdminRight(rights, 'manageTopics') && !hasAdminRight(rights, 'pinMessages')) throw RpcError.badRequest('CHAT_ADMIN_REQUIRED');
    const t = await this.topic(channel.id, topicId);
    if (pinned !== t.pinned > 0) {
      await this.deps.store.updateTopic(this.deps.store.db, channel.id, topicId, { pinned: pinned ? (await this.deps.store.topPinRank(channel.id)) + 1 : 0 });
    }
    return this.deps.channels.broadcastUpdates(caller, channel.id, [{ _: 'updatePinnedForumTopic', pinned: pinned || undefined, peer: { _: 'peerChannel', channelId: channel.id }, topicId }]);
  }
}
