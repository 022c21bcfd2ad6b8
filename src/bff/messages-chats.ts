// messages.* for basic groups (core.telegram.org/api/channel#basic-groups): create, members, admins,
// title, default rights, full info and invite links. Sending, reading and history in groups go through
// the ordinary message methods (messages.ts) with an inputPeerChat.
//
// Two results changed type across the layers Echo serves, and the canonical (newest) one is what handlers
// return; older layers get the Updates inside it:
// - messages.createChat / messages.addChatUser: messages.invitedUsers (since layer 160-ish), Updates before;
// - messages.importChatInvite: messages.chatInviteJoinResultOk (layer 227+), Updates before (GramJS, 198).
import { RpcError } from '../common/rpc-error.js';
import { registerLayerFallback, type TlObject } from '../tl/index.js';
import type { Caller } from '../messenger/messaging.js';
import type { InviteOptions } from '../messenger/chats/index.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

registerLayerFallback('messages.invitedUsers', (o) => o.updates as TlObject);
registerLayerFallback('messages.chatInviteJoinResultOk', (o) => o.updates as TlObject);

/** Users per messages.createChat, besides the creator (chat_size_max bounds it further). */
const MAX_CREATE_USERS = 199;
const MAX_GET_CHATS = 100;

export function registerMessagesChats(rpc: RpcDispatcher, services: AppServices): void {
  const chats = services.chats;
  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** An InputUser to add or remove: an existing, not deleted user. */
  async function userOf(ctx: RpcContext, input: TlObject): Promise<bigint> {
    const record = await resolveInputUserRecord(services, ctx, input);
    if (record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return record.id;
  }

  /** The chat id an InputPeer names; basic groups only (channels are not built). */
  function chatIdOf(input: TlObject): bigint {
    if (input._ !== 'inputPeerChat') throw RpcError.badRequest('PEER_ID_INVALID');
    return input.chatId as bigint;
  }

  const inviteOptions = (req: TlObject): InviteOptions => ({
    legacyRevokePermanent: req.legacyRevokePermanent === true,
    expireDate: req.expireDate as number | undefined,
    usageLimit: req.usageLimit as number | undefined,
    title: req.title as string | undefined,
    requestNeeded: req.requestNeeded === true,
  });

  rpc.registerUntyped('messages.createChat', async (req: TlObject, ctx: RpcContext) => {
    const inputs = req.users as TlObject[];
    if (inputs.length > MAX_CREATE_USERS) throw RpcError.badRequest('USERS_TOO_MUCH');
    const ids: bigint[] = [];
    for (const u of inputs) ids.push(await userOf(ctx, u));
    const res = await chats.create(caller(ctx), ids, req.title as string);
    return { _: 'messages.invitedUsers', updates: res.updates, missingInvitees: res.missing.map((userId) => ({ _: 'missingInvitee', userId })) };
  });

  rpc.registerUntyped('messages.addChatUser', async (req: TlObject, ctx: RpcContext) => {
    const userId = await userOf(ctx, req.userId as TlObject);
    const updates = await chats.addUser(caller(ctx), req.chatId as bigint, userId, req.fwdLimit as number);
    return { _: 'messages.invitedUsers', updates, missingInvitees: [] };
  });

  rpc.registerUntyped('messages.deleteChatUser', async (req: TlObject, ctx: RpcContext) => {
    const userId = (await resolveInputUserRecord(services, ctx, req.userId as TlObject)).id;
    return chats.deleteUser(caller(ctx), req.chatId as bigint, userId, req.revokeHistory === true);
  });

  rpc.registerUntyped('messages.editChatTitle', async (req: TlObject, ctx: RpcContext) => chats.editTitle(caller(ctx), req.chatId as bigint, req.title as string));

  rpc.registerUntyped('messages.editChatPhoto', async (req: TlObject, ctx: RpcContext) => chats.editPhoto(caller(ctx), req.chatId as bigint, req.photo as TlObject));

  rpc.registerUntyped('messages.editChatAbout', async (req: TlObject, ctx: RpcContext) => {
    await chats.editAbout(caller(ctx), chatIdOf(req.peer as TlObject), req.about as string);
    return true;
  });

  rpc.registerUntyped('messages.editChatAdmin', async (req: TlObject, ctx: RpcContext) => {
    const userId = await userOf(ctx, req.userId as TlObject);
    await chats.editAdmin(caller(ctx), req.chatId as bigint, userId, req.isAdmin === true);
    return true;
  });

  rpc.registerUntyped('messages.editChatDefaultBannedRights', async (req: TlObject, ctx: RpcContext) =>
    chats.editDefaultBannedRights(caller(ctx), chatIdOf(req.peer as TlObject), req.bannedRights as TlObject),
  );

  rpc.registerUntyped('messages.getChats', async (req: TlObject, ctx: RpcContext) => {
    const ids = req.id as bigint[];
    if (ids.length > MAX_GET_CHATS) throw RpcError.badRequest('LIMIT_INVALID');
    return chats.getChats(viewerOf(ctx), ids);
  });

  rpc.registerUntyped('messages.getFullChat', async (req: TlObject, ctx: RpcContext) => chats.getFullChat(viewerOf(ctx), req.chatId as bigint));

  rpc.registerUntyped('messages.exportChatInvite', async (req: TlObject, ctx: RpcContext) => chats.exportInvite(caller(ctx), chatIdOf(req.peer as TlObject), inviteOptions(req)));

  rpc.registerUntyped('messages.checkChatInvite', async (req: TlObject, ctx: RpcContext) => chats.checkInvite(viewerOf(ctx), req.hash as string));

  rpc.registerUntyped('messages.importChatInvite', async (req: TlObject, ctx: RpcContext) => ({
    _: 'messages.chatInviteJoinResultOk',
    updates: await chats.importInvite(caller(ctx), req.hash as string),
  }));

  rpc.registerUntyped('messages.getExportedChatInvites', async (req: TlObject, ctx: RpcContext) => {
    const adminId = (await resolveInputUserRecord(services, ctx, req.adminId as TlObject)).id;
    return chats.listInvites(viewerOf(ctx), chatIdOf(req.peer as TlObject), adminId, req.revoked === true, (req.offsetDate as number | undefined) ?? 0, req.offsetLink as string | undefined, req.limit as number);
  });

  rpc.registerUntyped('messages.editExportedChatInvite', async (req: TlObject, ctx: RpcContext) =>
    chats.editInvite(caller(ctx), chatIdOf(req.peer as TlObject), req.link as string, req.revoked === true, {
      expireDate: req.expireDate as number | undefined,
      usageLimit: req.usageLimit as number | undefined,
      title: req.title as string | undefined,
    }),
  );

  rpc.registerUntyped('messages.deleteExportedChatInvite', async (req: TlObject, ctx: RpcContext) => {
    await chats.deleteInvite(caller(ctx), chatIdOf(req.peer as TlObject), req.link as string);
    return true;
  });
}
