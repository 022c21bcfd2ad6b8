// The end-to-end scenarios every Python client runs (test/e2e/telethon.test.ts, kurigram.test.ts): the Python
// client signs up, chats with a GramJS or mtcute user with live updates both ways, creates a basic group, sends a
// file and a photo both ways, and comes back from its session file without a new auth key. The JavaScript side
// sits behind OtherSide so one scenario list serves both pairings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bigInt from 'big-integer';
import Long from 'long';
import sharp from 'sharp';
import { CustomFile } from 'telegram/client/uploads.js';
import { AUTH_KEY_CREATED_MSG } from './echod.js';
import { E2eWorld } from './e2e.js';
import { FIXED_CODE, testPhone } from './accounts.js';
import { Api, GRAMJS_LAYER, type GramjsHandle } from './gramjs.js';
import { startUpdates, MTCUTE_LAYER, type MtcuteHandle } from './mtcute.js';
import { Inbox, watchGramjs, watchMtcute } from './inbox.js';
import { PythonClient, type PyPeer, type PythonClientKind } from './python-client.js';

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();

type MediaKind = 'photo' | 'document' | null;

/**
 * Runs `action` while `wait` is pending, then awaits `wait`: a failing or hanging action is reported as itself
 * rather than as the missing update, and a wait abandoned by a failed action is no unhandled rejection.
 */
async function whileWaiting<T, R>(wait: Promise<T>, action: () => Promise<R>): Promise<[T, R]> {
  wait.catch(() => undefined);
  const done = await action();
  return [await wait, done];
}

/** The JavaScript client on the other side of the conversation. */
export interface OtherSide {
  readonly name: string;
  readonly userId: bigint;
  /** contacts.importContacts; remembers the access hash for later sends. */
  importContact(phone: string, firstName: string): Promise<bigint>;
  sendText(peer: PyPeer, text: string): Promise<number>;
  sendMedia(peer: PyPeer, data: Buffer, fileName: string, photo: boolean, caption: string): Promise<number>;
  /** Waits for the live update of a message with this text or caption in `peer`; its id in this side's box. */
  waitForMessage(peer: PyPeer, text: string): Promise<{ id: number; media: MediaKind }>;
  /** Waits for the service message of a new basic group with this title; its chat id. */
  waitForGroupCreated(title: string): Promise<number>;
  /** The full-size media of message `id` in `peer`. */
  download(peer: PyPeer, id: number): Promise<Buffer>;
}

const isUser = (p: PyPeer): p is { user: number | bigint } => 'user' in p;

export async function gramjsSide(world: E2eWorld, phone: string, firstName: string): Promise<OtherSide> {
  const account = await world.signUpGramjs({ phone, firstName, gramjs: { connectionRetries: 10 } });
  const h: GramjsHandle = account.handle;
  const inbox = new Inbox();
  watchGramjs(h, inbox);
  const hashes = new Map<string, bigInt.BigInteger>();
  const input = (p: PyPeer): Api.TypeInputPeer =>
    isUser(p) ? new Api.InputPeerUser({ userId: bigInt(String(p.user)), accessHash: hashes.get(String(p.user)) ?? bigInt.zero }) : new Api.InputPeerChat({ chatId: bigInt(String(p.chat)) });
  const peerMatches = (p: PyPeer, peerId: Api.TypePeer): boolean =>
    isUser(p) ? peerId instanceof Api.PeerUser && String(peerId.userId) === String(p.user) : peerId instanceof Api.PeerChat && String(peerId.chatId) === String(p.chat);
  const mediaKind = (m: Api.TypeMessageMedia | undefined): MediaKind => (m instanceof Api.MessageMediaPhoto ? 'photo' : m instanceof Api.MessageMediaDocument ? 'document' : null);
  const newMessage = (res: Api.TypeUpdates): number => {
    if (res instanceof Api.UpdateShortSentMessage) return res.id;
    assert.ok(res instanceof Api.Updates, `answered ${res.className}`);
    const u = res.updates.find((x): x is Api.UpdateNewMessage => x instanceof Api.UpdateNewMessage);
    assert.ok(u, 'the answer carries updateNewMessage');
    return u.message.id;
  };
  return {
    name: `GramJS (layer ${GRAMJS_LAYER})`,
    userId: account.userId,
    async importContact(phone, firstName) {
      const res = (await h.client.invoke(new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${phone}`, firstName, lastName: '' })] }))) as Api.contacts.ImportedContacts;
      const user = res.users[0] as Api.User;
      hashes.set(user.id.toString(), user.accessHash!);
      return BigInt(user.id.toString());
    },
    async sendText(peer, message) {
      return newMessage((await h.client.invoke(new Api.messages.SendMessage({ peer: input(peer), message, randomId: bigInt(randomLong().toString()) }))) as Api.TypeUpdates);
    },
    async sendMedia(peer, data, fileName, photo, caption) {
      const file = await h.client.uploadFile({ file: new CustomFile(fileName, data.length, '', data), workers: 2 });
      const media = photo
        ? new Api.InputMediaUploadedPhoto({ file })
        : new Api.InputMediaUploadedDocument({ file, mimeType: 'application/octet-stream', attributes: [new Api.DocumentAttributeFilename({ fileName })] });
      return newMessage((await h.client.invoke(new Api.messages.SendMedia({ peer: input(peer), media, message: caption, randomId: bigInt(randomLong().toString()) }))) as Api.TypeUpdates);
    },
    async waitForMessage(peer, text) {
      const u = await inbox.waitFor(
        (u) =>
          (isUser(peer) && u instanceof Api.UpdateShortMessage && u.message === text && String(u.userId) === String(peer.user)) ||
          (!isUser(peer) && u instanceof Api.UpdateShortChatMessage && u.message === text && String(u.chatId) === String(peer.chat)) ||
          (u instanceof Api.UpdateNewMessage && u.message instanceof Api.Message && u.message.message === text && peerMatches(peer, u.message.peerId)),
        `GramJS gets ${JSON.stringify(text)}`,
        30_000,
      );
      return u instanceof Api.UpdateNewMessage ? { id: u.message.id, media: mediaKind((u.message as Api.Message).media) } : { id: u.id, media: null };
    },
    async waitForGroupCreated(title) {
      const u = await inbox.waitFor(
        (u) => u instanceof Api.UpdateNewMessage && u.message instanceof Api.MessageService && u.message.action instanceof Api.MessageActionChatCreate && u.message.action.title === title,
        `GramJS sees group ${title} created`,
        30_000,
      );
      return Number((u.message.peerId as Api.PeerChat).chatId);
    },
    async download(peer, id) {
      const [m] = await h.client.getMessages(input(peer), { ids: [id] });
      assert.ok(m?.media, `GramJS: message ${id} has media`);
      const data = await h.client.downloadMedia(m);
      assert.ok(Buffer.isBuffer(data));
      return data;
    },
  };
}

export async function mtcuteSide(world: E2eWorld, phone: string, firstName: string): Promise<OtherSide> {
  const account = await world.signUpMtcute({ phone, firstName, mtcute: { updates: true } });
  const h: MtcuteHandle = account.handle;
  const inbox = new Inbox();
  watchMtcute(h, inbox);
  // The loop starts with updates.getState; awaiting it means later pushes are applied, not taken as old.
  await startUpdates(h);
  const hashes = new Map<string, Long>();
  const input = (p: PyPeer): any =>
    isUser(p) ? { _: 'inputPeerUser', userId: Number(p.user), accessHash: hashes.get(String(p.user)) ?? Long.ZERO } : { _: 'inputPeerChat', chatId: Number(p.chat) };
  const peerMatches = (p: PyPeer, peerId: any): boolean =>
    isUser(p) ? peerId._ === 'peerUser' && String(peerId.userId) === String(p.user) : peerId._ === 'peerChat' && String(peerId.chatId) === String(p.chat);
  return {
    name: `mtcute (layer ${MTCUTE_LAYER})`,
    userId: account.userId,
    async importContact(phone, firstName) {
      const res: any = await h.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone}`, firstName, lastName: '' }] });
      hashes.set(String(res.users[0].id), res.users[0].accessHash);
      return BigInt(res.users[0].id);
    },
    async sendText(peer, message) {
      const res: any = await h.client.call({ _: 'messages.sendMessage', peer: input(peer), message, randomId: Long.fromString(randomLong().toString()) } as any);
      assert.equal(res._, 'updateShortSentMessage');
      return res.id;
    },
    async sendMedia(peer, data, fileName, photo, caption) {
      const sent = await h.client.sendMedia(input(peer), photo ? { type: 'photo', file: data, caption } : { type: 'document', file: data, fileName, caption });
      return sent.id;
    },
    async waitForMessage(peer, text) {
      const u = await inbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === text && peerMatches(peer, u.message.peerId), `mtcute gets ${JSON.stringify(text)}`, 30_000);
      const kind = u.message.media?._;
      return { id: u.message.id, media: kind === 'messageMediaPhoto' ? 'photo' : kind === 'messageMediaDocument' ? 'document' : null };
    },
    async waitForGroupCreated(title) {
      const u = await inbox.waitFor(
        (u) => u._ === 'updateNewMessage' && u.message._ === 'messageService' && u.message.action._ === 'messageActionChatCreate' && u.message.action.title === title,
        `mtcute sees group ${title} created`,
        30_000,
      );
      return u.message.peerId.chatId;
    },
    async download(peer, id) {
      const [m] = await h.client.getMessages(input(peer), [id]);
      assert.ok(m?.media, `mtcute: message ${id} has media`);
      return Buffer.from(await h.client.downloadAsBuffer(m.media as any));
    },
  };
}

/** A JPEG of noise (so each photo differs and its size is realistic). */
export async function noiseJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

export interface PythonSuiteOptions {
  kind: PythonClientKind;
  /** The layer the client declares (checked against what it reports). */
  layer: number;
  other: 'gramjs' | 'mtcute';
  /** testPhone() base for this file's users. */
  phoneBase: number;
  /** Client-specific tests, run after the chat is set up and before the session reload. */
  extra?: (ctx: PythonSuiteContext) => void;
}

export interface PythonSuiteContext {
  readonly py: PythonClient;
  readonly other: OtherSide;
  readonly pyPhone: string;
  readonly otherPhone: string;
  readonly pyUserId: number;
  readonly world: E2eWorld;
}

export function pythonClientSuite(opts: PythonSuiteOptions): void {
  const pyPhone = testPhone(opts.phoneBase + 1);
  const otherPhone = testPhone(opts.phoneBase + 2);
  const title = `${opts.kind} group`;
  let world: E2eWorld;
  let dir: string;
  let session: string;
  let py: PythonClient;
  let other: OtherSide;
  let pyUserId = 0;
  const authKeysCreated = () => world.echod.countLogs((l) => l.msg === AUTH_KEY_CREATED_MSG);
  const ctx: PythonSuiteContext = {
    get py() { return py; },
    get other() { return other; },
    pyPhone,
    otherPhone,
    get pyUserId() { return pyUserId; },
    get world() { return world; },
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `echo-${opts.kind}-`));
    session = join(dir, 'client');
    world = await E2eWorld.start();
    other = await (opts.other === 'gramjs' ? gramjsSide : mtcuteSide)(world, otherPhone, 'Jay');
    py = await PythonClient.start(opts.kind);
    world.defer(() => py.close());
  });

  after(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe(`${opts.kind} (Python) with ${opts.other}`, { timeout: 180_000 }, () => {
    test('signs up with the login code through its own sign-in calls, on its own layer', async () => {
      const before = authKeysCreated();
      const conn = await py.connect(world.target, session);
      assert.deepEqual([conn.authorized, conn.saved_session], [false, false]);
      assert.equal(conn.layer, opts.layer);
      const signed = await py.call('sign_in', { phone: `+${pyPhone}`, code: FIXED_CODE, first_name: 'Py' });
      assert.equal(signed.signed_up, true, 'the number was new, so the client signed up');
      pyUserId = signed.user_id;
      const me = await py.call('me');
      assert.deepEqual([me.id, me.first_name, me.phone], [pyUserId, 'Py', pyPhone]);
      assert.equal(authKeysCreated(), before + 1, 'one auth key for the new client');
    });

    test(`a private chat with ${opts.other}: live updates both ways`, async () => {
      assert.equal(await other.importContact(pyPhone, 'Py'), BigInt(pyUserId));
      const imported = await py.call('import_contact', { phone: `+${otherPhone}`, first_name: 'Jay' });
      assert.deepEqual(imported.user_ids, [Number(other.userId)]);
      const toOther = { user: pyUserId };
      const toPy = { user: other.userId };

      const [, sent] = await whileWaiting(other.waitForMessage(toOther, `hello from ${opts.kind}`), () => py.call('send_text', { peer: toPy, text: `hello from ${opts.kind}` }));
      assert.deepEqual([sent.out, sent.chat], [true, { type: 'user', id: Number(other.userId) }]);

      const reply = `hello from ${opts.other}`;
      await other.sendText(toOther, reply);
      const got = await py.waitForMessage((m) => m.text === reply, 'the reply');
      assert.deepEqual([got.out, got.sender_id, got.chat], [false, Number(other.userId), { type: 'user', id: Number(other.userId) }]);
    });

    opts.extra?.(ctx);

    test('a basic group: the Python client creates it, both members get each other\'s messages', async () => {
      const [seen, created] = await whileWaiting(other.waitForGroupCreated(title), () => py.call('create_group', { title, users: [Number(other.userId)] }));
      const chatId = created.chat_id;
      assert.equal(seen, chatId, 'the member sees the creation in the same chat');
      const group = { chat: chatId };
      await whileWaiting(other.waitForMessage(group, 'to the group'), () => py.call('send_text', { peer: group, text: 'to the group' }));

      await other.sendText(group, 'group reply');
      const got = await py.waitForMessage((m) => m.text === 'group reply', 'the group reply');
      assert.deepEqual([got.chat, got.sender_id, got.out], [{ type: 'chat', id: chatId }, Number(other.userId), false]);
    });

    test('a file both ways arrives byte for byte', async () => {
      const toOther = { user: pyUserId };
      const toPy = { user: other.userId };
      const data = randomBytes(700 * 1024 + 17);
      const path = join(dir, 'from-python.bin');
      writeFileSync(path, data);
      const [got] = await whileWaiting(other.waitForMessage(toOther, 'a file'), () => py.call('send_file', { peer: toPy, path, photo: false, caption: 'a file' }));
      assert.equal(got.media, 'document');
      assert.equal(sha256(await other.download(toOther, got.id)), sha256(data));

      const back = randomBytes(1300 * 1024 + 5);
      await other.sendMedia(toOther, back, 'from-js.bin', false, 'a file back');
      const msg = await py.waitForMessage((m) => m.text === 'a file back', 'the file back');
      assert.equal(msg.media, 'document');
      const dl = await py.call('download', { peer: toPy, msg_id: msg.id });
      assert.deepEqual([dl.size, dl.sha256], [back.length, sha256(back)]);
    });

    test('a photo both ways: both sides download the same full-size JPEG', async () => {
      const toOther = { user: pyUserId };
      const toPy = { user: other.userId };
      const path = join(dir, 'from-python.jpg');
      writeFileSync(path, await noiseJpeg(640, 480, 1));
      const [got, sent] = await whileWaiting(other.waitForMessage(toOther, 'a photo'), () => py.call('send_file', { peer: toPy, path, photo: true, caption: 'a photo' }));
      assert.equal(sent.media, 'photo');
      assert.equal(got.media, 'photo');
      const otherCopy = await other.download(toOther, got.id);
      const meta = await sharp(otherCopy).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 480]);
      // The server renders the sizes, so the sender checks its own copy of the photo against the receiver's.
      const own = await py.call('download', { peer: toPy, msg_id: sent.id });
      assert.equal(own.sha256, sha256(otherCopy));

      const sentBack = await other.sendMedia(toOther, await noiseJpeg(800, 600, 2), 'back.jpg', true, 'a photo back');
      const msg = await py.waitForMessage((m) => m.text === 'a photo back', 'the photo back');
      assert.equal(msg.media, 'photo');
      const dl = await py.call('download', { peer: toPy, msg_id: msg.id });
      assert.equal(dl.sha256, sha256(await other.download(toOther, sentBack)));
    });

    test('restarts from its session file: same auth key, still signed in, live updates flow', async () => {
      const keys = authKeysCreated();
      await py.close();
      py = await PythonClient.start(opts.kind);
      world.defer(() => py.close());
      const conn = await py.connect(world.target, session);
      assert.deepEqual([conn.authorized, conn.saved_session], [true, true]);
      assert.equal((await py.call('me')).id, pyUserId);

      await other.sendText({ user: pyUserId }, 'after the restart');
      const got = await py.waitForMessage((m) => m.text === 'after the restart', 'a message after the restart');
      assert.equal(got.sender_id, Number(other.userId));
      await whileWaiting(other.waitForMessage({ user: pyUserId }, 'sent after the restart'), () => py.call('send_text', { peer: { user: other.userId }, text: 'sent after the restart' }));
      assert.equal(authKeysCreated(), keys, 'no auth key was created for the restarted client');
    });
  });
}
