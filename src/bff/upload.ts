// upload.saveFilePart, upload.saveBigFilePart, upload.getFile, upload.getFileHashes
// (core.telegram.org/api/files).
import type { TlType } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import { checkDownloadRange } from '../service/dfs/rules.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { inputUserId, viewerOf } from './peers.js';
import { secretCallerOf } from './messages-secret.js';
import type { RpcContext } from './context.js';

export function registerUpload(rpc: RpcDispatcher, services: AppServices): void {
  const { dfs, media } = services;

  rpc.register('upload.saveFilePart', async (req, ctx) => {
    await dfs.saveFilePart(viewerOf(ctx), req.fileId, req.filePart, Buffer.from(req.bytes));
    return true;
  });

  rpc.register('upload.saveBigFilePart', async (req, ctx) => {
    await dfs.saveBigFilePart(viewerOf(ctx), req.fileId, req.filePart, req.fileTotalParts, Buffer.from(req.bytes));
    return true;
  });

  const resolvePeer = (viewer: bigint) => (peer: TlType<'InputPeer'>) => {
    const id = inputUserId(services, viewer, peer);
    if (id === undefined) throw RpcError.badRequest('PEER_ID_INVALID');
    return id;
  };
  // A secret chat's file: only the two devices of its chat may read its ciphertext.
  const encryptedLocation = async (ctx: RpcContext, id: bigint, accessHash: bigint) => ({
    ...(await services.secretChats.fileLocation(secretCallerOf(ctx), id, accessHash)),
    type: { _: 'storage.fileUnknown' } as const,
  });
  const chatPhotoOf = (viewer: bigint) => (peer: TlType<'InputPeer'>) =>
    peer._ === 'inputPeerChat' ? services.chats.photoIdFor(viewer, peer.chatId) : services.channels.photoIdFor(viewer, peer);

  rpc.register('upload.getFile', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    const { offset, limit } = checkDownloadRange(req.offset, req.limit, Boolean(req.precise));
    const loc = req.location._ === 'inputEncryptedFileLocation' ? await encryptedLocation(ctx, req.location.id, req.location.accessHash) : await media.location(viewer, req.location, resolvePeer(viewer), chatPhotoOf(viewer));
    const bytes = offset >= loc.size ? Buffer.alloc(0) : await dfs.readRange(loc.bucket, loc.key, offset, limit);
    return { _: 'upload.file', type: loc.type, mtime: loc.mtime, bytes };
  });

  rpc.register('upload.getFileHashes', async (req, ctx) => {
    const viewer = viewerOf(ctx);
    if (req.offset < 0n) throw RpcError.badRequest('OFFSET_INVALID');
    const loc = req.location._ === 'inputEncryptedFileLocation' ? await encryptedLocation(ctx, req.location.id, req.location.accessHash) : await media.location(viewer, req.location, resolvePeer(viewer), chatPhotoOf(viewer));
    return dfs.fileHashes(loc.bucket, loc.key, loc.size, Number(req.offset));
  });
}
