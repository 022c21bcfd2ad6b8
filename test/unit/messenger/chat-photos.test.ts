// Group photos over a real (temporary) SQLite database, the real media service (sharp) and disk blobs:
// who may change the photo, the service messages every member gets, what chat objects, chatFull and
// invite previews show, downloads of the chat photo by members and refusals for everyone else.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { RpcError } from '../../../src/common/rpc-error.js';
import { DiskBlobStore, readAll } from '../../../src/infra/blob/index.js';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { Messenger } from '../../../src/messenger/index.js';
import { ChatBase, type ChatService } from '../../../src/messenger/chats/index.js';
import { chatPeer } from '../../../src/messenger/peer.js';
import { AccessHashes } from '../../../src/service/access-hash.js';
import { DfsService } from '../../../src/service/dfs/index.js';
import { FileReferences } from '../../../src/service/dfs/file-references.js';
import { MediaService } from '../../../src/service/media/media-service.js';
import { MediaStore } from '../../../src/service/media/media-store.js';
import { MediaProbe } from '../../../src/service/media/probe.js';
import { inflateStripped } from '../../../src/service/media/stripped.js';
import type { Obj, TlType } from '../../../src/tl/index.js';
import { plainUserViews, recordingPush } from './stubs.js';

const A = 3_000_001n;
const B = 3_000_002n;
const C = 3_000_003n;
const OUTSIDER = 3_000_009n;

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const is = (name: string) => (err: unknown) => err instanceof RpcError && err.errorMessage === name;
const me = (userId: bigint) => ({ userId, session: { authKeyId: userId, sessionId: 1n } });
const jpeg = (w: number, h: number, background = '#336699') => sharp({ create: { width: w, height: h, channels: 3, background } }).jpeg().toBuffer();

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-chat-photos-'));
  dirs.push(dir);
  const db: Database = await openDatabase(dir);
  const bus = new MemoryBus({ maxAttempts: 1 });
  cleanups.push(async () => {
    await bus.close();
    await db.close();
  });
  const clock = { ms: 1_700_000_000_000 };
  const log = createLogger('silent');
  const dfs = new DfsService({ blobs: new DiskBlobStore(join(dir, 'files')).init(), dataDir: dir, now: () => clock.ms, log, uploadRate: null });
  const media = new MediaService({
    store: new MediaStore(db.kysely),
    dfs,
    refs: new FileReferences(Buffer.alloc(32, 7), () => clock.ms),
    accessHashes: new AccessHashes(Buffer.alloc(32, 9)),
    probe: new MediaProbe(log, { ffprobe: 'echo-missing-ffprobe', ffmpeg: 'echo-missing-ffmpeg' }),
    privacy: { allows: async () => true },
    dcId: 2,
    now: () => clock.ms,
    random: (n) => randomBytes(n),
    log,
  });
  const pushed: { userId: bigint; updates: any }[] = [];
  const base = new ChatBase(db.kysely, media);
  const push = recordingPush(pushed);
  const userViews = plainUserViews;
  const messenger = new Messenger({ db: db.kysely, bus, push, contacts: { isBlocked: async () => false, blockBetween: async () => undefined }, userViews, now: () => clock.ms, groups: base.directory });
  let seq = 0n;
  const chats: ChatService = base.service({
    messages: messenger.store,
    messaging: messenger.messaging,
    sync: messenger.sync,
    userViews,
    privacy: { allows: async () => true },
    contacts: { isBlocked: async () => false },
    push,
    ids: { next: async () => ++seq + 700n },
    random: (n) => randomBytes(n),
    now: () => clock.ms,
    linkHost: () => 'echo.test',
  });
  let nextFile = 1n;
  const upload = async (user: bigint, data: Buffer): Promise<Obj<'inputFile'>> => {
    const id = nextFile++;
    const part = 64 * 1024;
    let n = 0;
    for (let i = 0; i < data.length; i += part) await dfs.saveFilePart(user, id, n++, data.subarray(i, i + part));
    return { _: 'inputFile', id, parts: n, name: 'p.jpg', md5Checksum: '' };
  };
  /** upload.getFile's resolution of a chat photo location, as src/bff/upload.ts wires it. */
  const download = async (viewer: bigint, chatId: bigint, photoId: bigint, big: boolean) => {
    const loc = await media.location(viewer, { _: 'inputPeerPhotoFileLocation', big: big || undefined, peer: { _: 'inputPeerChat', chatId }, photoId }, () => {
      throw new RpcError(400, 'PEER_ID_INVALID');
    }, (peer) => (peer._ === 'inputPeerChat' ? chats.photoIdFor(viewer, peer.chatId) : Promise.reject(new RpcError(400, 'PEER_ID_INVALID'))));
    return readAll(await dfs.blobs.read(loc.bucket, loc.key));
  };
  const drain = () => bus.drain();
  const history = async (owner: bigint, chatId: bigint): Promise<any[]> =>
    ((await messenger.views.history(owner, chatPeer(chatId), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0 }, 0n)) as any).messages;
  return { chats, media, upload, download, pushed, drain, history, clock };
}

test('editChatPhoto: the photo gets the profile sizes, every member gets messageActionChatEditPhoto with pts, chat objects show chatPhoto', async () => {
  const f = await setup();
  const { chatId } = await f.chats.create(me(A), [B, C], 'Photos');
  await f.drain();
  f.pushed.length = 0;
  const res: any = await f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto', file: await f.upload(A, await jpeg(900, 700)) });
  const own = res.updates.find((u: any) => u._ === 'updateNewMessage');
  assert.equal(own.message._, 'messageService');
  assert.equal(own.message.out, true);
  const photo = own.message.action.photo;
  assert.equal(own.message.action._, 'messageActionChatEditPhoto');
  assert.equal(photo._, 'photo');
  assert.deepEqual(
    photo.sizes.map((s: any) => (s._ === 'photoStrippedSize' ? 'i' : `${s.type}:${s.w}x${s.h}`)),
    ['i', 'a:160x160', 'b:320x320', 'c:640x640'],
  );
  const chat = res.chats[0];
  assert.equal(chat.photo._, 'chatPhoto');
  assert.equal(chat.photo.photoId, photo.id);
  assert.equal(chat.photo.dcId, 2);
  assert.deepEqual(chat.photo.strippedThumb, photo.sizes[0].bytes);
  const inflated = await sharp(inflateStripped(chat.photo.strippedThumb)).metadata();
  assert.equal(inflated.format, 'jpeg');

  await f.drain();
  for (const member of [B, C]) {
    const got = f.pushed.find((p) => p.userId === member)?.updates;
    assert.ok(got, `member ${member} was told`);
    const u = got.updates.find((x: any) => x._ === 'updateNewMessage');
    assert.equal(u.message.action._, 'messageActionChatEditPhoto');
    assert.equal(u.message.action.photo.id, photo.id);
    assert.ok(u.pts > 0 && u.ptsCount === 1, 'the service message takes a pts like any message');
    assert.equal(got.chats[0].photo.photoId, photo.id);
  }
  const inHistory = (await f.history(B, chatId)).find((m) => m.action?._ === 'messageActionChatEditPhoto');
  assert.equal(inHistory.action.photo.id, photo.id);
  assert.equal(inHistory.action.photo.fileReference.length, 21, 'read back with a file reference');

  const full: any = await f.chats.getFullChat(C, chatId);
  assert.equal(full.fullChat.chatPhoto._, 'photo');
  assert.equal(full.fullChat.chatPhoto.id, photo.id);
  assert.equal(((await f.chats.getChats(B, [chatId])) as any).chats[0].photo.photoId, photo.id);

  // Members download the big (640) and small (160) sizes.
  const big = await sharp(await f.download(B, chatId, photo.id, true)).metadata();
  assert.deepEqual([big.format, big.width, big.height], ['jpeg', 640, 640]);
  const small = await sharp(await f.download(C, chatId, photo.id, false)).metadata();
  assert.deepEqual([small.width, small.height], [160, 160]);
});

test('editChatPhoto rights: change_info banned by default rights refuses plain members (CHAT_ADMIN_REQUIRED) but not admins', async () => {
  const f = await setup();
  const { chatId } = await f.chats.create(me(A), [B, C], 'Rights');
  // Without the ban, a plain member may change the photo (basic groups' default).
  await f.chats.editPhoto(me(B), chatId, { _: 'inputChatUploadedPhoto', file: await f.upload(B, await jpeg(300, 300)) });
  await f.chats.editDefaultBannedRights(me(A), chatId, { _: 'chatBannedRights', changeInfo: true, untilDate: 0 });
  const file = await f.upload(C, await jpeg(300, 300, '#aa0000'));
  await assert.rejects(f.chats.editPhoto(me(C), chatId, { _: 'inputChatUploadedPhoto', file }), is('CHAT_ADMIN_REQUIRED'));
  await assert.rejects(f.chats.editPhoto(me(C), chatId, { _: 'inputChatPhotoEmpty' }), is('CHAT_ADMIN_REQUIRED'));
  await f.chats.editAdmin(me(A), chatId, C, true);
  await f.chats.editPhoto(me(C), chatId, { _: 'inputChatUploadedPhoto', file });
  // Outsiders and former members.
  await assert.rejects(f.chats.editPhoto(me(OUTSIDER), chatId, { _: 'inputChatPhotoEmpty' }), is('CHAT_ID_INVALID'));
  await f.chats.deleteUser(me(B), chatId, B, false);
  await assert.rejects(f.chats.editPhoto(me(B), chatId, { _: 'inputChatPhotoEmpty' }), is('CHAT_WRITE_FORBIDDEN'));
});

test('removing the photo: messageActionChatDeletePhoto, chatPhotoEmpty, CHAT_NOT_MODIFIED when there is none', async () => {
  const f = await setup();
  const { chatId } = await f.chats.create(me(A), [B], 'Remove');
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatPhotoEmpty' }), is('CHAT_NOT_MODIFIED'));
  const set: any = await f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto', file: await f.upload(A, await jpeg(400, 300)) });
  const photoId = set.chats[0].photo.photoId as bigint;
  await f.drain();
  f.pushed.length = 0;
  const res: any = await f.chats.editPhoto(me(A), chatId, { _: 'inputChatPhotoEmpty' });
  assert.equal(res.updates.find((u: any) => u._ === 'updateNewMessage').message.action._, 'messageActionChatDeletePhoto');
  assert.deepEqual(res.chats[0].photo, { _: 'chatPhotoEmpty' });
  await f.drain();
  const atB = f.pushed.find((p) => p.userId === B)!.updates;
  assert.equal(atB.updates[0].message.action._, 'messageActionChatDeletePhoto');
  assert.deepEqual(atB.chats[0].photo, { _: 'chatPhotoEmpty' });
  assert.equal(((await f.chats.getFullChat(B, chatId)) as any).fullChat.chatPhoto, undefined);
  // The old photo is no longer the chat's: its location is stale.
  await assert.rejects(f.download(B, chatId, photoId, true), is('FILE_ID_INVALID'));
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatPhotoEmpty' }), is('CHAT_NOT_MODIFIED'));
});

test('setting an existing photo by id; the same photo again is CHAT_NOT_MODIFIED; bad photos are refused', async () => {
  const f = await setup();
  const { chatId } = await f.chats.create(me(A), [B], 'Reuse');
  const profile = await f.media.uploadProfilePhoto(A, { file: await f.upload(A, await jpeg(500, 500)) });
  const obj = f.media.photoObject(profile) as any;
  const input: TlType<'InputChatPhoto'> = { _: 'inputChatPhoto', id: { _: 'inputPhoto', id: obj.id, accessHash: obj.accessHash, fileReference: obj.fileReference } };
  const res: any = await f.chats.editPhoto(me(A), chatId, input);
  assert.equal(res.chats[0].photo.photoId, profile.id);
  await assert.rejects(f.chats.editPhoto(me(A), chatId, input), is('CHAT_NOT_MODIFIED'));
  await assert.rejects(
    f.chats.editPhoto(me(A), chatId, { _: 'inputChatPhoto', id: { _: 'inputPhoto', id: obj.id, accessHash: obj.accessHash + 1n, fileReference: obj.fileReference } }),
    is('PHOTO_INVALID'),
  );
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatPhoto', id: { _: 'inputPhotoEmpty' } }), is('PHOTO_INVALID'));
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto' }), is('PHOTO_FILE_MISSING'));
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto', file: await f.upload(A, randomBytes(5000)) }), is('PHOTO_INVALID'));
  await assert.rejects(f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto', file: { _: 'inputFile', id: 999n, parts: 1, name: 'x', md5Checksum: '' } }), (e) => e instanceof RpcError && e.errorMessage.startsWith('FILE_PART'));
  assert.equal(((await f.chats.getChats(A, [chatId])) as any).chats[0].photo.photoId, profile.id, 'failed edits changed nothing');
});

test('downloads and previews: members and former members who left may fetch the photo; kicked users and outsiders may not', async () => {
  const f = await setup();
  const { chatId } = await f.chats.create(me(A), [B, C], 'Access');
  const res: any = await f.chats.editPhoto(me(A), chatId, { _: 'inputChatUploadedPhoto', file: await f.upload(A, await jpeg(200, 100)) });
  const photoId = res.chats[0].photo.photoId as bigint;
  // A small source: the crops stop at its shorter side.
  const big = await sharp(await f.download(A, chatId, photoId, true)).metadata();
  assert.deepEqual([big.width, big.height], [100, 100]);
  await assert.rejects(f.download(OUTSIDER, chatId, photoId, true), is('PEER_ID_INVALID'));
  await assert.rejects(f.download(A, chatId + 1000n, photoId, true), is('PEER_ID_INVALID'));
  await assert.rejects(f.download(A, chatId, photoId + 1n, true), is('FILE_ID_INVALID'));
  await f.chats.deleteUser(me(B), chatId, B, false);
  assert.equal(((await f.chats.getChats(B, [chatId])) as any).chats[0].photo.photoId, photoId, 'chat{left} still shows the photo');
  assert.ok((await f.download(B, chatId, photoId, false)).length > 0);
  await f.chats.deleteUser(me(A), chatId, C, false);
  assert.equal(((await f.chats.getChats(C, [chatId])) as any).chats[0]._, 'chatForbidden');
  await assert.rejects(f.download(C, chatId, photoId, false), is('CHAT_ID_INVALID'));
  // An invite preview shows outsiders the photo.
  const link: any = await f.chats.exportInvite(me(A), chatId, {});
  const preview: any = await f.chats.checkInvite(OUTSIDER, link.link);
  assert.equal(preview._, 'chatInvite');
  assert.equal(preview.photo.id, photoId);
});
