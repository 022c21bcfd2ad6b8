// messages.* for basic groups (core.telegram.org/api/channel#basic-groups): create, members, admins,
// title, default rights, full info and invite links. Sending, reading and history in groups go through
// the ordinary message methods (messages.ts) with an inputPeerChat.
//
// Two results changed type across the layers Echo serves, and the canonical (newest) one is what handlers
// return; older layers get the Updates inside it:
// - messages.createChat / messages.addChatUser: messages.invitedUsers (since layer 160-ish), Updates before;
// - messages.importChatInvite: messages.chatInviteJoinResultOk (layer 227+), Updates before (GramJS, 198).
import { RpcError } from '../common/rpc-error.js';
import { registerLayerFallback, type Req, type TlType } from '../tl/index.js';
import type { Caller } from '../messenger/messaging.js';
import { ROLE_MEMBER, type InviteOptions } from '../messenger/chats/index.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

registerLayerFallback('messages.invitedUsers', (o) => o.updates);
registerLayerFallback('messages.chatInviteJoinResultOk', (o) => o.updates);

/** Users per messages.createChat, besides the creator (chat_size_max bounds it further). */
const MAX_CREATE_USERS = 199;
const MAX_GET_CHATS = 100;

export function registerMessagesChats(rpc: RpcDispatcher, services: AppServices): void {
  const chats = services.chats;
  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** An InputUser to add or remove: an existing, not deleted user. */
  async function userOf(ctx: RpcContext, input: TlType<'InputUser'>): Promise<bigint> {
    const record = await resolveInputUserRecord(services, ctx, input);
    if (record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return record.id;
  }

  /** The chat id an InputPeer names; basic groups only (channels are not built). */
  function chatIdOf(input: TlType<'InputPeer'>): bigint {
    if (input._ !== 'inputPeerChat') throw RpcError.badRequest('PEER_ID_INVALID');
    return input.chatId;
  }

  const inviteOptions = (req: Req<'messages.exportChatInvite'>): InviteOptions => ({
    legacyRevokePermanent: req.legacyRevokePermanent === true,
    expireDate: req.expireDate,
    usageLimit: req.usageLimit,
    title: req.title,
    requestNeeded: req.requestNeeded === true,
  });

  rpc.register('messages.createChat', async (req, ctx) => {
    const inputs = req.users;
    if (inputs.length > MAX_CREATE_USERS) throw RpcError.badRequest('USERS_TOO_MUCH');
    const ids: bigint[] = [];
    for (const u of inputs) ids.push(await userOf(ctx, u));
    const res = await chats.create(caller(ctx), ids, req.title);
    return { _: 'messages.invitedUsers', updates: res.updates, missingInvitees: res.missing.map((userId) => ({ _: 'missingInvitee', userId })) };
  });

  rpc.register('messages.addChatUser', async (req, ctx) => {
    const userId = await userOf(ctx, req.userId);
    const updates = await chats.addUser(caller(ctx), req.chatId, userId, req.fwdLimit);
    return { _: 'messages.invitedUsers', updates, missingInvitees: [] };
  });

  rpc.register('messages.deleteChatUser', async (req, ctx) => {
    const userId = (await resolveInputUserRecord(services, ctx, req.userId)).id;
    return chats.deleteUser(caller(ctx), req.chatId, userId, req.revokeHistory === true);
  });

  // A basic group becomes a supergroup: the supergroup is made with the group's members, then the group is
  // deactivated with messageActionChatMigrateTo (its history stays in the members' boxes).
  rpc.register('messages.migrateChat', async (req, ctx) => {
    const me = caller(ctx);
    const src = await chats.migrationSource(me, req.chatId);
    const members = src.members.map((p) => ({ userId: p.userId, admin: p.role !== ROLE_MEMBER, inviterId: p.inviterId }));
    const made = await services.channels.createFromChat(me, { chatId: req.chatId, title: src.title, about: src.about, members });
    const chatSide = await chats.markMigrated(me, req.chatId, made.channelId);
    return { ...made.updates, updates: [...made.updates.updates, ...chatSide.updates], chats: [...chatSide.chats, ...made.updates.chats], users: [...made.updates.users, ...chatSide.users.filter((u) => !made.updates.users.some((x) => x.id === u.id))] };
  });

  rpc.register('messages.editChatTitle', async (req, ctx) => chats.editTitle(caller(ctx), req.chatId, req.title));

  rpc.register('messages.editChatPhoto', async (req, ctx) => chats.editPhoto(caller(ctx), req.chatId, req.photo));

  rpc.register('messages.editChatAbout', async (req, ctx) => {
    if (req.peer._ === 'inputPeerChannel') {
      await services.channels.editAbout(caller(ctx), req.peer, req.about);
      return true;
    }
    await chats.editAbout(caller(ctx), chatIdOf(req.peer), req.about);
    return true;
  });

  rpc.register('messages.editChatAdmin', async (req, ctx) => {
    const userId = await userOf(ctx, req.userId);
    await chats.editAdmin(caller(ctx), req.chatId, userId, req.isAdmin === true);
    return true;
  });

  rpc.register('messages.editChatDefaultBannedRights', async (req, ctx) =>
    req.peer._ === 'inputPeerChannel' ? services.channels.editDefaultBannedRights(caller(ctx), req.peer, req.bannedRights) : chats.editDefaultBannedRights(caller(ctx), chatIdOf(req.peer), req.bannedRights),
  );

  rpc.register('messages.getChats', async (req, ctx) => {
    const ids = req.id;
    if (ids.length > MAX_GET_CHATS) throw RpcError.badRequest('LIMIT_INVALID');
    return chats.getChats(viewerOf(ctx), ids);
  });

  rpc.register('messages.getFullChat', async (req, ctx) => chats.getFullChat(viewerOf(ctx), req.chatId));

  rpc.register('messages.exportChatInvite', async (req, ctx) =>
    req.peer._ === 'inputPeerChannel' ? services.channels.exportInvite(caller(ctx), req.peer, inviteOptions(req)) : chats.exportInvite(caller(ctx), chatIdOf(req.peer), inviteOptions(req)),
  );

  // A hash is a basic group's or a channel's (both random, kept in their own tables).
  rpc.register('messages.checkChatInvite', async (req, ctx) => (await services.channels.checkInvite(viewerOf(ctx), req.hash)) ?? chats.checkInvite(viewerOf(ctx), req.hash));

  rpc.register('messages.importChatInvite', async (req, ctx) => ({
    _: 'messages.chatInviteJoinResultOk',
    updates: (await services.channels.importInvite(caller(ctx), req.hash)) ?? (await chats.importInvite(caller(ctx), req.hash)),
  }));

  rpc.register('messages.getExportedChatInvites', async (req, ctx) => {
    const adminId = (await resolveInputUserRecord(services, ctx, req.adminId)).id;
    if (req.peer._ === 'inputPeerChannel') return services.channels.listInvites(viewerOf(ctx), req.peer, adminId, req.revoked === true, req.offsetDate ?? 0, req.limit);
    return chats.listInvites(viewerOf(ctx), chatIdOf(req.peer), adminId, req.revoked === true, req.offsetDate ?? 0, req.offsetLink, req.limit);
  });

  rpc.register('messages.editExportedChatInvite', async (req, ctx) =>
    chats.editInvite(caller(ctx), chatIdOf(req.peer), req.link, req.revoked === true, { expireDate: req.expireDate, usageLimit: req.usageLimit, title: req.title }),
  );

  // Join requests (links with request_needed) exist for channels and supergroups only.
  rpc.register('messages.getChatInviteImporters', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerChannel') throw RpcError.badRequest('PEER_ID_INVALID');
    const offsetUser = req.offsetUser._ === 'inputUserEmpty' ? 0n : (await resolveInputUserRecord(services, ctx, req.offsetUser)).id;
    return services.channels.importers(viewerOf(ctx), req.peer, { requested: req.requested === true, link: req.link, query: req.q, offsetDate: req.offsetDate, offsetUser, limit: req.limit });
  });

  rpc.register('messages.hideChatJoinRequest', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerChannel') throw RpcError.badRequest('PEER_ID_INVALID');
    return services.channels.hideJoinRequest(caller(ctx), req.peer, await userOf(ctx, req.userId), req.approved === true);
  });

  rpc.register('messages.hideAllChatJoinRequests', async (req, ctx) => {
    if (req.peer._ !== 'inputPeerChannel') throw RpcError.badRequest('PEER_ID_INVALID');
    return services.channels.hideAllJoinRequests(caller(ctx), req.peer, req.link, req.approved === true);
  });

  rpc.register('messages.deleteExportedChatInvite', async (req, ctx) => {
    await chats.deleteInvite(caller(ctx), chatIdOf(req.peer), req.link);
    return true;
  });
}
