// channels.* (core.telegram.org/api/channel): channels and supergroups, and the channel side of
// updates.getChannelDifference and messages.getMessagesViews. The messages.* methods that take any peer
// (send, edit, history, dialogs) route channel peers to the same service from messages*.ts.
import { RpcError } from '../common/rpc-error.js';
import type { TlType } from '../tl/index.js';
import type { Caller } from '../messenger/messaging.js';
import { isActiveMember } from '../messenger/channels/index.js';
import type { RpcContext } from './context.js';
import { PEER_CHANNEL } from '../messenger/peer.js';
import { resolveInputUserRecord, viewerOf, type InputUserLike } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

const MAX_GET_CHANNELS = 100;
const MAX_IDS = 100;

export function registerChannels(rpc: RpcDispatcher, services: AppServices): void {
  const channels = services.channels;
  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** An existing, not deleted user named by an InputUser or InputPeer. */
  async function userOf(ctx: RpcContext, input: InputUserLike): Promise<bigint> {
    const record = await resolveInputUserRecord(services, ctx, input);
    if (record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return record.id;
  }

  rpc.register('channels.createChannel', async (req, ctx) =>
    channels.create(caller(ctx), { title: req.title, about: req.about, broadcast: req.broadcast === true, megagroup: req.megagroup === true }),
  );

  rpc.register('channels.getChannels', async (req, ctx) => {
    if (req.id.length > MAX_GET_CHANNELS) throw RpcError.badRequest('LIMIT_INVALID');
    const viewer = viewerOf(ctx);
    const ids: bigint[] = [];
    for (const input of req.id) ids.push((await channels.access(viewer, input)).channel.id);
    return { _: 'messages.chats', chats: await channels.channelViews(viewer, ids) };
  });

  rpc.register('channels.getFullChannel', async (req, ctx) => channels.fullChannel(viewerOf(ctx), req.channel));

  rpc.register('channels.joinChannel', async (req, ctx) => ({ _: 'messages.chatInviteJoinResultOk', updates: await channels.join(caller(ctx), req.channel) }));

  rpc.register('channels.leaveChannel', async (req, ctx) => channels.leave(caller(ctx), req.channel));

  rpc.register('channels.inviteToChannel', async (req, ctx) => {
    if (req.users.length === 0) throw RpcError.badRequest('USERS_TOO_FEW');
    if (req.users.length > 200) throw RpcError.badRequest('USERS_TOO_MUCH');
    const ids: bigint[] = [];
    for (const u of req.users) ids.push(await userOf(ctx, u));
    return { _: 'messages.invitedUsers', updates: await channels.invite(caller(ctx), req.channel, ids), missingInvitees: [] };
  });

  rpc.register('channels.readHistory', async (req, ctx) => {
    await channels.readHistory(caller(ctx), req.channel, req.maxId);
    await services.messengerExtras.dialogs.clearUnreadMark(caller(ctx), { type: PEER_CHANNEL, id: req.channel._ === 'inputChannel' ? req.channel.channelId : 0n });
    return true;
  });

  rpc.register('channels.getMessages', async (req, ctx) => {
    if (req.id.length > MAX_IDS) throw RpcError.badRequest('LIMIT_INVALID');
    return channels.messages(viewerOf(ctx), req.channel, req.id);
  });

  rpc.register('channels.deleteMessages', async (req, ctx) => {
    if (req.id.length > MAX_IDS) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    const res = await channels.deleteMessages(caller(ctx), req.channel, req.id);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.register('channels.getParticipants', async (req, ctx) => channels.participants(viewerOf(ctx), req.channel, req.filter, req.offset, req.limit, req.hash));

  rpc.register('channels.getParticipant', async (req, ctx) => channels.participant(viewerOf(ctx), req.channel, await resolveInputUserRecord(services, ctx, req.participant).then((r) => r.id)));

  rpc.register('channels.editAdmin', async (req, ctx) => channels.editAdmin(caller(ctx), req.channel, await userOf(ctx, req.userId), req.adminRights, req.rank));

  rpc.register('channels.editBanned', async (req, ctx) => channels.editBanned(caller(ctx), req.channel, await userOf(ctx, req.participant), req.bannedRights));

  rpc.register('channels.checkUsername', async (req, ctx) => channels.checkUsername(caller(ctx), req.channel, req.username));

  rpc.register('channels.updateUsername', async (req, ctx) => {
    await channels.updateUsername(caller(ctx), req.channel, req.username);
    return true;
  });

  rpc.register('channels.editPhoto', async (req, ctx) => channels.editPhoto(caller(ctx), req.channel, req.photo));

  rpc.register('channels.editTitle', async (req, ctx) => channels.editTitle(caller(ctx), req.channel, req.title));

  rpc.register('channels.deleteChannel', async (req, ctx) => channels.deleteChannel(caller(ctx), req.channel));

  rpc.register('channels.toggleSlowMode', async (req, ctx) => channels.toggleSlowMode(caller(ctx), req.channel, req.seconds));

  rpc.register('channels.togglePreHistoryHidden', async (req, ctx) => channels.togglePreHistoryHidden(caller(ctx), req.channel, req.enabled));

  rpc.register('channels.toggleSignatures', async (req, ctx) => channels.toggleSignatures(caller(ctx), req.channel, req.signaturesEnabled === true));

  rpc.register('channels.getAdminLog', async (req, ctx) => {
    const admins: bigint[] | undefined = req.admins ? [] : undefined;
    for (const a of req.admins ?? []) admins!.push((await resolveInputUserRecord(services, ctx, a)).id);
    return channels.adminLog(viewerOf(ctx), req.channel, { query: req.q, filter: req.eventsFilter, admins, maxId: req.maxId, minId: req.minId, limit: req.limit });
  });

  rpc.register('channels.getAdminedPublicChannels', async (_req, ctx) => ({ _: 'messages.chats', chats: await channels.adminedPublic(viewerOf(ctx)) }));

  rpc.register('channels.getLeftChannels', async (req, ctx) => {
    const res = await channels.leftChannels(viewerOf(ctx), req.offset);
    return res.count > res.chats.length ? { _: 'messages.chatsSlice', count: res.count, chats: res.chats } : { _: 'messages.chats', chats: res.chats };
  });

  // Channels keep no per-member content state (voice notes played, mentions): nothing is left to mark.
  rpc.register('channels.readMessageContents', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const { me } = await channels.access(viewer, req.channel);
    if (!isActiveMember(me)) throw RpcError.badRequest('CHANNEL_PRIVATE');
    return true;
  });

  rpc.register('channels.setDiscussionGroup', async (req, ctx) => {
    await channels.setDiscussionGroup(caller(ctx), req.broadcast, req.group);
    return true;
  });

  rpc.register('channels.getGroupsForDiscussion', async (_req, ctx) => ({ _: 'messages.chats', chats: await channels.groupsForDiscussion(viewerOf(ctx)) }));

  // Threads exist in supergroups (and as comments under posts, in a channel's discussion group); private
  // chats and basic groups have none.
  rpc.register('messages.getReplies', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerChannel') throw RpcError.badRequest('PEER_ID_INVALID');
    return channels.replies(viewerOf(ctx), req.peer, req.msgId, { offsetId: req.offsetId, offsetDate: req.offsetDate, addOffset: req.addOffset, limit: req.limit, maxId: req.maxId, minId: req.minId }, req.hash);
  });

  rpc.register('messages.getDiscussionMessage', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerChannel') throw RpcError.badRequest('PEER_ID_INVALID');
    return channels.discussionMessage(viewerOf(ctx), req.peer, req.msgId);
  });

  // Forum topics: layer 229 names them messages.* with an InputPeer, older layers channels.* with an InputChannel.
  const topics = channels.topics;
  rpc.register('channels.toggleForum', async (req, ctx) => channels.toggleForum(caller(ctx), req.channel, req.enabled));
  rpc.register('messages.createForumTopic', async (req, ctx) => topics.create(caller(ctx), req.peer, { title: req.title, iconColor: req.iconColor, iconEmojiId: req.iconEmojiId, randomId: req.randomId }));
  rpc.register('channels.createForumTopic', async (req, ctx) => topics.create(caller(ctx), req.channel, { title: req.title, iconColor: req.iconColor, iconEmojiId: req.iconEmojiId, randomId: req.randomId }));
  rpc.register('messages.getForumTopics', async (req, ctx) => topics.list(viewerOf(ctx), req.peer, { text: req.q, offsetTopic: req.offsetTopic, limit: req.limit }));
  rpc.register('channels.getForumTopics', async (req, ctx) => topics.list(viewerOf(ctx), req.channel, { text: req.q, offsetTopic: req.offsetTopic, limit: req.limit }));
  rpc.register('messages.getForumTopicsByID', async (req, ctx) => topics.byIds(viewerOf(ctx), req.peer, req.topics));
  rpc.register('channels.getForumTopicsByID', async (req, ctx) => topics.byIds(viewerOf(ctx), req.channel, req.topics));
  rpc.register('messages.editForumTopic', async (req, ctx) => topics.edit(caller(ctx), req.peer, req.topicId, { title: req.title, iconEmojiId: req.iconEmojiId, closed: req.closed, hidden: req.hidden }));
  rpc.register('channels.editForumTopic', async (req, ctx) => topics.edit(caller(ctx), req.channel, req.topicId, { title: req.title, iconEmojiId: req.iconEmojiId, closed: req.closed, hidden: req.hidden }));
  rpc.register('messages.updatePinnedForumTopic', async (req, ctx) => topics.pin(caller(ctx), req.peer, req.topicId, req.pinned));
  rpc.register('channels.updatePinnedForumTopic', async (req, ctx) => topics.pin(caller(ctx), req.channel, req.topicId, req.pinned));

  rpc.register('updates.getChannelDifference', async (req, ctx) => channels.difference(viewerOf(ctx), req.channel, req.pts, req.limit));

  rpc.register('messages.getMessagesViews', async (req, ctx) => {
    if (req.id.length > MAX_IDS) throw RpcError.badRequest('LIMIT_INVALID');
    if (req.peer._ !== 'inputPeerChannel') {
      // Views are counted in channels only; elsewhere Telegram answers empty counters.
      return { _: 'messages.messageViews', views: req.id.map(() => ({ _: 'messageViews' as const })), chats: [], users: [] };
    }
    return channels.views(viewerOf(ctx), req.peer, req.id, req.increment === true);
  });
}

/** True when an InputPeer names a channel (routed to the channel service by the messages.* handlers). */
export function isChannelPeer(input: TlType<'InputPeer'>): input is Extract<TlType<'InputPeer'>, { _: 'inputPeerChannel' }> {
  return input._ === 'inputPeerChannel';
}
