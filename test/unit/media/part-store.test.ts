// Parts on disk and their streamed assembly into the blob store: missing parts, md5, restarts, expiry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { RpcError } from '../../../src/common/rpc-error.js';
import { DiskBlobStore, readAll } from '../../../src/infra/blob/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { DfsService } from '../../../src/service/dfs/index.js';
import { PartStore } from '../../../src/service/dfs/part-store.js';
import type { Obj } from '../../../src/tl/index.js';

const KB = 1024;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fixture(opts: { uploadRate?: { burstBytes: number; bytesPerSecond: number } | null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-dfs-'));
  dirs.push(dir);
  const clock = { ms: 1_700_000_000_000 };
  const blobs = new DiskBlobStore(join(dir, 'files')).init();
  const make = () => new DfsService({ blobs, dataDir: dir, now: () => clock.ms, log: createLogger('silent'), uploadRate: opts.uploadRate ?? null });
  return { dir, clock, blobs, dfs: make(), make };
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.errorMessage === message, message);
}

function split(data: Buffer, partSize: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += partSize) parts.push(data.subarray(i, i + partSize));
  return parts;
}

test('small file: parts in any order assemble into the blob byte for byte, md5 checked', async () => {
  const { dfs, blobs } = fixture();
  const data = randomBytes(300 * KB + 123);
  const parts = split(data, 64 * KB);
  for (const i of [3, 0, 4, 1, 2]) await dfs.saveFilePart(7n, 42n, i, parts[i]!);
  const md5 = createHash('md5').update(data).digest('hex');
  const stored = await dfs.takeUpload(7n, { _: 'inputFile', id: 42n, parts: parts.length, name: 'a.bin', md5Checksum: md5 }, { bucket: 'documents', key: 'd1' });
  assert.deepEqual(stored, { bucket: 'documents', key: 'd1', size: data.length, name: 'a.bin' });
  assert.deepEqual(await readAll(await blobs.read('documents', 'd1')), data);
  // The same InputFile again answers the same blob (the parts are gone).
  const again = await dfs.takeUpload(7n, { _: 'inputFile', id: 42n, parts: parts.length, name: 'a.bin', md5Checksum: md5 }, { bucket: 'documents', key: 'd2' });
  assert.equal(again.key, 'd1');
  assert.equal(await blobs.stat('documents', 'd2'), undefined);
});

test('a wrong md5_checksum answers MD5_CHECKSUM_INVALID and leaves no blob, the parts stay', async () => {
  const { dfs, blobs } = fixture();
  await dfs.saveFilePart(1n, 5n, 0, Buffer.from('hello'));
  const file: Obj<'inputFile'> = { _: 'inputFile', id: 5n, parts: 1, name: 'x', md5Checksum: '0'.repeat(32) };
  await rejectsWith(dfs.takeUpload(1n, file, { bucket: 'documents', key: 'k' }), 'MD5_CHECKSUM_INVALID');
  assert.equal(await blobs.stat('documents', 'k'), undefined);
  const ok = await dfs.takeUpload(1n, { ...file, md5Checksum: '' }, { bucket: 'documents', key: 'k' });
  assert.equal(ok.size, 5);
});

test('a missing part answers FILE_PART_X_MISSING with the first missing number; re-sending it resumes', async () => {
  const { dfs, blobs } = fixture();
  const data = randomBytes(10 * 4 * KB);
  const parts = split(data, 4 * KB);
  for (let i = 0; i < parts.length; i++) if (i !== 6 && i !== 8) await dfs.saveFilePart(2n, 9n, i, parts[i]!);
  const file: Obj<'inputFile'> = { _: 'inputFile', id: 9n, parts: parts.length, name: 'f', md5Checksum: '' };
  await rejectsWith(dfs.takeUpload(2n, file, { bucket: 'documents', key: 'k' }), 'FILE_PART_6_MISSING');
  await dfs.saveFilePart(2n, 9n, 6, parts[6]!);
  await rejectsWith(dfs.takeUpload(2n, file, { bucket: 'documents', key: 'k' }), 'FILE_PART_8_MISSING');
  await dfs.saveFilePart(2n, 9n, 8, parts[8]!);
  await dfs.takeUpload(2n, file, { bucket: 'documents', key: 'k' });
  assert.deepEqual(await readAll(await blobs.read('documents', 'k')), data);
});

test('parts belong to their uploader: another user cannot use them', async () => {
  const { dfs } = fixture();
  await dfs.saveFilePart(1n, 77n, 0, Buffer.from('mine'));
  await rejectsWith(dfs.takeUpload(2n, { _: 'inputFile', id: 77n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'k' }), 'FILE_PART_0_MISSING');
});

test('big files: total parts must stay the same and match inputFileBig; sizes are checked on assembly', async () => {
  const { dfs, blobs } = fixture();
  const data = randomBytes(2 * 512 * KB + 1000);
  const parts = split(data, 512 * KB);
  await dfs.saveBigFilePart(3n, 1n, 0, 3, parts[0]!);
  await rejectsWith(dfs.saveBigFilePart(3n, 1n, 1, 4, parts[1]!), 'FILE_PARTS_INVALID');
  await rejectsWith(dfs.saveFilePart(3n, 1n, 1, parts[1]!), 'FILE_PARTS_INVALID');
  await dfs.saveBigFilePart(3n, 1n, 1, 3, parts[1]!);
  await dfs.saveBigFilePart(3n, 1n, 2, 3, parts[2]!);
  await rejectsWith(dfs.takeUpload(3n, { _: 'inputFile', id: 1n, parts: 3, name: '', md5Checksum: '' }, { bucket: 'videos', key: 'v' }), 'FILE_PARTS_INVALID');
  await rejectsWith(dfs.takeUpload(3n, { _: 'inputFileBig', id: 1n, parts: 2, name: '' }, { bucket: 'videos', key: 'v' }), 'FILE_PARTS_INVALID');
  await dfs.takeUpload(3n, { _: 'inputFileBig', id: 1n, parts: 3, name: 'big' }, { bucket: 'videos', key: 'v' });
  assert.deepEqual(await readAll(await blobs.read('videos', 'v')), data);
});

test('parts of different sizes answer FILE_PART_SIZE_CHANGED; a bad common size FILE_PART_SIZE_INVALID', async () => {
  const { dfs } = fixture();
  await dfs.saveFilePart(4n, 1n, 0, randomBytes(8 * KB));
  await dfs.saveFilePart(4n, 1n, 1, randomBytes(16 * KB));
  await dfs.saveFilePart(4n, 1n, 2, randomBytes(100));
  await rejectsWith(dfs.takeUpload(4n, { _: 'inputFile', id: 1n, parts: 3, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'a' }), 'FILE_PART_SIZE_CHANGED');
  await dfs.saveFilePart(4n, 2n, 0, randomBytes(3 * KB));
  await dfs.saveFilePart(4n, 2n, 1, randomBytes(3 * KB));
  await rejectsWith(dfs.takeUpload(4n, { _: 'inputFile', id: 2n, parts: 2, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'b' }), 'FILE_PART_SIZE_INVALID');
  // Declaring fewer parts than were sent is a wrong count.
  await dfs.saveFilePart(4n, 3n, 0, randomBytes(4 * KB));
  await dfs.saveFilePart(4n, 3n, 1, randomBytes(4 * KB));
  await rejectsWith(dfs.takeUpload(4n, { _: 'inputFile', id: 3n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'c' }), 'FILE_PARTS_INVALID');
  await rejectsWith(dfs.takeUpload(4n, { _: 'inputFile', id: 3n, parts: 0, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'c' }), 'FILE_PARTS_INVALID');
  await rejectsWith(dfs.takeUpload(4n, { _: 'inputFileStoryDocument', id: { _: 'inputDocumentEmpty' } }, { bucket: 'documents', key: 'c' }), 'FILE_PARTS_INVALID');
});

test('parts survive a restart (a new service on the same data dir) and expire after the TTL', async () => {
  const { dfs, make, dir } = fixture();
  await dfs.saveFilePart(5n, 1n, 0, Buffer.from('kept'));
  const restarted = make();
  const stored = await restarted.takeUpload(5n, { _: 'inputFile', id: 1n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'r' });
  assert.equal(stored.size, 4);

  // Directory mtimes are wall-clock time: a sweeper whose clock runs a minute ahead sees them as old.
  const store = new PartStore(join(dir, 'uploads'), { now: () => Date.now() + 60_000, ttlMs: 1000 });
  await store.savePart(6n, 2n, 0, Buffer.from('old'));
  const fresh = new PartStore(join(dir, 'uploads'), { now: () => Date.now(), ttlMs: 60_000 });
  assert.equal(await fresh.sweep(), 0, 'nothing is old yet');
  assert.ok((await store.sweep()) >= 1);
  await rejectsWith(make().takeUpload(6n, { _: 'inputFile', id: 2n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'z' }), 'FILE_PART_0_MISSING');
  assert.equal(existsSync(join(dir, 'uploads', '6')), false);
});

test('assembly streams: the blob store gets a stream of small chunks, never the whole file', async () => {
  const { blobs, dir } = fixture();
  // A blob store that records what it is handed.
  let handedBuffer = false;
  let largestChunk = 0;
  const spy = Object.create(blobs) as DiskBlobStore;
  spy.put = async (bucket, key, body) => {
    if (Buffer.isBuffer(body)) {
      handedBuffer = true;
      return blobs.put(bucket, key, body);
    }
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        largestChunk = Math.max(largestChunk, chunk.length);
        cb(null, chunk);
      },
    });
    return blobs.put(bucket, key, body.pipe(tap));
  };
  const dfs = new DfsService({ blobs: spy, dataDir: dir, now: Date.now, log: createLogger('silent'), uploadRate: null });
  const part = randomBytes(512 * KB);
  const count = 64; // 32 MiB
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) {
    await dfs.saveBigFilePart(8n, 1n, i, count, part);
    hash.update(part);
  }
  await dfs.takeUpload(8n, { _: 'inputFileBig', id: 1n, parts: count, name: '' }, { bucket: 'videos', key: 'huge' });
  assert.equal(handedBuffer, false);
  assert.ok(largestChunk > 0 && largestChunk <= 512 * KB, `largest chunk ${largestChunk}`);
  const out = createHash('sha256');
  for await (const chunk of await blobs.read('videos', 'huge')) out.update(chunk as Buffer);
  assert.equal(out.digest('hex'), hash.digest('hex'));
  // Parts are dropped once used; no temp files linger.
  assert.deepEqual(readdirSync(join(dir, 'uploads', '8', (1n).toString(16).padStart(16, '0'))), ['assembled.json']);
  assert.deepEqual(readdirSync(join(dir, 'files', '.tmp')), []);
});

test('the per-user upload rate answers FLOOD_WAIT_X once the burst is spent', async () => {
  const { dfs, clock } = fixture({ uploadRate: { burstBytes: 8 * KB, bytesPerSecond: 4 * KB } });
  await dfs.saveFilePart(9n, 1n, 0, randomBytes(4 * KB));
  await dfs.saveFilePart(9n, 1n, 1, randomBytes(4 * KB));
  await rejectsWith(dfs.saveFilePart(9n, 1n, 2, randomBytes(4 * KB)), 'FLOOD_WAIT_1');
  await dfs.saveFilePart(10n, 1n, 0, randomBytes(4 * KB)); // Another user has its own budget.
  clock.ms += 1000;
  await dfs.saveFilePart(9n, 1n, 2, randomBytes(4 * KB));
});
