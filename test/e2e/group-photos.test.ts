// Group photos end to end (issue 5): Alice on GramJS (layer 198) creates a basic group with Bob on mtcute
// (layer 227) and sets its photo; Bob receives the service message, sees chat.photo and downloads the
// photo through mtcute's own ChatPhoto locations (inputPeerPhotoFileLocation with inputPeerChat); removing
// the photo reaches him too; once change_info is banned by default, Bob's own mtcute setChatPhoto is refused.
// The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { FIXED_CODE_ENV, signUpGramjs, signUpMtcute, testPhone } from '../support/accounts.js';

const TIMEOUT = 120_000;
const ALICE_PHONE = testPhone(520001);
const BOB_PHONE = testPhone(520002);

/** Raw updates mtcute received, with a wait that also looks at what already arrived. */
class Inbox {
  readonly items: any[] = [];
  private waiters: { pred: (u: any) => boolean; resolve: (u: any) => void }[] = [];

  push(u: any): void {
    this.items.push(u);
    for (const w of [...this.waiters]) {
      if (w.pred(u)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(u);
      }
    }
  }

  waitFor(pred: (u: any) => boolean, what: string, timeoutMs = 15_000): Promise<any> {
    const found = this.items.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no update: ${what}; received: ${this.items.map((u) => u?._).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (u) => (clearTimeout(timer), resolve(u)) });
    });
  }
}

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const rejectsWith = (p: Promise<unknown>, message: string) => assert.rejects(p, (e: any) => (e.errorMessage ?? e.text) === message, message);
const mtcuteAction = (name: string) => (u: any) => u?._ === 'updateNewMessage' && u.message?._ === 'messageService' && u.message.action?._ === name;

let echod: EchodProcess;
let target: EchoTarget;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let aliceId: bigint;
let bobId: bigint;
let chatId: bigint;
let photoId: bigint;
const bobInbox = new Inbox();
const closers: (() => Promise<void>)[] = [];

const aliceCall = <R>(req: Api.AnyRequest) => alice.client.invoke(req) as Promise<R>;

async function photoJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  // Noise, so the JPEG is realistic in size and each photo differs.
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

async function upload(data: Buffer, name: string): Promise<Api.TypeInputFile> {
  return alice.client.uploadFile({ file: new CustomFile(name, data.length, '', data), workers: 2 });
}

before(async () => {
  echod = await startEchod({ env: { ...FIXED_CODE_ENV } });
  const cfg = await echod.clientConfig();
  target = { dcId: cfg.dcId, host: cfg.host, port: cfg.port, httpPort: echod.httpPort, publicKey: cfg.publicKey };
  const a = await signUpGramjs(target, { phone: ALICE_PHONE, firstName: 'Alice' });
  alice = a.handle;
  aliceId = a.userId;
  closers.push(() => alice.close());
  const b = await signUpMtcute(target, { phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  bobId = b.userId;
  closers.push(() => bob.close());
  bob.client.onRawUpdate.add((info: any) => bobInbox.push(info.update));
  await startUpdates(bob);
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await echod?.dispose();
});

describe('group photos', { timeout: TIMEOUT }, () => {
  test('Alice (GramJS) creates a group with Bob (mtcute) and sets its photo; the result carries the service message and chat.photo', async () => {
    const imported = await aliceCall<Api.contacts.ImportedContacts>(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BOB_PHONE}`, firstName: 'Bob', lastName: '' })] }),
    );
    const bobUser = imported.users[0] as Api.User;
    assert.equal(big(bobUser.id), bobId);
    const created = await aliceCall<Api.messages.InvitedUsers>(
      new Api.messages.CreateChat({ users: [new Api.InputUser({ userId: bobUser.id, accessHash: bobUser.accessHash! })], title: 'Photo club' }),
    );
    chatId = big((created.updates as Api.Updates).chats[0]!.id);
    await bobInbox.waitFor(mtcuteAction('messageActionChatCreate'), 'Bob gets the creation');

    const res = await aliceCall<Api.Updates>(
      new Api.messages.EditChatPhoto({ chatId: bigInt(chatId.toString()), photo: new Api.InputChatUploadedPhoto({ file: await upload(await photoJpeg(1000, 800, 7), 'group.jpg') }) }),
    );
    assert.ok(res instanceof Api.Updates, `editChatPhoto answered ${(res as any).className}`);
    const own = res.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    const service = own.message as Api.MessageService;
    assert.ok(service instanceof Api.MessageService);
    assert.ok(service.action instanceof Api.MessageActionChatEditPhoto);
    const photo = service.action.photo as Api.Photo;
    assert.ok(photo instanceof Api.Photo);
    assert.deepEqual(
      photo.sizes.filter((s): s is Api.PhotoSize => s instanceof Api.PhotoSize).map((s) => `${s.type}:${s.w}x${s.h}`),
      ['a:160x160', 'b:320x320', 'c:640x640'],
    );
    assert.ok(photo.sizes.some((s) => s instanceof Api.PhotoStrippedSize), 'a stripped thumbnail');
    photoId = big(photo.id);
    const chat = res.chats.find((c) => big(c.id) === chatId) as Api.Chat;
    assert.ok(chat.photo instanceof Api.ChatPhoto);
    assert.equal(big(chat.photo.photoId), photoId);
  });

  test('Bob receives messageActionChatEditPhoto and sees chat.photo; mtcute downloads both sizes as JPEGs', async () => {
    const u = await bobInbox.waitFor(mtcuteAction('messageActionChatEditPhoto'), 'Bob gets the photo change');
    assert.equal(big(u.message.peerId.chatId), chatId);
    assert.equal(big(u.message.fromId.userId), aliceId);
    assert.equal(big(u.message.action.photo.id), photoId);
    assert.ok(u.pts > 0, 'a pts like any message');

    const chat: any = await bob.client.getChat(-Number(chatId));
    assert.ok(chat.photo, 'mtcute sees a chat photo');
    assert.equal(big(chat.photo.raw.photoId), photoId);
    const bigBytes = Buffer.from(await bob.client.downloadAsBuffer(chat.photo.big));
    const bigMeta = await sharp(bigBytes).metadata();
    assert.deepEqual([bigMeta.format, bigMeta.width, bigMeta.height], ['jpeg', 640, 640]);
    assert.deepEqual([...bigBytes.subarray(0, 2)], [0xff, 0xd8]);
    const small = await sharp(Buffer.from(await bob.client.downloadAsBuffer(chat.photo.small))).metadata();
    assert.deepEqual([small.format, small.width, small.height], ['jpeg', 160, 160]);
    // The stripped thumbnail inflates (mtcute's own way) into a small JPEG.
    const thumb = await sharp(Buffer.from(chat.photo.thumb)).metadata();
    assert.equal(thumb.format, 'jpeg');
    assert.ok(thumb.width! <= 40 && thumb.height! <= 40);
  });

  test('a non-image is refused with PHOTO_INVALID and leaves the photo as it was', async () => {
    await rejectsWith(
      aliceCall(new Api.messages.EditChatPhoto({ chatId: bigInt(chatId.toString()), photo: new Api.InputChatUploadedPhoto({ file: await upload(randomBytes(20_000), 'noise.jpg') }) })),
      'PHOTO_INVALID',
    );
    const chat: any = await bob.client.getChat(-Number(chatId));
    assert.equal(big(chat.photo.raw.photoId), photoId);
  });

  test('removing the photo reaches Bob (messageActionChatDeletePhoto, no chat.photo); removing it again is CHAT_NOT_MODIFIED', async () => {
    const res = await aliceCall<Api.Updates>(new Api.messages.EditChatPhoto({ chatId: bigInt(chatId.toString()), photo: new Api.InputChatPhotoEmpty() }));
    const own = res.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    assert.ok((own.message as Api.MessageService).action instanceof Api.MessageActionChatDeletePhoto);
    assert.ok((res.chats[0] as Api.Chat).photo instanceof Api.ChatPhotoEmpty);
    await bobInbox.waitFor(mtcuteAction('messageActionChatDeletePhoto'), 'Bob gets the removal');
    const chat: any = await bob.client.getChat(-Number(chatId));
    assert.equal(chat.photo, null);
    await rejectsWith(aliceCall(new Api.messages.EditChatPhoto({ chatId: bigInt(chatId.toString()), photo: new Api.InputChatPhotoEmpty() })), 'CHAT_NOT_MODIFIED');
  });

  test('with change_info banned by default, Bob (a plain member) gets CHAT_ADMIN_REQUIRED from mtcute\'s setChatPhoto', async () => {
    await aliceCall(
      new Api.messages.EditChatDefaultBannedRights({ peer: new Api.InputPeerChat({ chatId: bigInt(chatId.toString()) }), bannedRights: new Api.ChatBannedRights({ changeInfo: true, untilDate: 0 }) }),
    );
    await rejectsWith(bob.client.setChatPhoto({ chatId: -Number(chatId), type: 'photo', media: await photoJpeg(300, 300, 9) }), 'CHAT_ADMIN_REQUIRED');
    await rejectsWith(bob.client.call({ _: 'messages.editChatPhoto', chatId: Number(chatId), photo: { _: 'inputChatPhotoEmpty' } } as any), 'CHAT_ADMIN_REQUIRED');
    const chat: any = await bob.client.getChat(-Number(chatId));
    assert.equal(chat.photo, null, 'nothing changed');
  });
});
