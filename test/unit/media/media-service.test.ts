// MediaService over a real (temporary) SQLite store and disk blob store: documents keep the client's
// attributes, derived ones are added (or not, without ffmpeg), re-sending checks access hashes and
// references, downloads resolve locations, profile photos follow privacy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { RpcError } from '../../../src/common/rpc-error.js';
import { DiskBlobStore, readAll } from '../../../src/infra/blob/index.js';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { AccessHashes } from '../../../src/service/access-hash.js';
import { DfsService } from '../../../src/service/dfs/index.js';
import { FileReferences } from '../../../src/service/dfs/file-references.js';
import { MediaService } from '../../../src/service/media/media-service.js';
import { MediaStore } from '../../../src/service/media/media-store.js';
import { MediaProbe } from '../../../src/service/media/probe.js';
import type { Obj, TlType } from '../../../src/tl/index.js';
import { hasFfmpeg } from '../../support/ffmpeg.js';

const dirs: string[] = [];
const dbs: Database[] = [];
after(async () => {
  for (const db of dbs) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const HOUR = 3600_000;

async function fixture(opts: { ffmpeg?: boolean; hidden?: Set<bigint> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-media-'));
  dirs.push(dir);
  const db = await openDatabase(dir);
  dbs.push(db);
  const clock = { ms: 1_700_000_000_000 };
  const log = createLogger('silent');
  const dfs = new DfsService({ blobs: new DiskBlobStore(join(dir, 'files')).init(), dataDir: dir, now: () => clock.ms, log, uploadRate: null });
  const probe = opts.ffmpeg === false ? new MediaProbe(log, { ffprobe: 'echo-missing-ffprobe', ffmpeg: 'echo-missing-ffmpeg' }) : new MediaProbe(log);
  const hidden = opts.hidden ?? new Set<bigint>();
  const media = new MediaService({
    store: new MediaStore(db.kysely),
    dfs,
    refs: new FileReferences(Buffer.alloc(32, 7), () => clock.ms),
    accessHashes: new AccessHashes(Buffer.alloc(32, 9)),
    probe,
    privacy: { allows: async (_owner, _key, viewer) => !hidden.has(viewer) },
    dcId: 2,
    now: () => clock.ms,
    random: (n) => randomBytes(n),
    log,
  });
  let nextFile = 1n;
  /** Saves `data` as parts and answers the InputFile for it. */
  const upload = async (user: bigint, data: Buffer, name = 'f'): Promise<Obj<'inputFile'>> => {
    const id = nextFile++;
    const part = 64 * 1024;
    let n = 0;
    for (let i = 0; i < data.length; i += part) await dfs.saveFilePart(user, id, n++, data.subarray(i, i + part));
    return { _: 'inputFile', id, parts: n, name, md5Checksum: '' };
  };
  return { media, dfs, clock, upload, dir };
}

/** Decoded TL objects carry absent flags as undefined fields; compare without them. */
const defined = (v: any): any =>
  Array.isArray(v) ? v.map(defined) : v && typeof v === 'object' && !Buffer.isBuffer(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, defined(x)])) : v;
const is = (name: string) => (err: unknown) => err instanceof RpcError && err.errorMessage === name;
const jpeg = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } }).jpeg().toBuffer();

test('documents keep mime type, size and every attribute the client sent', async () => {
  const { media, upload } = await fixture({ ffmpeg: false });
  const data = randomBytes(100_000);
  const attributes: TlType<'DocumentAttribute'>[] = [
    { _: 'documentAttributeFilename', fileName: 'voice.ogg' },
    { _: 'documentAttributeAudio', voice: true, duration: 7, waveform: Buffer.from([1, 2, 3]) },
  ];
  const m = (await media.resolveInputMedia(1n, { _: 'inputMediaUploadedDocument', file: await upload(1n, data), mimeType: 'audio/ogg', attributes })) as any;
  assert.equal(m._, 'messageMediaDocument');
  assert.equal(m.voice, true);
  assert.equal(m.document.mimeType, 'audio/ogg');
  assert.equal(m.document.size, BigInt(data.length));
  assert.deepEqual(defined(m.document.attributes), [
    { _: 'documentAttributeFilename', fileName: 'voice.ogg' },
    { _: 'documentAttributeAudio', voice: true, duration: 7, waveform: Buffer.from([1, 2, 3]) },
  ]);
  assert.equal(m.document.thumbs, undefined);
});

test('without ffmpeg a video keeps exactly the client\'s attributes and thumbnail', async () => {
  const { media, upload } = await fixture({ ffmpeg: false });
  const attributes: TlType<'DocumentAttribute'>[] = [{ _: 'documentAttributeVideo', supportsStreaming: true, duration: 3, w: 640, h: 360 }];
  const m = (await media.resolveInputMedia(1n, {
    _: 'inputMediaUploadedDocument',
    file: await upload(1n, randomBytes(5000)),
    thumb: await upload(1n, await jpeg(320, 180)),
    mimeType: 'video/mp4',
    attributes,
  })) as any;
  assert.equal(m.video, true);
  assert.deepEqual(defined(m.document.attributes), [{ _: 'documentAttributeVideo', roundMessage: false, supportsStreaming: true, nosound: false, duration: 3, w: 640, h: 360 }]);
  assert.deepEqual(m.document.thumbs.map((t: any) => [t._, t.type]), [['photoStrippedSize', 'i'], ['photoSize', 'm']]);
  // Without attributes and without the tools the video is still sent, as a plain file.
  const bare = (await media.resolveInputMedia(1n, { _: 'inputMediaUploadedDocument', file: await upload(1n, randomBytes(5000)), mimeType: 'video/mp4', attributes: [] })) as any;
  assert.deepEqual(bare.document.attributes, []);
  assert.equal(bare.video, undefined);
});

test('with ffmpeg a video without attributes gets duration, size and a thumbnail', { skip: hasFfmpeg() ? false : 'ffmpeg/ffprobe are not installed (scripts/setup-media-tools.sh installs them)' }, async () => {
  const { media, upload, dir } = await fixture();
  const clip = join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=480x270:rate=10', '-t', '2', '-pix_fmt', 'yuv420p', clip]);
  const m = (await media.resolveInputMedia(1n, { _: 'inputMediaUploadedDocument', file: await upload(1n, readFileSync(clip)), mimeType: 'video/mp4', attributes: [] })) as any;
  const video = m.document.attributes.find((a: any) => a._ === 'documentAttributeVideo');
  assert.ok(video, 'a video attribute was derived');
  assert.deepEqual([video.w, video.h, video.nosound], [480, 270, true]);
  assert.ok(Math.abs(video.duration - 2) < 0.2);
  assert.equal(m.video, true);
  const thumb = m.document.thumbs.find((t: any) => t.type === 'm');
  assert.deepEqual([thumb.w, thumb.h], [320, 180]);
});

test('an image sent as a document gets a thumbnail and its dimensions', async () => {
  const { media, upload } = await fixture({ ffmpeg: false });
  const m = (await media.resolveInputMedia(1n, { _: 'inputMediaUploadedDocument', file: await upload(1n, await jpeg(1000, 500)), mimeType: 'image/jpeg', attributes: [{ _: 'documentAttributeFilename', fileName: 'a.jpg' }] })) as any;
  assert.deepEqual(defined(m.document.attributes[1]), { _: 'documentAttributeImageSize', w: 1000, h: 500 });
  assert.deepEqual(m.document.thumbs.map((t: any) => [t.type, t.w ?? 0, t.h ?? 0]), [['i', 0, 0], ['m', 320, 160]]);
});

test('re-sending checks the access hash and the file reference, which expires and is refreshed on read', async () => {
  const { media, upload, clock } = await fixture({ ffmpeg: false });
  const first = (await media.resolveInputMedia(1n, { _: 'inputMediaUploadedPhoto', file: await upload(1n, await jpeg(300, 200)) })) as any;
  const p = first.photo;
  const input = (over: Partial<Obj<'inputPhoto'>> = {}): Obj<'inputMediaPhoto'> => ({ _: 'inputMediaPhoto', id: { _: 'inputPhoto', id: p.id, accessHash: p.accessHash, fileReference: p.fileReference, ...over } });
  const again = (await media.resolveInputMedia(2n, input())) as any;
  assert.equal(again.photo.id, p.id);
  await assert.rejects(media.resolveInputMedia(2n, input({ accessHash: p.accessHash + 1n })), is('PHOTO_INVALID'));
  await assert.rejects(media.resolveInputMedia(2n, input({ fileReference: Buffer.from('x') })), is('FILE_REFERENCE_INVALID'));
  await assert.rejects(media.resolveInputMedia(2n, { _: 'inputMediaPhoto', id: { _: 'inputPhotoEmpty' } }), is('MEDIA_EMPTY'));
  await assert.rejects(media.resolveInputMedia(2n, { _: 'inputMediaGeoPoint', geoPoint: { _: 'inputGeoPointEmpty' } }), is('MEDIA_INVALID'));
  clock.ms += 30 * HOUR;
  await assert.rejects(media.resolveInputMedia(2n, input()), is('FILE_REFERENCE_EXPIRED'));
  await assert.rejects(media.resolveInputMedia(2n, input(), 3), is('FILE_REFERENCE_3_EXPIRED'));
  const refreshed = media.refreshReferences({ _: 'message', media: first }) as any;
  assert.notDeepEqual(refreshed.media.photo.fileReference, p.fileReference);
  assert.equal(refreshed.media.photo.id, p.id);
  await media.resolveInputMedia(2n, input({ fileReference: refreshed.media.photo.fileReference }));
  // Downloads resolve each size; unknown sizes and wrong hashes are refused.
  const loc = media.location(2n, { _: 'inputPhotoFileLocation', id: p.id, accessHash: p.accessHash, fileReference: refreshed.media.photo.fileReference, thumbSize: 'm' }, () => 0n);
  const l = await loc;
  assert.equal(l.bucket, 'photos');
  assert.deepEqual(l.type, { _: 'storage.fileJpeg' });
  await assert.rejects(media.location(2n, { _: 'inputPhotoFileLocation', id: p.id, accessHash: p.accessHash, fileReference: refreshed.media.photo.fileReference, thumbSize: 'z' }, () => 0n), is('LOCATION_INVALID'));
  await assert.rejects(media.location(2n, { _: 'inputPhotoFileLocation', id: p.id, accessHash: 1n, fileReference: refreshed.media.photo.fileReference, thumbSize: 'm' }, () => 0n), is('FILE_ID_INVALID'));
});

test('profile photos: current first, updateProfilePhoto, delete, and privacy', async () => {
  const { media, upload, clock, dfs } = await fixture({ ffmpeg: false, hidden: new Set([3n]) });
  const one = await media.uploadProfilePhoto(1n, { file: await upload(1n, await jpeg(500, 400)) });
  clock.ms += 1000;
  const two = await media.uploadProfilePhoto(1n, { file: await upload(1n, await jpeg(300, 300)) });
  assert.ok(two.id > one.id, 'ids grow with time');
  assert.equal((await media.currentPhoto(1n))?.photoId, two.id);
  const list = await media.userPhotos(2n, 1n, { offset: 0, maxId: 0n, limit: 10 });
  assert.deepEqual(list.photos.map((p: any) => p.id), [two.id, one.id]);
  assert.deepEqual((await media.userPhotos(2n, 1n, { offset: 0, maxId: two.id, limit: 10 })).photos.map((p: any) => p.id), [one.id]);
  assert.deepEqual(await media.userPhotos(3n, 1n, { offset: 0, maxId: 0n, limit: 10 }), { count: 0, photos: [] }, 'hidden by privacy');
  const photoOne = media.photoObject(one) as any;
  clock.ms += 1000;
  await media.updateProfilePhoto(1n, { _: 'inputPhoto', id: one.id, accessHash: photoOne.accessHash, fileReference: photoOne.fileReference });
  assert.equal((await media.currentPhoto(1n))?.photoId, one.id);
  // Big and small downloads by peer, for those allowed.
  const big = await media.location(2n, { _: 'inputPeerPhotoFileLocation', big: true, peer: { _: 'inputPeerSelf' }, photoId: one.id }, () => 1n);
  const meta = await sharp(await readAll(await dfs.blobs.read(big.bucket, big.key))).metadata();
  assert.deepEqual([meta.width, meta.height], [400, 400]);
  await assert.rejects(media.location(3n, { _: 'inputPeerPhotoFileLocation', peer: { _: 'inputPeerSelf' }, photoId: one.id }, () => 1n), is('FILE_ID_INVALID'));
  await assert.rejects(media.location(2n, { _: 'inputPeerPhotoFileLocation', peer: { _: 'inputPeerSelf' }, photoId: 12345n }, () => 1n), is('FILE_ID_INVALID'));
  assert.deepEqual(await media.deleteProfilePhotos(1n, [{ _: 'inputPhoto', id: one.id, accessHash: photoOne.accessHash, fileReference: Buffer.alloc(0) }]), [one.id]);
  assert.equal((await media.currentPhoto(1n))?.photoId, two.id);
  await media.updateProfilePhoto(1n, { _: 'inputPhotoEmpty' });
  assert.equal(await media.currentPhoto(1n), undefined);
  await assert.rejects(media.uploadProfilePhoto(1n, {}), is('PHOTO_FILE_MISSING'));
});
