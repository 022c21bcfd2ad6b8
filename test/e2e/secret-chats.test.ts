// Secret chats end to end (core.telegram.org/api/end-to-end), with the client side written from the spec
// in test/support/secret-chat.ts over Echo's raw MTProto client: the DH exchange through the server, text
// and files both ways, a device catching up through qts, receivedQueue, discarding, and the refusals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { FIXED_CODE_ENV, testPhone } from '../support/accounts.js';
import { rejectsWith } from '../support/rpc-errors.js';
import {
  Device,
  SecretChatEnd,
  SECRET_LAYER,
  dhConfig,
  downloadEncryptedFile,
  keyFingerprint,
  publicValue,
  secretExponent,
  sharedKey,
  uploadEncryptedFile,
  type Decrypted,
} from '../support/secret-chat.js';

type Any = Record<string, any>;

let echod: EchodProcess;
const devices: Device[] = [];
let alice: Device;
let bob: Device;
let bob2: Device;
let carol: Device;
let bobHash: bigint;

before(async () => {
  echod = await startEchod({ env: FIXED_CODE_ENV });
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  const publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  const port = echod.tcpPorts[0]!;
  const add = async (phone: string, name?: string, layer?: number) => {
    const d = await Device.signIn(port, publicKey, phone, name, layer);
    devices.push(d);
    return d;
  };
  alice = await add(testPhone(8101), 'Alice');
  bob = await add(testPhone(8102), 'Bob');
  // Older layers than the canonical one: what they are sent must encode for them (the oldest Echo serves, and GramJS's).
  bob2 = await add(testPhone(8102), undefined, 198);
  carol = await add(testPhone(8103), 'Carol', 158);
  const imported = await alice.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: 1n, phone: testPhone(8102), firstName: 'Bob', lastName: '' }] });
  bobHash = imported.users.find((u: Any) => u.id === bob.userId).accessHash;
});

after(async () => {
  for (const d of devices) d.close();
  await echod.dispose();
});

const bobInput = () => ({ _: 'inputUser', userId: bob.userId, accessHash: bobHash });
const newRandomId = () => randomBytes(8).readBigInt64LE(0);

/** Alice's device requests a chat with Bob; Bob's device `acceptor` accepts it (with `fingerprint` when given). */
async function openChat(acceptor: Device, opts: { fingerprint?: bigint } = {}): Promise<{ a: SecretChatEnd; b: SecretChatEnd; chatId: number; adminUpdate: Any }> {
  const params = await dhConfig(alice);
  const aSecret = secretExponent(params);
  const waiting = await alice.call({ _: 'messages.requestEncryption', userId: bobInput(), randomId: randomInt(1, 2 ** 31 - 1), gA: publicValue(params, aSecret) });
  assert.equal(waiting._, 'encryptedChatWaiting');
  assert.equal(waiting.adminId, alice.userId);
  assert.equal(waiting.participantId, bob.userId);

  const requested = await acceptor.update((u) => u._ === 'updateEncryption' && u.chat.id === waiting.id && u.chat._ === 'encryptedChatRequested');
  const bobParams = await dhConfig(acceptor);
  const bSecret = secretExponent(bobParams);
  const key = sharedKey(bobParams, bSecret, requested.chat.gA);
  const accepted = await acceptor.call({
    _: 'messages.acceptEncryption',
    peer: { _: 'inputEncryptedChat', chatId: waiting.id, accessHash: requested.chat.accessHash },
    gB: publicValue(bobParams, bSecret),
    keyFingerprint: opts.fingerprint ?? keyFingerprint(key),
  });
  assert.equal(accepted._, 'encryptedChat');

  const adminUpdate = await alice.update((u) => u._ === 'updateEncryption' && u.chat.id === waiting.id && u.chat._ !== 'encryptedChatWaiting');
  assert.equal(adminUpdate.chat._, 'encryptedChat');
  const aliceKey = sharedKey(params, aSecret, adminUpdate.chat.gAOrB);
  const a = new SecretChatEnd(alice, waiting.id, waiting.accessHash, aliceKey, true);
  const b = new SecretChatEnd(acceptor, waiting.id, requested.chat.accessHash, key, false);
  return { a, b, chatId: waiting.id, adminUpdate };
}

async function send(end: SecretChatEnd, m: Decrypted): Promise<Any> {
  const method = m.kind === 'notifyLayer' ? 'messages.sendEncryptedService' : 'messages.sendEncrypted';
  return end.device.call({ _: method, peer: end.peer, randomId: m.randomId, data: end.encrypt(m) });
}

async function receive(end: SecretChatEnd): Promise<{ decrypted: ReturnType<SecretChatEnd['decrypt']>; update: Any }> {
  // A real client skips pushes whose qts it has applied already (from getDifference).
  const update = await end.device.update((u) => u._ === 'updateNewEncryptedMessage' && u.message.chatId === end.chatId && u.qts > end.seenQts);
  end.seenQts = update.qts;
  return { decrypted: end.decrypt(update.message.bytes), update };
}

function vectorOfLong(raw: Buffer): bigint[] {
  assert.equal(raw.readUInt32LE(0), 0x1cb5c415);
  return Array.from({ length: raw.readInt32LE(4) }, (_, i) => raw.readBigInt64LE(8 + 8 * i));
}

let main: { a: SecretChatEnd; b: SecretChatEnd; chatId: number };
let lastBobQts = 0;

test('two devices open a secret chat: the key agrees, and only the accepting device keeps the chat', async () => {
  const opened = await openChat(bob);
  main = opened;
  assert.ok(opened.a.key.equals(opened.b.key), 'both sides derived the same key');
  assert.equal(opened.adminUpdate.chat.keyFingerprint, keyFingerprint(opened.a.key), "the fingerprint Bob's device gave matches Alice's key");
  // Bob's other device was offered the request too, and is told that it is gone.
  const offered = await bob2.update((u) => u._ === 'updateEncryption' && u.chat.id === main.chatId && u.chat._ === 'encryptedChatRequested');
  await bob2.update((u) => u._ === 'updateEncryption' && u.chat.id === main.chatId && u.chat._ === 'encryptedChatDiscarded');
  await rejectsWith(
    bob2.call({ _: 'messages.acceptEncryption', peer: { _: 'inputEncryptedChat', chatId: main.chatId, accessHash: offered.chat.accessHash }, gB: main.b.key.subarray(0, 256), keyFingerprint: 1n }),
    'ENCRYPTION_ALREADY_ACCEPTED',
  );

  // Both sides announce their layer (service messages), as clients do first.
  await send(main.a, { kind: 'notifyLayer', randomId: newRandomId(), layer: SECRET_LAYER });
  const gotLayer = await receive(main.b);
  assert.equal(gotLayer.update.message._, 'encryptedMessageService');
  assert.deepEqual({ kind: gotLayer.decrypted.kind, layer: gotLayer.decrypted.layer }, { kind: 'notifyLayer', layer: SECRET_LAYER });
  lastBobQts = gotLayer.update.qts;
  await send(main.b, { kind: 'notifyLayer', randomId: newRandomId(), layer: SECRET_LAYER });
  await receive(main.a);
});

test('text and a file travel both ways, with read receipts and typing', async () => {
  const sent = await send(main.a, { kind: 'message', randomId: newRandomId(), text: 'hello Bob, only you can read this' });
  assert.equal(sent._, 'messages.sentEncryptedMessage');
  const atBob = await receive(main.b);
  assert.equal(atBob.update.message._, 'encryptedMessage');
  assert.equal(atBob.update.message.file._, 'encryptedFileEmpty');
  assert.equal(atBob.update.qts, lastBobQts + 1, "each message advances the recipient device's qts by one");
  assert.equal(atBob.decrypted.kind === 'message' && atBob.decrypted.text, 'hello Bob, only you can read this');
  lastBobQts = atBob.update.qts;

  await send(main.b, { kind: 'message', randomId: newRandomId(), text: 'hi Alice' });
  const atAlice = await receive(main.a);
  assert.equal(atAlice.decrypted.kind === 'message' && atAlice.decrypted.text, 'hi Alice');

  // A file each way: uploaded encrypted, stored as is, downloaded by the other device only.
  for (const [from, to] of [
    [main.a, main.b],
    [main.b, main.a],
  ] as const) {
    const plain = randomBytes(70_000 + randomInt(1, 1000));
    const up = await uploadEncryptedFile(from.device, plain);
    const randomId = newRandomId();
    const res = await from.device.call({ _: 'messages.sendEncryptedFile', peer: from.peer, randomId, data: from.encrypt({ kind: 'message', randomId, text: 'a file', document: up.media }), file: up.input });
    assert.equal(res._, 'messages.sentEncryptedFile');
    assert.equal(res.file.keyFingerprint, up.input.keyFingerprint);
    const got = await receive(to);
    if (to === main.b) lastBobQts = got.update.qts;
    assert.equal(got.update.message.file.id, res.file.id);
    assert.ok(got.decrypted.kind === 'message' && got.decrypted.document);
    const downloaded = await downloadEncryptedFile(to.device, got.update.message.file, got.decrypted.document);
    assert.ok(downloaded.equals(plain), 'the file decrypts to what was sent');
    // Another device of the same user, or another user, cannot read it.
    const outsider = to === main.b ? bob2 : carol;
    await rejectsWith(outsider.call({ _: 'upload.getFile', location: { _: 'inputEncryptedFileLocation', id: res.file.id, accessHash: res.file.accessHash }, offset: 0n, limit: 4096 }), 'FILE_ID_INVALID');
  }

  assert.equal(await main.b.device.call({ _: 'messages.readEncryptedHistory', peer: main.b.peer, maxDate: atBob.update.message.date }), true);
  const read = await alice.update((u) => u._ === 'updateEncryptedMessagesRead' && u.chatId === main.chatId);
  assert.equal(read.maxDate, atBob.update.message.date);
  assert.equal(await main.a.device.call({ _: 'messages.setEncryptedTyping', peer: main.a.peer, typing: true }), true);
  await bob.update((u) => u._ === 'updateEncryptedChatTyping' && u.chatId === main.chatId);

  // Nothing of the chat reached Bob's other device: its qts never moved.
  assert.equal((await bob2.call({ _: 'updates.getState' })).qts, 0);
  assert.equal(await bob2.has((u) => u._ === 'updateNewEncryptedMessage'), false);
});

test('a device that was offline catches up through qts in getDifference, then acknowledges with receivedQueue', async () => {
  const state = await bob.call({ _: 'updates.getState' });
  assert.equal(state.qts, lastBobQts);
  await bob.goOffline();
  const texts = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
  const randomIds = texts.map(() => newRandomId());
  for (const [i, text] of texts.entries()) await send(main.a, { kind: 'message', randomId: randomIds[i]!, text });

  await bob.comeBack();
  const diff = await bob.call({ _: 'updates.getDifference', pts: state.pts, date: state.date, qts: lastBobQts });
  assert.equal(diff._, 'updates.difference');
  assert.equal(diff.newEncryptedMessages.length, 3);
  assert.equal(diff.state.qts, lastBobQts + 3);
  assert.deepEqual(
    diff.newEncryptedMessages.map((m: Any) => {
      const d = main.b.decrypt(m.bytes);
      return d.kind === 'message' ? d.text : d.kind;
    }),
    texts,
  );
  assert.equal((await bob.call({ _: 'updates.getState' })).qts, lastBobQts + 3);
  main.b.seenQts = diff.state.qts;

  await rejectsWith(bob.call({ _: 'messages.receivedQueue', maxQts: lastBobQts + 4 }), 'MAX_QTS_INVALID');
  // Vector<long>, bare: the raw client hands it over undecoded.
  const acked = vectorOfLong((await bob.call({ _: 'messages.receivedQueue', maxQts: lastBobQts + 3 })) as unknown as Buffer);
  for (const id of randomIds) assert.ok(acked.includes(id), 'the acknowledged messages are answered by random_id');
  // Acknowledged messages are deleted: asking again from an older qts finds none.
  const again = await bob.call({ _: 'updates.getDifference', pts: state.pts, date: diff.state.date, qts: 0 });
  assert.ok(again._ === 'updates.differenceEmpty' || again.newEncryptedMessages.length === 0);
  lastBobQts += 3;
});

test('other devices and users cannot use the chat', async () => {
  // Well-formed ciphertext (the server cannot tell more): fingerprint, msg_key and two AES blocks.
  const data = randomBytes(8 + 16 + 32);
  // Bob's other device has the chat's access hash, but the chat belongs to the device that accepted it.
  const offered = { _: 'inputEncryptedChat', chatId: main.chatId, accessHash: main.b.accessHash };
  await rejectsWith(bob2.call({ _: 'messages.sendEncrypted', peer: offered, randomId: newRandomId(), data }), 'CHAT_ID_INVALID');
  await rejectsWith(bob2.call({ _: 'messages.setEncryptedTyping', peer: offered, typing: true }), 'CHAT_ID_INVALID');
  await rejectsWith(bob2.call({ _: 'messages.discardEncryption', chatId: main.chatId }), 'ENCRYPTION_ID_INVALID');
  // Another user, with either side's access hash.
  for (const accessHash of [main.a.accessHash, main.b.accessHash]) {
    await rejectsWith(carol.call({ _: 'messages.sendEncrypted', peer: { _: 'inputEncryptedChat', chatId: main.chatId, accessHash }, randomId: newRandomId(), data }), 'CHAT_ID_INVALID');
  }
  await rejectsWith(carol.call({ _: 'messages.discardEncryption', chatId: main.chatId }), 'ENCRYPTION_ID_INVALID');
  // Malformed ciphertext (not fingerprint ‖ msg_key ‖ whole AES blocks).
  await rejectsWith(alice.call({ _: 'messages.sendEncrypted', peer: main.a.peer, randomId: newRandomId(), data: randomBytes(30) }), 'DATA_INVALID');
});

test('requests with bad DH values or for someone else are refused', async () => {
  await rejectsWith(alice.call({ _: 'messages.requestEncryption', userId: bobInput(), randomId: 77, gA: Buffer.alloc(256, 0).fill(1, 255) }), 'DH_G_A_INVALID');
  await rejectsWith(alice.call({ _: 'messages.requestEncryption', userId: { _: 'inputUser', userId: bob.userId, accessHash: 1n }, randomId: 78, gA: randomBytes(256) }), 'USER_ID_INVALID');
  const params = await dhConfig(alice);
  const waiting = await alice.call({ _: 'messages.requestEncryption', userId: bobInput(), randomId: randomInt(1, 2 ** 31 - 1), gA: publicValue(params, secretExponent(params)) });
  const requested = await bob.update((u) => u._ === 'updateEncryption' && u.chat.id === waiting.id && u.chat._ === 'encryptedChatRequested');
  const gB = publicValue(params, secretExponent(params));
  // Someone else's request: Carol (with either hash) and Alice herself cannot accept it.
  for (const [who, accessHash] of [
    [carol, requested.chat.accessHash],
    [carol, waiting.accessHash],
    [alice, waiting.accessHash],
  ] as const) {
    await rejectsWith(who.call({ _: 'messages.acceptEncryption', peer: { _: 'inputEncryptedChat', chatId: waiting.id, accessHash }, gB, keyFingerprint: 5n }), 'CHAT_ID_INVALID');
  }
  await rejectsWith(bob.call({ _: 'messages.acceptEncryption', peer: { _: 'inputEncryptedChat', chatId: waiting.id, accessHash: requested.chat.accessHash }, gB: Buffer.alloc(256, 0xff), keyFingerprint: 5n }), 'DH_G_B_INVALID');
  // Bob declines on one device: Alice and his other device learn it; accepting later is refused.
  assert.equal(await bob.call({ _: 'messages.discardEncryption', chatId: waiting.id }), true);
  await alice.update((u) => u._ === 'updateEncryption' && u.chat.id === waiting.id && u.chat._ === 'encryptedChatDiscarded');
  await bob2.update((u) => u._ === 'updateEncryption' && u.chat.id === waiting.id && u.chat._ === 'encryptedChatDiscarded');
  await rejectsWith(bob2.call({ _: 'messages.acceptEncryption', peer: { _: 'inputEncryptedChat', chatId: waiting.id, accessHash: requested.chat.accessHash }, gB, keyFingerprint: 5n }), 'ENCRYPTION_ALREADY_DECLINED');
});

test('a wrong key fingerprint: the creator refuses the chat, and the other side cannot send into it', async () => {
  const { b, chatId, adminUpdate } = await openChat(bob, { fingerprint: 0x0badf00dn });
  const aliceKeyFingerprint = adminUpdate.chat.keyFingerprint as bigint;
  // The server relays the fingerprint the acceptor gave; Alice's key does not match it, so she discards (the spec's rule).
  assert.notEqual(aliceKeyFingerprint, keyFingerprint(b.key));
  assert.equal(await alice.call({ _: 'messages.discardEncryption', chatId }), true);
  const gone = await bob.update((u) => u._ === 'updateEncryption' && u.chat.id === chatId && u.chat._ === 'encryptedChatDiscarded');
  assert.ok(!gone.chat.historyDeleted);
  await rejectsWith(bob.call({ _: 'messages.sendEncrypted', peer: b.peer, randomId: newRandomId(), data: b.encrypt({ kind: 'message', randomId: 2n, text: 'x' }) }), 'ENCRYPTION_DECLINED');
});

test('discarding with delete_history removes the chat, its waiting messages and its files', async () => {
  // A file and a message that Bob has not acknowledged yet.
  const plain = randomBytes(5000);
  const up = await uploadEncryptedFile(alice, plain);
  const randomId = newRandomId();
  const res = await alice.call({ _: 'messages.sendEncryptedFile', peer: main.a.peer, randomId, data: main.a.encrypt({ kind: 'message', randomId, text: 'f', document: up.media }), file: up.input });
  await receive(main.b);
  const filesDir = join(echod.dataDir, 'files', 'encryptedfiles');
  const blobsBefore = existsSync(filesDir) ? readdirSync(filesDir, { recursive: true }).length : 0;
  assert.ok(blobsBefore > 0, 'encrypted files are stored in the encryptedfiles bucket');

  assert.equal(await alice.call({ _: 'messages.discardEncryption', deleteHistory: true, chatId: main.chatId }), true);
  const gone = await bob.update((u) => u._ === 'updateEncryption' && u.chat.id === main.chatId && u.chat._ === 'encryptedChatDiscarded');
  assert.equal(gone.chat.historyDeleted, true);

  await rejectsWith(bob.call({ _: 'upload.getFile', location: { _: 'inputEncryptedFileLocation', id: res.file.id, accessHash: res.file.accessHash }, offset: 0n, limit: 4096 }), 'FILE_ID_INVALID');
  const diff = await bob.call({ _: 'updates.getDifference', pts: 1, date: 0, qts: lastBobQts });
  assert.ok(diff._ !== 'updates.differenceEmpty');
  assert.equal(diff.newEncryptedMessages.length, 0, 'unacknowledged messages of the chat are deleted with it');
  assert.ok(diff.otherUpdates.some((u: Any) => u._ === 'updateEncryption' && u.chat.id === main.chatId && u.chat._ === 'encryptedChatDiscarded'));
  const blobsAfter = existsSync(filesDir) ? readdirSync(filesDir, { recursive: true }).filter((f) => !String(f).includes('.tmp')).length : 0;
  assert.ok(blobsAfter < blobsBefore, 'the chat\u2019s files are deleted from the bucket');

  await rejectsWith(send(main.b, { kind: 'message', randomId: newRandomId(), text: 'anyone?' }), 'ENCRYPTION_DECLINED');
  await rejectsWith(alice.call({ _: 'messages.discardEncryption', chatId: main.chatId }), 'ENCRYPTION_ALREADY_DECLINED');
});
