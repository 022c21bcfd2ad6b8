// photos.uploadProfilePhoto, photos.updateProfilePhoto, photos.getUserPhotos, photos.deletePhotos
// (core.telegram.org/api/files#uploading-profile-or-chat-pictures). Group photos (messages.editChatPhoto)
// come with groups.
import type { Obj } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import type { RpcDispatcher } from './registry.js';
import type { RpcContext } from './context.js';
import type { AppServices } from './services.js';
import { resolveInputUser, viewerOf } from './peers.js';

/** Others see the new photo when they next load the user; the user's own other devices are told now. */
async function announce(services: AppServices, userId: bigint, ctx: RpcContext): Promise<Obj<'user'>[]> {
  const users = await services.userViews.many(userId, [userId]);
  services.core.push.pushToUser(
    userId,
    { _: 'updates', updates: [{ _: 'updateUser', userId }], users, chats: [], date: Math.floor(ctx.now() / 1000), seq: 0 } satisfies Obj<'updates'>,
    { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId },
  );
  return users;
}

export function registerPhotos(rpc: RpcDispatcher, services: AppServices): void {
  const { media } = services;

  rpc.register('photos.uploadProfilePhoto', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    if (req.bot) throw RpcError.badRequest('BOT_INVALID');
    if (req.videoEmojiMarkup && !req.file && !req.video) throw RpcError.badRequest('PHOTO_FILE_MISSING');
    const row = await media.uploadProfilePhoto(viewer, { file: req.file, video: req.video, videoStartTs: req.videoStartTs });
    const users = await announce(services, viewer, ctx);
    return { _: 'photos.photo', photo: media.photoObject(row), users };
  });

  rpc.register('photos.updateProfilePhoto', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    if (req.bot) throw RpcError.badRequest('BOT_INVALID');
    const row = await media.updateProfilePhoto(viewer, req.id);
    const users = await announce(services, viewer, ctx);
    return { _: 'photos.photo', photo: row ? media.photoObject(row) : { _: 'photoEmpty', id: 0n }, users };
  });

  rpc.register('photos.getUserPhotos', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const owner = await resolveInputUser(services, ctx, req.userId);
    if (req.limit < 0 || req.offset < 0) throw RpcError.badRequest('LIMIT_INVALID');
    const { count, photos } = await media.userPhotos(viewer, owner, { offset: req.offset, maxId: req.maxId, limit: req.limit });
    const users = await services.userViews.many(viewer, [owner]);
    if (count > photos.length) return { _: 'photos.photosSlice', count, photos, users };
    return { _: 'photos.photos', photos, users };
  });

  rpc.register('photos.deletePhotos', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const deleted = await media.deleteProfilePhotos(viewer, req.id);
    if (deleted.length > 0) await announce(services, viewer, ctx);
    return deleted;
  });
}
