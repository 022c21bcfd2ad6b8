// Live updates to an mtcute client that has just used its download connections, and an idle mtcute client
// (issue 9, item 5). mtcute, like TDLib, opens separate sessions (with PFS, separate temporary keys) for
// downloads and ignores updates that arrive on them; it pings with a ~7 s disconnect_delay while requests are
// pending and only once a minute when idle. Bob runs mtcute with PFS on (as the Android app does), Carol
// without; Alice (GramJS) sends to both. The tests run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import type { EchodProcess, LogLine } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { Inbox, watchMtcute } from '../support/inbox.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 180_000;
const ALICE_PHONE = testPhone(530001);
const BOB_PHONE = testPhone(530002);
const CAROL_PHONE = testPhone(530003);

interface Recipient {
  name: string;
  handle: MtcuteHandle;
  userId: bigint;
  inbox: Inbox;
  /** Bob or Carol as Alice addresses them. */
  peer: Api.InputPeerUser;
}

let world: E2eWorld;
let echod: EchodProcess;
let alice: GramjsHandle;
let aliceId: bigint;
let bob: Recipient;
let carol: Recipient;

const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());
const newMessageWith = (text: string) => (u: any) => (u?._ === 'updateNewMessage' || u?._ === 'updateShortMessage') && (u.message?.message ?? u.message) === text;
const closedForPing = (l: LogLine) => l.msg === 'connection closed by server' && /ping/.test(String(l.reason));

async function photoJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

async function sendDocument(to: Recipient, data: Buffer, caption: string): Promise<void> {
  const file = await alice.client.uploadFile({ file: new CustomFile('file.bin', data.length, '', data), workers: 2 });
  await alice.client.invoke(
    new Api.messages.SendMedia({
      peer: to.peer,
      media: new Api.InputMediaUploadedDocument({ file, mimeType: 'application/octet-stream', attributes: [new Api.DocumentAttributeFilename({ fileName: 'file.bin' })] }),
      message: caption,
      randomId: randomLong(),
    }),
  );
}

async function sendPhoto(to: Recipient, caption: string, seed: number): Promise<void> {
  const jpeg = await photoJpeg(800, 600, seed);
  const file = await alice.client.uploadFile({ file: new CustomFile('photo.jpg', jpeg.length, '', jpeg), workers: 2 });
  await alice.client.invoke(new Api.messages.SendMedia({ peer: to.peer, media: new Api.InputMediaUploadedPhoto({ file }), message: caption, randomId: randomLong() }));
}

async function recipient(name: string, phone: string, usePfs: boolean): Promise<Recipient> {
  const account = await world.signUpMtcute({ phone, firstName: name, mtcute: { updates: true, usePfs } });
  const inbox = new Inbox();
  watchMtcute(account.handle, inbox);
  await startUpdates(account.handle);
  const imported = (await alice.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: randomLong(), phone: `+${phone}`, firstName: name, lastName: '' })] }),
  )) as Api.contacts.ImportedContacts;
  const user = imported.users[0] as Api.User;
  return { name, handle: account.handle, userId: account.userId, inbox, peer: new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash! }) };
}

before(async () => {
  world = await E2eWorld.start();
  echod = world.echod;
  const a = await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 10 } });
  alice = a.handle;
  aliceId = a.userId;
  bob = await recipient('Bob', BOB_PHONE, true);
  carol = await recipient('Carol', CAROL_PHONE, false);
});

after(() => world?.close());

describe('live updates around downloads, reconnects and idleness (mtcute)', { timeout: TIMEOUT }, () => {
  for (const who of ['bob', 'carol'] as const) {
    test(`after downloading a file, ${who === 'bob' ? 'Bob (PFS on)' : 'Carol (PFS off)'} still gets a photo sent to him as a live update`, async () => {
      const r = who === 'bob' ? bob : carol;
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await sendDocument(r, data, `a file for ${r.name}`);
      const docUpdate = await r.inbox.waitFor(newMessageWith(`a file for ${r.name}`), `${r.name} gets the file`);
      const [msg] = await r.handle.client.getMessages(Number(aliceId), [docUpdate.message.id]);
      assert.ok(msg?.media, 'the message carries the document');
      const got = await r.handle.client.downloadAsBuffer(msg.media as any);
      assert.ok(Buffer.from(got).equals(data), 'downloaded byte for byte');

      await sendPhoto(r, `a photo for ${r.name}`, 1);
      const photo = await r.inbox.waitFor(newMessageWith(`a photo for ${r.name}`), `${r.name} gets the photo live`);
      assert.equal(photo.message.media?._, 'messageMediaPhoto');
    });
  }

  test('an idle Bob stays connected after his last short disconnect_delay, then gets a message live on the same connection', async () => {
    // While requests are pending mtcute pings with a short disconnect_delay; keep Bob busy until one went out.
    let busy = true;
    const shortPing = bob.handle.waitForPing((delay) => delay <= 15, 30_000).finally(() => (busy = false));
    while (busy) await bob.handle.client.call({ _: 'help.getNearestDc' });
    const delay = await shortPing;
    const connections = bob.handle.connections;
    const logsBefore = echod.logs.length;
    const closedSince = (l: LogLine) => closedForPing(l) && echod.logs.indexOf(l) >= logsBefore;

    // Idle now: mtcute's next ping is a minute away. Nothing may close the connection past that short delay.
    const closed = await echod.waitForLog(closedSince, (delay + 8) * 1000).then(
      (l) => l,
      () => undefined,
    );
    assert.equal(closed, undefined, `Echo closed an idle connection: ${JSON.stringify(closed)}`);
    assert.equal(bob.handle.connections, connections, 'mtcute did not reconnect');

    await alice.client.invoke(new Api.messages.SendMessage({ peer: bob.peer, message: 'still there?', randomId: randomLong() }));
    await bob.inbox.waitFor(newMessageWith('still there?'), 'Bob gets the message after idling');
    assert.equal(bob.handle.connections, connections, 'delivered on the connection that idled');
  });

  test('an update pushed while Bob is away reaches him when mtcute comes back with a new session (as after a ping timeout)', async () => {
    // mtcute does not ask for a difference on new_session_created: the update must follow it to the new session.
    const release = bob.handle.holdConnections();
    const connections = bob.handle.connections;
    const logsBefore = echod.logs.length;
    bob.handle.resetMainSession();
    await echod.waitForLog((l) => l.msg === 'connection closed by peer' && echod.logs.indexOf(l) >= logsBefore, 15_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: bob.peer, message: 'sent while you were away', randomId: randomLong() }));
    release();
    await bob.handle.waitForConnections(connections + 1);
    await bob.inbox.waitFor(newMessageWith('sent while you were away'), 'Bob gets the message on his new session');
  });
});

