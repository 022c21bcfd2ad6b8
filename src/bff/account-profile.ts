// account.updateProfile, updateUsername, checkUsername, updateStatus, deleteAccount: the user's own profile.
import { RpcError } from '../common/rpc-error.js';
import type { SessionRef } from '../contracts/push.js';
import { isValidUsername } from '../service/users/username.js';
import { ProfilePush } from '../service/users/profile-push.js';
import { deleteAccount } from '../service/users/delete-account.js';
import type { UserPatch } from '../service/users/user-store.js';
import type { RpcDispatcher } from './registry.js';
import type { RpcContext } from './context.js';
import type { AppServices } from './services.js';
import { viewerOf } from './peers.js';

/** Telegram's limits (bio: the non-premium one). */
export const NAME_MAX = 64;
export const ABOUT_MAX = 70;

function callerSession(ctx: RpcContext): SessionRef {
  return { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId };
}

/** The profile fields of account.updateProfile, validated; absent fields stay as they are. */
export function profilePatch(req: { firstName?: string; lastName?: string; about?: string }): UserPatch {
  const patch: UserPatch = {};
  if (req.firstName !== undefined) {
    const firstName = req.firstName.trim();
    if (firstName === '' || firstName.length > NAME_MAX) throw RpcError.badRequest('FIRSTNAME_INVALID');
    patch.firstName = firstName;
  }
  if (req.lastName !== undefined) {
    const lastName = req.lastName.trim();
    if (lastName.length > NAME_MAX) throw RpcError.badRequest('LASTNAME_INVALID');
    patch.lastName = lastName;
  }
  if (req.about !== undefined) {
    const about = req.about.trim();
    if ([...about].length > ABOUT_MAX) throw RpcError.badRequest('ABOUT_TOO_LONG');
    patch.about = about;
  }
  return patch;
}

export function registerAccountProfile(rpc: RpcDispatcher, services: AppServices): void {
  const { core, userViews, presence } = services;
  const push = new ProfilePush({ users: core.users, userViews, contacts: services.contacts, privacy: services.privacy, push: core.push, now: core.now });

  async function self(userId: bigint) {
    const record = await core.users.byId(userId);
    if (!record || record.deleted) throw RpcError.unauthorized();
    return record;
  }

  rpc.register('account.updateProfile', async (req, ctx) => {
    const userId = viewerOf(ctx);
    const before = await self(userId);
    const patch = profilePatch(req);
    await core.users.update(userId, patch);
    const after = await self(userId);
    await core.events.emit('userUpdated', { user: after });
    if (after.firstName !== before.firstName || after.lastName !== before.lastName) await push.nameChanged(userId, callerSession(ctx));
    return userViews.ofRecord(userId, after);
  });

  rpc.register('account.checkUsername', async (req, ctx) => {
    const userId = viewerOf(ctx);
    if (!isValidUsername(req.username)) throw RpcError.badRequest('USERNAME_INVALID');
    const holder = await core.users.byUsername(req.username);
    if (holder && holder.id !== userId) throw RpcError.badRequest('USERNAME_OCCUPIED');
    // Public channels share the namespace.
    if (await services.channels.resolve(userId, req.username)) throw RpcError.badRequest('USERNAME_OCCUPIED');
    return true;
  });

  rpc.register('account.updateUsername', async (req, ctx) => {
    const userId = viewerOf(ctx);
    const before = await self(userId);
    const username = req.username === '' ? null : req.username;
    if (username !== null && !isValidUsername(username)) throw RpcError.badRequest('USERNAME_INVALID');
    if (username === before.username) throw RpcError.badRequest('USERNAME_NOT_MODIFIED');
    if (username !== null && (await services.channels.resolve(userId, username))) throw RpcError.badRequest('USERNAME_OCCUPIED');
    if (!(await core.users.setUsername(userId, username))) throw RpcError.badRequest('USERNAME_OCCUPIED');
    const after = await self(userId);
    await core.events.emit('userUpdated', { user: after });
    await push.nameChanged(userId, callerSession(ctx));
    return userViews.ofRecord(userId, after);
  });

  // Clients call this when they go to the background (offline) and, while in use, every
  // online_update_period_ms (help.getConfig); each call moves the last-seen time.
  rpc.register('account.updateStatus', async (req, ctx) => {
    const userId = viewerOf(ctx);
    presence.mark(userId, ctx.authKey.permKeyId ?? ctx.authKey.authKey.id, req.offline);
    await core.users.update(userId, { lastSeenAt: Math.floor(ctx.now() / 1000) });
    await push.statusChanged(userId);
    return true;
  });

  rpc.register('account.deleteAccount', async (req, ctx) => {
    const userId = viewerOf(ctx);
    core.log.info({ userId: userId.toString(), reason: req.reason.slice(0, 200) }, 'account deleted by its owner');
    await deleteAccount(core, presence, userId, { callerPermKeyId: ctx.authKey.permKeyId });
    return true;
  });
}
