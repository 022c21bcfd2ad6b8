// What other client libraries send that GramJS and mtcute do not by default (issue 9), driven through
// mtcute's raw call() (which serializes whatever constructor it is given) and GramJS:
// - an InputPeer where the schema types InputUser (Pyrogram-family clients do this everywhere);
// - a phone number a user imported is shown to them on every user object of its owner;
// - users.getFullUser carries the profile photo (userFull.profile_photo) where privacy lets it be seen;
// - mtcute's compressed requests: it packs every request over 128 bytes that deflates to under 90 %
//   (session-connection.js in @mtcute/core) as a zlib stream inside gzip_packed.
// The tests in this file run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import Long from 'long';
import { InputMedia } from '@mtcute/node';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchGramjs } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import type { MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 60_000;
const PIA_PHONE = testPhone(900001);
const GUS_PHONE = testPhone(900002);
const REX_PHONE = testPhone(900003);

let world: E2eWorld;
let pia: MtcuteHandle;
let piaId: bigint;
let gus: GramjsHandle;
let gusId: bigint;
/** Gus as Pia sees him (from her import of his number). */
let gusForPia: { userId: number; accessHash: Long };

before(async () => {
  world = await E2eWorld.start();
  const p = await world.signUpMtcute({ phone: PIA_PHONE, firstName: 'Pia' });
  pia = p.handle;
  piaId = p.userId;
  const g = await world.signUpGramjs({ phone: GUS_PHONE, firstName: 'Gus' });
  gus = g.handle;
  gusId = g.userId;
});

after(() => world?.close());

/** mtcute's call() typed loosely: these requests deliberately put the "wrong" constructor in a field. */
const raw = (req: Record<string, unknown>): Promise<any> => pia.client.call(req as any);

describe('InputPeer accepted where InputUser is expected', { timeout: TIMEOUT }, () => {
  before(async () => {
    const res = await raw({
      _: 'contacts.importContacts',
      contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${GUS_PHONE}`, firstName: 'Gus', lastName: '' }],
    });
    const user = res.users[0];
    assert.equal(BigInt(user.id), gusId);
    gusForPia = { userId: user.id, accessHash: user.accessHash };
  });

  test('users.getUsers with inputPeerUser and inputPeerSelf answers both users', async () => {
    const users = await raw({ _: 'users.getUsers', id: [{ _: 'inputPeerUser', ...gusForPia }, { _: 'inputPeerSelf' }] });
    assert.deepEqual(
      users.map((u: any) => [u._, BigInt(u.id)]),
      [
        ['user', gusId],
        ['user', piaId],
      ],
    );
    assert.equal(users[1].self, true);
  });

  test('users.getFullUser with inputPeerUser answers the full user', async () => {
    const full = await raw({ _: 'users.getFullUser', id: { _: 'inputPeerUser', ...gusForPia } });
    assert.equal(full._, 'users.userFull');
    assert.equal(BigInt(full.fullUser.id), gusId);
  });

  test('messages.createChat with inputPeerUser members creates the group with them', async () => {
    const res = await raw({ _: 'messages.createChat', users: [{ _: 'inputPeerUser', ...gusForPia }], title: 'Peers as users' });
    assert.equal(res._, 'messages.invitedUsers');
    assert.deepEqual(res.missingInvitees, []);
    const chat = res.updates.chats.find((c: any) => c._ === 'chat');
    assert.equal(chat.title, 'Peers as users');
    assert.equal(chat.participantsCount, 2);
    // Gus, the member added through an inputPeerUser, sees the group in his dialogs.
    const dialogs = (await gus.client.invoke(
      new Api.messages.GetDialogs({ offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt(0) }),
    )) as Api.messages.Dialogs;
    assert.ok(
      dialogs.chats.some((c) => c instanceof Api.Chat && c.title === 'Peers as users' && BigInt(c.id.toString()) === BigInt(chat.id)),
      'Gus sees the group',
    );
  });

  test('an InputPeer of another kind is still refused as a InputUser', async () => {
    await assert.rejects(raw({ _: 'users.getFullUser', id: { _: 'inputPeerChat', chatId: 1 } }), /INPUT_METHOD_INVALID|INPUT_/);
  });
});

describe('a number saved in the phone book is shown on its owner', { timeout: TIMEOUT }, () => {
  test('Pia imported Gus by number: his default privacy still shows it to her everywhere', async () => {
    const contacts = await raw({ _: 'contacts.getContacts', hash: Long.ZERO });
    const gusUser = contacts.users.find((u: any) => BigInt(u.id) === gusId);
    assert.equal(gusUser.phone, GUS_PHONE);
    const [viaGetUsers] = await raw({ _: 'users.getUsers', id: [{ _: 'inputUser', ...gusForPia }] });
    assert.equal(viaGetUsers.phone, GUS_PHONE);
  });

  test('GramJS getEntity(phone) fails before Gus imports the number and finds its owner after', async () => {
    // Rex has nobody in his contacts, so his default phone privacy (my contacts) shows his number to no one.
    const rex = await world.signUpMtcute({ phone: REX_PHONE, firstName: 'Rex' });
    await assert.rejects(gus.client.getEntity(`+${REX_PHONE}`), /Cannot find any entity/);
    await gus.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${REX_PHONE}`, firstName: 'Rex', lastName: '' })] }),
    );
    const entity = await gus.client.getEntity(`+${REX_PHONE}`);
    assert.ok(entity instanceof Api.User);
    assert.equal(BigInt(entity.id.toString()), rex.userId);
    assert.equal(entity.phone, REX_PHONE);
    const res = (await gus.client.invoke(new Api.contacts.GetContacts({ hash: bigInt(0) }))) as Api.contacts.Contacts;
    assert.equal((res.users.find((u) => BigInt(u.id.toString()) === rex.userId) as Api.User).phone, REX_PHONE);
    await gus.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${PIA_PHONE}`, firstName: 'Pia', lastName: '' })] }),
    );
  });

  test('hiding the number from everyone does not hide it from who has it saved, only from others', async () => {
    await raw({ _: 'account.setPrivacy', key: { _: 'inputPrivacyKeyPhoneNumber' }, rules: [{ _: 'inputPrivacyValueDisallowAll' }] });
    const entity = await gus.client.getEntity(`+${PIA_PHONE}`);
    assert.equal((entity as Api.User).phone, PIA_PHONE);
    // Gus saved again without a number: now only Pia's privacy decides, and it says no.
    await gus.client.invoke(
      new Api.contacts.AddContact({ id: await gus.client.getInputEntity(entity), firstName: 'Pia', lastName: '', phone: '' }),
    );
    const res = (await gus.client.invoke(new Api.contacts.GetContacts({ hash: bigInt(0) }))) as Api.contacts.Contacts;
    // GramJS reads an absent flag field as null.
    assert.equal((res.users.find((u) => BigInt(u.id.toString()) === piaId) as Api.User).phone ?? undefined, undefined);
  });
});

describe('requests mtcute compresses (zlib inside gzip_packed)', { timeout: TIMEOUT }, () => {
  const gusInbox = new Inbox();
  const gusPeer = () => ({ _: 'inputPeerUser' as const, userId: gusForPia.userId, accessHash: gusForPia.accessHash });
  const newMessageAtGus = (pred: (m: Api.Message) => boolean) => (u: unknown) =>
    u instanceof Api.UpdateNewMessage && u.message instanceof Api.Message && BigInt(u.message.senderId!.toString()) === piaId && pred(u.message);
  before(() => watchGramjs(gus, gusInbox));

  test('a long text message arrives', async () => {
    const text = 'compress me '.repeat(200);
    const res = await raw({ _: 'messages.sendMessage', peer: gusPeer(), message: text, randomId: Long.fromNumber(Date.now()) });
    assert.equal(res._, 'updateShortSentMessage');
    // A private text message reaches the other side as updateShortMessage.
    const u = await gusInbox.waitFor((x) => x instanceof Api.UpdateShortMessage && BigInt(x.userId.toString()) === piaId && x.message === text, 'Gus gets the long message');
    assert.equal(u.out, false);
  });

  test('a voice note (its file parts compressed too) arrives as a voice note', async () => {
    const audio = Buffer.alloc(8192, 0x4f);
    const sent = await pia.client.sendMedia(gusPeer(), InputMedia.voice(audio, { fileMime: 'audio/ogg', duration: 3, waveform: Array(50).fill(7), caption: 'listen '.repeat(40) }));
    const u = await gusInbox.waitFor(newMessageAtGus((m) => m.id === sent.id || m.message.startsWith('listen')), 'Gus gets the voice note');
    const media = u.message.media as Api.MessageMediaDocument;
    assert.ok(media instanceof Api.MessageMediaDocument);
    assert.equal(media.voice, true);
    const doc = media.document as Api.Document;
    assert.equal(doc.size.toString(), String(audio.length));
    const attr = doc.attributes.find((a) => a instanceof Api.DocumentAttributeAudio) as Api.DocumentAttributeAudio;
    assert.equal(attr.voice, true);
    assert.equal(attr.duration, 3);
    const downloaded = (await gus.client.downloadMedia(u.message)) as Buffer;
    assert.deepEqual(Buffer.from(downloaded), audio);
  });
});

describe('userFull.profile_photo', { timeout: TIMEOUT }, () => {
  let photoId: bigint;
  const piaSeesGus = async () => (await raw({ _: 'users.getFullUser', id: { _: 'inputUser', ...gusForPia } })).fullUser;

  test('absent before any photo is set', async () => {
    assert.equal((await piaSeesGus()).profilePhoto, undefined);
  });

  test('after photos.uploadProfilePhoto the owner and a viewer allowed by privacy get the full photo', async () => {
    const jpeg = await sharp({ create: { width: 320, height: 320, channels: 3, background: { r: 200, g: 40, b: 90 } } }).jpeg().toBuffer();
    const file = await gus.client.uploadFile({ file: new CustomFile('me.jpg', jpeg.length, '', jpeg), workers: 1 });
    const res = (await gus.client.invoke(new Api.photos.UploadProfilePhoto({ file }))) as Api.photos.Photo;
    photoId = BigInt((res.photo as Api.Photo).id.toString());

    const own = (await gus.client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() }))) as Api.users.UserFull;
    const ownPhoto = own.fullUser.profilePhoto as Api.Photo;
    assert.ok(ownPhoto instanceof Api.Photo, `owner sees ${own.fullUser.profilePhoto?.className}`);
    assert.equal(BigInt(ownPhoto.id.toString()), photoId);
    assert.ok(ownPhoto.sizes.some((sz) => sz instanceof Api.PhotoSize));

    const seen = await piaSeesGus();
    assert.equal(seen.profilePhoto?._, 'photo');
    assert.equal(BigInt(seen.profilePhoto.id.toString()), photoId);
    assert.equal(seen.personalPhoto, undefined);
    assert.equal(seen.fallbackPhoto, undefined);
    // The viewer can download it from the gallery entry it got there.
    const big = seen.profilePhoto.sizes.filter((sz: any) => sz._ === 'photoSize').at(-1);
    const file2 = await raw({
      _: 'upload.getFile',
      location: { _: 'inputPhotoFileLocation', id: seen.profilePhoto.id, accessHash: seen.profilePhoto.accessHash, fileReference: seen.profilePhoto.fileReference, thumbSize: big.type },
      offset: 0,
      limit: 1024 * 1024,
    });
    assert.ok(file2.bytes.length > 100);
  });

  test('a viewer the profilePhoto privacy excludes gets no profile_photo; the owner still does', async () => {
    await gus.client.invoke(new Api.account.SetPrivacy({ key: new Api.InputPrivacyKeyProfilePhoto(), rules: [new Api.InputPrivacyValueDisallowAll()] }));
    const seen = await piaSeesGus();
    assert.equal(seen.profilePhoto, undefined);
    const own = (await gus.client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() }))) as Api.users.UserFull;
    assert.equal(BigInt((own.fullUser.profilePhoto as Api.Photo).id.toString()), photoId);
  });
});
