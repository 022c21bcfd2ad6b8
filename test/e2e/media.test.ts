// Files and media end to end (issue 5): a GramJS user (layer 198) uploads and sends, an mtcute user (layer
// 227) downloads with its own chunking, and the bytes must match. Covers big-file parts (12 MB), photo
// sizes and thumbnails, albums, profile photos seen by another user, resuming an interrupted upload, and a
// server restart between upload and send. The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import type { MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 240_000;
const ALICE_PHONE = testPhone(500001);
const BOB_PHONE = testPhone(500002);

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());

let echod: EchodProcess;
let target: EchoTarget;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
let world: E2eWorld;

const aliceCall = <R>(req: Api.AnyRequest) => alice.client.invoke(req) as Promise<R>;

async function photoJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  // Noise, so the JPEG sizes are realistic and each photo differs.
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

async function upload(data: Buffer, name: string): Promise<Api.TypeInputFile> {
  return alice.client.uploadFile({ file: new CustomFile(name, data.length, '', data), workers: 4 });
}

/** The id of the message a sendMedia/sendMultiMedia answer created, from its updateNewMessage. */
function sentMessages(res: Api.TypeUpdates): Api.Message[] {
  assert.ok(res instanceof Api.Updates, `answered ${res.className}`);
  return res.updates.filter((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage).map((u) => u.message as Api.Message);
}

/** Bob's newest messages with Alice, as mtcute's high-level objects. */
async function bobLatest(count: number): Promise<any[]> {
  const res: any = await bob.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit: count, maxId: 0, minId: 0, hash: Long.ZERO });
  const msgs = await bob.client.getMessages(aliceForBob, res.messages.map((m: any) => m.id));
  return msgs.filter((m: any) => m !== null);
}

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const a = await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 600 } });
  alice = a.handle;
  const b = await world.signUpMtcute({ phone: BOB_PHONE, firstName: 'Bob' });
  bob = b.handle;
  const imported = await aliceCall<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BOB_PHONE}`, firstName: 'Bob', lastName: '' })] }),
  );
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${ALICE_PHONE}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(() => world?.close());

describe('files and media', { timeout: TIMEOUT }, () => {
  test('a 12 MB document (big-file parts) from GramJS downloads byte for byte in mtcute', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 12345);
    const file = await upload(data, 'big.bin');
    assert.ok(file instanceof Api.InputFileBig, 'GramJS used saveBigFilePart');
    const res = await aliceCall<Api.TypeUpdates>(
      new Api.messages.SendMedia({
        peer: bobForAlice,
        media: new Api.InputMediaUploadedDocument({ file, mimeType: 'application/octet-stream', attributes: [new Api.DocumentAttributeFilename({ fileName: 'big.bin' })] }),
        message: 'the big one',
        randomId: randomLong(),
      }),
    );
    const [sent] = sentMessages(res);
    const doc = (sent!.media as Api.MessageMediaDocument).document as Api.Document;
    assert.equal(Number(doc.size), data.length);
    const [msg] = await bobLatest(1);
    assert.equal(msg.text, 'the big one');
    assert.equal(msg.media.type, 'document');
    assert.equal(msg.media.fileName, 'big.bin');
    assert.equal(msg.media.fileSize, data.length);
    const got = await bob.client.downloadAsBuffer(msg.media);
    assert.equal(got.length, data.length);
    assert.equal(sha256(got), sha256(data));
  });

  test('a photo gets Telegram\'s sizes and a stripped thumbnail; mtcute downloads the full size and a thumbnail', async () => {
    const jpeg = await photoJpeg(1200, 900, 1);
    const res = await aliceCall<Api.TypeUpdates>(new Api.messages.SendMedia({ peer: bobForAlice, media: new Api.InputMediaUploadedPhoto({ file: await upload(jpeg, 'p.jpg') }), message: '', randomId: randomLong() }));
    const photo = ((sentMessages(res)[0]!.media as Api.MessageMediaPhoto).photo as Api.Photo)!;
    const sizes = photo.sizes.map((s) => (s instanceof Api.PhotoSize ? `${s.type}:${s.w}x${s.h}` : s.className === 'PhotoStrippedSize' ? 'i' : s.className));
    assert.deepEqual(sizes, ['i', 's:100x75', 'm:320x240', 'x:800x600', 'y:1200x900']);

    const [msg] = await bobLatest(1);
    assert.equal(msg.media.type, 'photo');
    assert.deepEqual([msg.media.width, msg.media.height], [1200, 900]);
    const full = await bob.client.downloadAsBuffer(msg.media);
    const meta = await sharp(Buffer.from(full)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 1200, 900]);
    const thumb = await bob.client.downloadAsBuffer(msg.media.getThumbnail('m'));
    const thumbMeta = await sharp(Buffer.from(thumb)).metadata();
    assert.deepEqual([thumbMeta.width, thumbMeta.height], [320, 240]);
    // The stripped thumbnail inflates (mtcute's own way) into a small JPEG.
    const stripped = msg.media.getThumbnail('i');
    assert.ok(stripped, 'the photo has a stripped thumbnail');
    const inflated = await sharp(Buffer.from(stripped.location)).metadata();
    assert.deepEqual([inflated.width, inflated.height], [40, 30]);
  });

  test('an album of three photos arrives as one grouped set', async () => {
    const inputs: Api.InputSingleMedia[] = [];
    for (let i = 0; i < 3; i++) {
      const uploaded = await aliceCall<Api.MessageMediaPhoto>(new Api.messages.UploadMedia({ peer: bobForAlice, media: new Api.InputMediaUploadedPhoto({ file: await upload(await photoJpeg(400, 300, 10 + i), `a${i}.jpg`) }) }));
      const p = uploaded.photo as Api.Photo;
      inputs.push(new Api.InputSingleMedia({ media: new Api.InputMediaPhoto({ id: new Api.InputPhoto({ id: p.id, accessHash: p.accessHash, fileReference: p.fileReference }) }), randomId: randomLong(), message: `album ${i}` }));
    }
    const sent = sentMessages(await aliceCall<Api.TypeUpdates>(new Api.messages.SendMultiMedia({ peer: bobForAlice, multiMedia: inputs })));
    assert.equal(sent.length, 3);
    assert.ok(sent[0]!.groupedId !== undefined);
    assert.equal(new Set(sent.map((m) => m.groupedId!.toString())).size, 1);

    const got = await bobLatest(3);
    assert.equal(got.length, 3);
    assert.deepEqual(got.map((m) => m.text).sort(), ['album 0', 'album 1', 'album 2']);
    assert.equal(new Set(got.map((m) => m.groupedId?.toString())).size, 1);
    assert.ok(got[0].groupedId);
    for (const m of got) assert.equal(m.media.type, 'photo');
  });

  test('a profile photo set by Alice is seen and downloaded by Bob', async () => {
    const jpeg = await photoJpeg(800, 800, 42);
    const res = await aliceCall<Api.photos.Photo>(new Api.photos.UploadProfilePhoto({ file: await upload(jpeg, 'me.jpg') }));
    const photo = res.photo as Api.Photo;
    assert.deepEqual(
      photo.sizes.filter((s): s is Api.PhotoSize => s instanceof Api.PhotoSize).map((s) => `${s.type}:${s.w}x${s.h}`),
      ['a:160x160', 'b:320x320', 'c:640x640'],
    );
    const [aliceSeen]: any = await bob.client.call({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash }] });
    assert.equal(aliceSeen.photo._, 'userProfilePhoto');
    assert.equal(aliceSeen.photo.photoId.toString(), photo.id.toString());
    assert.ok(aliceSeen.photo.strippedThumb.length > 3);
    const list: any = await bob.client.call({ _: 'photos.getUserPhotos', userId: { _: 'inputUser', userId: aliceForBob.userId, accessHash: aliceForBob.accessHash }, offset: 0, maxId: Long.ZERO, limit: 10 });
    assert.equal(list.photos.length, 1);
    const big: any = await bob.client.call({ _: 'upload.getFile', location: { _: 'inputPeerPhotoFileLocation', big: true, peer: aliceForBob, photoId: aliceSeen.photo.photoId }, offset: 0, limit: 1024 * 1024 });
    const meta = await sharp(Buffer.from(big.bytes)).metadata();
    assert.deepEqual([meta.width, meta.height], [640, 640]);
  });

  test('an interrupted upload resumes by re-sending the missing part', async () => {
    const part = 64 * 1024;
    const data = randomBytes(4 * part - 1000);
    const fileId = randomLong();
    const parts = [0, 1, 2, 3].map((i) => data.subarray(i * part, (i + 1) * part));
    for (const i of [0, 1, 3]) assert.equal(await aliceCall<boolean>(new Api.upload.SaveFilePart({ fileId, filePart: i, bytes: parts[i]! })), true);
    const send = () =>
      aliceCall<Api.TypeUpdates>(
        new Api.messages.SendMedia({
          peer: bobForAlice,
          media: new Api.InputMediaUploadedDocument({ file: new Api.InputFile({ id: fileId, parts: 4, name: 'resumed.bin', md5Checksum: createHash('md5').update(data).digest('hex') }), mimeType: 'application/octet-stream', attributes: [] }),
          message: 'resumed',
          randomId: randomLong(),
        }),
      );
    await assert.rejects(send(), (e: any) => e.errorMessage === 'FILE_PART_2_MISSING');
    await aliceCall(new Api.upload.SaveFilePart({ fileId, filePart: 2, bytes: parts[2]! }));
    await send();
    const [msg] = await bobLatest(1);
    assert.equal(msg.text, 'resumed');
    assert.equal(sha256(await bob.client.downloadAsBuffer(msg.media)), sha256(data));
  });

  test('a server restart between upload and send keeps the parts', async () => {
    const data = randomBytes(300_000);
    const file = await upload(data, 'kept.bin');
    await echod.restart();
    // GramJS reconnects on its own; the parts are still on disk.
    const res = await aliceCall<Api.TypeUpdates>(
      new Api.messages.SendMedia({ peer: bobForAlice, media: new Api.InputMediaUploadedDocument({ file, mimeType: 'application/zip', attributes: [new Api.DocumentAttributeFilename({ fileName: 'kept.zip' })] }), message: 'after restart', randomId: randomLong() }),
    );
    assert.equal(sentMessages(res).length, 1);
    const [msg] = await bobLatest(1);
    assert.equal(msg.text, 'after restart');
    assert.equal(sha256(await bob.client.downloadAsBuffer(msg.media)), sha256(data));
  });

  test('bad inputs: empty media, non-image photos, bad download ranges, forged references', async () => {
    const rejects = (p: Promise<unknown>, name: string) => assert.rejects(p, (e: any) => e.errorMessage === name, name);
    await rejects(aliceCall(new Api.messages.SendMedia({ peer: bobForAlice, media: new Api.InputMediaEmpty(), message: '', randomId: randomLong() })), 'MEDIA_EMPTY');
    await rejects(
      aliceCall(new Api.messages.SendMedia({ peer: bobForAlice, media: new Api.InputMediaUploadedPhoto({ file: await upload(Buffer.from('definitely not an image'), 'x.jpg') }), message: '', randomId: randomLong() })),
      'PHOTO_INVALID',
    );
    const res = await aliceCall<Api.TypeUpdates>(new Api.messages.SendMedia({ peer: bobForAlice, media: new Api.InputMediaUploadedPhoto({ file: await upload(await photoJpeg(200, 100, 7), 'ok.jpg') }), message: '', randomId: randomLong() }));
    const photo = (sentMessages(res)[0]!.media as Api.MessageMediaPhoto).photo as Api.Photo;
    const loc = (fileReference: Buffer, thumbSize = 's') => new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference, thumbSize });
    await rejects(aliceCall(new Api.upload.GetFile({ location: loc(photo.fileReference), offset: bigInt(0), limit: 1000 })), 'LIMIT_INVALID');
    await rejects(aliceCall(new Api.upload.GetFile({ location: loc(photo.fileReference), offset: bigInt(100), limit: 4096 })), 'OFFSET_INVALID');
    await rejects(aliceCall(new Api.upload.GetFile({ location: loc(Buffer.from('forged'), 's'), offset: bigInt(0), limit: 4096 })), 'FILE_REFERENCE_INVALID');
    await rejects(aliceCall(new Api.upload.GetFile({ location: loc(photo.fileReference, 'w'), offset: bigInt(0), limit: 4096 })), 'LOCATION_INVALID');
    const ok = await aliceCall<Api.upload.File>(new Api.upload.GetFile({ location: loc(photo.fileReference, 's'), offset: bigInt(0), limit: 4096, precise: true }));
    assert.ok(ok.bytes.length > 0);
    const hashes = await aliceCall<Api.FileHash[]>(new Api.upload.GetFileHashes({ location: loc(photo.fileReference, 'm'), offset: bigInt(0) }));
    const mFull = await aliceCall<Api.upload.File>(new Api.upload.GetFile({ location: loc(photo.fileReference, 'm'), offset: bigInt(0), limit: 1024 * 1024 }));
    assert.equal(hashes.length, 1);
    assert.equal(Buffer.from(hashes[0]!.hash).toString('hex'), sha256(mFull.bytes));
    // messages.getMessages answers fresh references that work.
    const got: any = await bob.client.call({ _: 'messages.getMessages', id: [{ _: 'inputMessageID', id: (await bobLatest(1))[0].id }] });
    const bobPhoto = got.messages[0].media.photo;
    assert.equal(bobPhoto.fileReference.length, 21);
    const viaBob: any = await bob.client.call({ _: 'upload.getFile', location: { _: 'inputPhotoFileLocation', id: bobPhoto.id, accessHash: bobPhoto.accessHash, fileReference: bobPhoto.fileReference, thumbSize: 's' }, offset: 0, limit: 4096 });
    assert.ok(viaBob.bytes.length > 0);
  });
});
