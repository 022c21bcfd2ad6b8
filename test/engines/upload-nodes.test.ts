// Uploads across two echod nodes on shared engines (MariaDB, Redis, etcd, Kafka, S3), as behind a load balancer:
// one device (one auth key) of Alice's on two connections, one to each node, sends some parts of a file to node 1
// and the rest to node 2, then sends the file from node 2; Bob, on node 1, downloads the document and gets the
// same bytes. A part that reached neither node is Telegram's FILE_PART_X_MISSING on either node, and the
// upload completes once that part is sent (to the other node).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Long from 'long';
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import type { EchoTarget } from '../support/gramjs.js';
import { createMtcuteClient, type MtcuteHandle } from '../support/mtcute.js';
import { signInMtcute, testPhone } from '../support/accounts.js';
import { loadOrCreateServerKey } from '../../src/infra/keys.js';
import { ScratchDatabases } from './mysql-env.js';
import { sharedNodeEnv } from './node-env.js';

const TIMEOUT = 300_000;
const KB = 1024;
const run = randomBytes(3).toString('hex');
// Phones of this run only: sign-in flood counters live in Redis across runs, keyed by phone.
const phoneBase = 5_400_000 + (randomBytes(3).readUIntLE(0, 3) % 400_000) * 10;
const phone = (n: number) => testPhone(phoneBase + n);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const randomLong = () => Long.fromBits(randomBytes(4).readInt32LE(), randomBytes(4).readInt32LE());

const databases = new ScratchDatabases();
const keyDir = mkdtempSync(join(tmpdir(), 'echo-upload-nodes-'));
const closers: (() => Promise<unknown>)[] = [];
let node1: EchodProcess;
let node2: EchodProcess;
/** Alice's one device, on a connection to each node. */
let aliceOn1: MtcuteHandle;
let aliceOn2: MtcuteHandle;
let bob: MtcuteHandle;
let bobForAlice: { _: 'inputPeerUser'; userId: number; accessHash: Long };
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };

/** The same device (auth key, signed-in user) on a second connection, to another node. */
async function sameDeviceOn(from: MtcuteHandle, to: EchoTarget): Promise<MtcuteHandle> {
  const saved = readStringSession(await from.saveSession());
  const other = await createMtcuteClient(to, {});
  closers.push(() => other.close());
  const dc = { id: to.dcId, ipAddress: to.host, port: to.port };
  await other.base.importSession(writeStringSession({ ...saved, primaryDcs: { main: dc, media: dc } }), true);
  return other;
}

function split(data: Buffer, partSize: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += partSize) parts.push(data.subarray(i, i + partSize));
  return parts;
}

/** RPC calls of `method` the node answered without an error, from its /metrics. */
async function answered(node: EchodProcess, method: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.adminPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`echo_rpc_calls_total{method="${method}",error="none"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function sendDocument(from: MtcuteHandle, file: unknown, caption: string): Promise<unknown> {
  return from.client.call({
    _: 'messages.sendMedia',
    peer: bobForAlice,
    media: { _: 'inputMediaUploadedDocument', file, mimeType: 'application/octet-stream', attributes: [{ _: 'documentAttributeFilename', fileName: 'split.bin' }] },
    message: caption,
    randomId: randomLong(),
  } as never);
}

/**
 * Bob, on node 1, finds Alice's message by its caption and downloads its document. His copy is written by the
 * Inbox-T consumer (Kafka) after the send returns: each look is a real query, the wait ends as soon as it is there.
 */
async function bobDownloads(caption: string): Promise<{ size: number; bytes: Buffer }> {
  const deadline = Date.now() + 60_000;
  let raw: any;
  for (;;) {
    const history: any = await bob.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 20, maxId: 0, minId: 0, hash: Long.ZERO });
    raw = history.messages.find((m: any) => m._ === 'message' && m.message === caption);
    if (raw || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(raw, `Bob holds the message "${caption}"`);
  const [msg] = await bob.client.getMessages(aliceForBob as never, [raw.id]);
  const media: any = msg!.media;
  return { size: media.fileSize, bytes: Buffer.from(await bob.client.downloadAsBuffer(media)) };
}

before(async () => {
  const keyFile = join(keyDir, 'server-key.pem');
  loadOrCreateServerKey(keyFile);
  const shared = sharedNodeEnv({ keyFile, redisDb: randomBytes(1)[0]! % 16, topicPrefix: `uploads-${run}.`, database: databases.next() });
  [node1, node2] = await Promise.all([startEchod({ env: shared, readyTimeoutMs: 120_000 }), startEchod({ env: shared, readyTimeoutMs: 120_000 })]);
  const [at1, at2] = await Promise.all([echoTarget(node1), echoTarget(node2)]);

  const alice = await signInMtcute(at1, { phone: phone(1), firstName: 'Alice' });
  aliceOn1 = alice.handle;
  closers.push(() => aliceOn1.close());
  aliceOn2 = await sameDeviceOn(aliceOn1, at2);
  const b = await signInMtcute(at1, { phone: phone(2), firstName: 'Bob' });
  bob = b.handle;
  closers.push(() => bob.close());

  const found: any = await aliceOn2.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone(2)}`, firstName: 'Bob', lastName: '' }] });
  bobForAlice = { _: 'inputPeerUser', userId: found.users[0].id, accessHash: found.users[0].accessHash };
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone(1)}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await Promise.allSettled([node1?.dispose(), node2?.dispose()]);
  await databases.dropAll();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('upload parts shared by two nodes (S3)', { timeout: TIMEOUT }, () => {
  test('parts split between node 1 and node 2 (saveFilePart, md5 given) become one document sent from node 2; Bob on node 1 downloads the same bytes', async () => {
    const data = randomBytes(3 * 512 * KB + 54_321);
    const parts = split(data, 512 * KB);
    const fileId = randomLong();
    const before = await Promise.all([answered(node1, 'upload.saveFilePart'), answered(node2, 'upload.saveFilePart')]);
    // Even parts to node 1, odd ones to node 2, both connections at once, as a client uploading with several workers.
    const saved = await Promise.all(parts.map((bytes, filePart) => (filePart % 2 === 0 ? aliceOn1 : aliceOn2).client.call({ _: 'upload.saveFilePart', fileId, filePart, bytes })));
    assert.deepEqual(saved, parts.map(() => true));
    const after = await Promise.all([answered(node1, 'upload.saveFilePart'), answered(node2, 'upload.saveFilePart')]);
    assert.deepEqual([after[0] - before[0], after[1] - before[1]], [2, 2], 'two parts were saved on each node');

    const caption = `split small ${run}`;
    const md5Checksum = createHash('md5').update(data).digest('hex');
    await sendDocument(aliceOn2, { _: 'inputFile', id: fileId, parts: parts.length, name: 'split.bin', md5Checksum }, caption);
    const got = await bobDownloads(caption);
    assert.equal(got.size, data.length);
    assert.equal(sha256(got.bytes), sha256(data));
  });

  test('a big file (saveBigFilePart): the first half of the parts on node 1, the rest on node 2, sent from node 2', async () => {
    const data = randomBytes(7 * 256 * KB + 1000);
    const parts = split(data, 256 * KB);
    const fileId = randomLong();
    const half = Math.ceil(parts.length / 2);
    for (let filePart = 0; filePart < parts.length; filePart++) {
      const via = filePart < half ? aliceOn1 : aliceOn2;
      assert.equal(await via.client.call({ _: 'upload.saveBigFilePart', fileId, filePart, fileTotalParts: parts.length, bytes: parts[filePart]! }), true);
    }
    const caption = `split big ${run}`;
    await sendDocument(aliceOn2, { _: 'inputFileBig', id: fileId, parts: parts.length, name: 'split.bin' }, caption);
    const got = await bobDownloads(caption);
    assert.equal(got.size, data.length);
    assert.equal(sha256(got.bytes), sha256(data));
  });

  test('a part sent to neither node answers FILE_PART_X_MISSING on both; sent to node 1, the file goes out from node 2', async () => {
    const data = randomBytes(4 * 64 * KB + 10);
    const parts = split(data, 64 * KB);
    const fileId = randomLong();
    await aliceOn1.client.call({ _: 'upload.saveFilePart', fileId, filePart: 0, bytes: parts[0]! });
    await aliceOn1.client.call({ _: 'upload.saveFilePart', fileId, filePart: 1, bytes: parts[1]! });
    await aliceOn2.client.call({ _: 'upload.saveFilePart', fileId, filePart: 3, bytes: parts[3]! });
    await aliceOn2.client.call({ _: 'upload.saveFilePart', fileId, filePart: 4, bytes: parts[4]! });
    const file = { _: 'inputFile', id: fileId, parts: parts.length, name: 'split.bin', md5Checksum: '' };
    const caption = `missing part ${run}`;
    // mtcute reports it as FILE_PART_%d_MISSING with the number in `which`; its message keeps Telegram's text.
    for (const via of [aliceOn2, aliceOn1]) {
      await assert.rejects(sendDocument(via, file, caption), (err: any) => err.text === 'FILE_PART_%d_MISSING' && err.which === 2 && /: FILE_PART_2_MISSING$/.test(err.message));
    }
    await aliceOn1.client.call({ _: 'upload.saveFilePart', fileId, filePart: 2, bytes: parts[2]! });
    await sendDocument(aliceOn2, file, caption);
    const got = await bobDownloads(caption);
    assert.equal(sha256(got.bytes), sha256(data));
  });
});
