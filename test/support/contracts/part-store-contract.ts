// The PartStore contract: the same cases on the data dir's store (npm test) and on S3 (test:engines,
// S3Proxy), each through DfsService as upload.saveFilePart / saveBigFilePart and messages.sendMedia use it:
// parts in any order, md5, FILE_PART_X_MISSING, big-file totals, part sizes, parts kept across instances (a
// restart, or another node on the same store), expiry, streamed assembly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { RpcError } from '../../../src/common/rpc-error.js';
import { readAll, type BlobStore } from '../../../src/infra/blob/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { DfsService, type PartStore } from '../../../src/service/dfs/index.js';
import type { Obj } from '../../../src/tl/index.js';

const KB = 1024;

export interface PartStoreFixture {
  blobs: BlobStore;
  /**
   * A store over this fixture's backing storage (its own directory or S3 prefix): every call gives another
   * instance over the same parts, as a restarted node or a second node would have.
   */
  parts(opts: { now(): number; ttlMs?: number }): PartStore;
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.errorMessage === message, message);
}

function split(data: Buffer, partSize: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += partSize) parts.push(data.subarray(i, i + partSize));
  return parts;
}

const inputFile = (id: bigint, parts: number, md5Checksum = ''): Obj<'inputFile'> => ({ _: 'inputFile', id, parts, name: 'f.bin', md5Checksum });

export function partStoreContract(name: string, make: () => Promise<PartStoreFixture>): void {
  // Blob keys of this contract run: several runs may share one bucket.
  const run = `${name.replace(/[^A-Za-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}`;
  const setUp = async () => {
    const fixture = await make();
    const dfs = (parts = fixture.parts({ now: Date.now })) =>
      new DfsService({ blobs: fixture.blobs, parts, dataDir: '/nonexistent', now: Date.now, log: createLogger('silent'), uploadRate: null });
    return { ...fixture, dfs };
  };

  test(`${name}: small file: parts in any order assemble into the blob byte for byte, md5 checked; the same InputFile again answers that blob`, async () => {
    const { dfs: make, blobs } = await setUp();
    const dfs = make();
    const data = randomBytes(300 * KB + 123);
    const parts = split(data, 64 * KB);
    for (const i of [3, 0, 4, 1, 2]) await dfs.saveFilePart(7n, 42n, i, parts[i]!);
    const md5 = createHash('md5').update(data).digest('hex');
    const stored = await dfs.takeUpload(7n, inputFile(42n, parts.length, md5), { bucket: 'documents', key: `d1-${run}` });
    assert.deepEqual(stored, { bucket: 'documents', key: `d1-${run}`, size: data.length, name: 'f.bin' });
    assert.deepEqual(await readAll(await blobs.read('documents', `d1-${run}`)), data);
    // Another instance (node) sees what the parts became; the parts themselves are gone.
    const elsewhere = make();
    const again = await elsewhere.takeUpload(7n, inputFile(42n, parts.length, md5), { bucket: 'documents', key: `d2-${run}` });
    assert.equal(again.key, `d1-${run}`);
    assert.equal(await blobs.stat('documents', `d2-${run}`), undefined);
    await rejectsWith(elsewhere.parts.open(7n, 42n, parts.length, false), 'FILE_PART_0_MISSING');
  });

  test(`${name}: parts sent to two instances (two nodes) assemble on a third`, async () => {
    const { dfs: make, blobs } = await setUp();
    const [one, two, three] = [make(), make(), make()];
    const data = randomBytes(6 * 128 * KB + 5000);
    const parts = split(data, 128 * KB);
    await Promise.all(parts.map((p, i) => (i % 2 === 0 ? one : two).saveBigFilePart(11n, 3n, i, parts.length, p)));
    await three.takeUpload(11n, { _: 'inputFileBig', id: 3n, parts: parts.length, name: 'x' }, { bucket: 'documents', key: `two-${run}` });
    assert.deepEqual(await readAll(await blobs.read('documents', `two-${run}`)), data);
  });

  test(`${name}: a wrong md5_checksum answers MD5_CHECKSUM_INVALID and leaves no blob; the parts stay`, async () => {
    const { dfs: make, blobs } = await setUp();
    const dfs = make();
    await dfs.saveFilePart(1n, 5n, 0, Buffer.from('hello'));
    const key = `md5-${run}`;
    await rejectsWith(dfs.takeUpload(1n, inputFile(5n, 1, '0'.repeat(32)), { bucket: 'documents', key }), 'MD5_CHECKSUM_INVALID');
    assert.equal(await blobs.stat('documents', key), undefined);
    const ok = await dfs.takeUpload(1n, inputFile(5n, 1), { bucket: 'documents', key });
    assert.equal(ok.size, 5);
  });

  test(`${name}: a missing part answers FILE_PART_X_MISSING with the first missing number; re-sending it resumes`, async () => {
    const { dfs: make, blobs } = await setUp();
    const dfs = make();
    const data = randomBytes(10 * 4 * KB);
    const parts = split(data, 4 * KB);
    for (let i = 0; i < parts.length; i++) if (i !== 6 && i !== 8) await dfs.saveFilePart(2n, 9n, i, parts[i]!);
    const key = `missing-${run}`;
    await rejectsWith(dfs.takeUpload(2n, inputFile(9n, parts.length), { bucket: 'documents', key }), 'FILE_PART_6_MISSING');
    await dfs.saveFilePart(2n, 9n, 6, parts[6]!);
    await rejectsWith(dfs.takeUpload(2n, inputFile(9n, parts.length), { bucket: 'documents', key }), 'FILE_PART_8_MISSING');
    await dfs.saveFilePart(2n, 9n, 8, parts[8]!);
    await dfs.takeUpload(2n, inputFile(9n, parts.length), { bucket: 'documents', key });
    assert.deepEqual(await readAll(await blobs.read('documents', key)), data);
    // Nothing at all uploaded under an id: part 0 is missing.
    await rejectsWith(dfs.takeUpload(2n, inputFile(10n, 3), { bucket: 'documents', key: `none-${run}` }), 'FILE_PART_0_MISSING');
  });

  test(`${name}: a part sent again replaces the earlier copy`, async () => {
    const { dfs: make, blobs } = await setUp();
    const dfs = make();
    await dfs.saveFilePart(3n, 4n, 0, Buffer.from('first copy'));
    await dfs.saveFilePart(3n, 4n, 0, Buffer.from('second'));
    await dfs.takeUpload(3n, inputFile(4n, 1), { bucket: 'documents', key: `again-${run}` });
    assert.equal((await readAll(await blobs.read('documents', `again-${run}`))).toString(), 'second');
  });

  test(`${name}: parts belong to their uploader: another user cannot use them`, async () => {
    const { dfs: make } = await setUp();
    const dfs = make();
    await dfs.saveFilePart(1n, 77n, 0, Buffer.from('mine'));
    await rejectsWith(dfs.takeUpload(2n, inputFile(77n, 1), { bucket: 'documents', key: `theirs-${run}` }), 'FILE_PART_0_MISSING');
  });

  test(`${name}: parts are checked as they arrive: number, emptiness, size, the big-file part size`, async () => {
    const { dfs: make } = await setUp();
    const dfs = make();
    await rejectsWith(dfs.saveFilePart(1n, 1n, -1, Buffer.from('x')), 'FILE_PART_INVALID');
    await rejectsWith(dfs.saveFilePart(1n, 1n, 4000, Buffer.from('x')), 'FILE_PART_INVALID');
    await rejectsWith(dfs.saveFilePart(1n, 1n, 0, Buffer.alloc(0)), 'FILE_PART_EMPTY');
    await rejectsWith(dfs.saveFilePart(1n, 1n, 0, Buffer.alloc(512 * KB + 1)), 'FILE_PART_TOO_BIG');
    await rejectsWith(dfs.saveBigFilePart(1n, 2n, 0, 3, Buffer.alloc(100 * KB)), 'FILE_PART_SIZE_INVALID');
    await rejectsWith(dfs.saveBigFilePart(1n, 2n, 3, 3, Buffer.alloc(128 * KB)), 'FILE_PART_INVALID');
    await rejectsWith(dfs.saveBigFilePart(1n, 2n, 0, 4001, Buffer.alloc(128 * KB)), 'FILE_PARTS_INVALID');
    // Nothing of those was kept.
    await rejectsWith(dfs.takeUpload(1n, inputFile(1n, 1), { bucket: 'documents', key: `rules-${run}` }), 'FILE_PART_0_MISSING');
  });

  test(`${name}: big files: total parts must stay the same and match inputFileBig; sizes are checked on assembly`, async () => {
    const { dfs: make, blobs } = await setUp();
    const dfs = make();
    const data = randomBytes(2 * 512 * KB + 1000);
    const parts = split(data, 512 * KB);
    await dfs.saveBigFilePart(3n, 1n, 0, 3, parts[0]!);
    await rejectsWith(dfs.saveBigFilePart(3n, 1n, 1, 4, parts[1]!), 'FILE_PARTS_INVALID');
    await rejectsWith(dfs.saveFilePart(3n, 1n, 1, parts[1]!), 'FILE_PARTS_INVALID');
    await dfs.saveBigFilePart(3n, 1n, 1, 3, parts[1]!);
    await dfs.saveBigFilePart(3n, 1n, 2, 3, parts[2]!);
    const key = `big-${run}`;
    await rejectsWith(dfs.takeUpload(3n, inputFile(1n, 3), { bucket: 'videos', key }), 'FILE_PARTS_INVALID');
    await rejectsWith(dfs.takeUpload(3n, { _: 'inputFileBig', id: 1n, parts: 2, name: '' }, { bucket: 'videos', key }), 'FILE_PARTS_INVALID');
    await dfs.takeUpload(3n, { _: 'inputFileBig', id: 1n, parts: 3, name: 'big' }, { bucket: 'videos', key });
    assert.deepEqual(await readAll(await blobs.read('videos', key)), data);
  });

  test(`${name}: parts of different sizes answer FILE_PART_SIZE_CHANGED; a bad common size FILE_PART_SIZE_INVALID; a wrong count FILE_PARTS_INVALID`, async () => {
    const { dfs: make } = await setUp();
    const dfs = make();
    const target = { bucket: 'documents' as const, key: `sizes-${run}` };
    await dfs.saveFilePart(4n, 1n, 0, randomBytes(8 * KB));
    await dfs.saveFilePart(4n, 1n, 1, randomBytes(16 * KB));
    await dfs.saveFilePart(4n, 1n, 2, randomBytes(100));
    await rejectsWith(dfs.takeUpload(4n, inputFile(1n, 3), target), 'FILE_PART_SIZE_CHANGED');
    await dfs.saveFilePart(4n, 2n, 0, randomBytes(3 * KB));
    await dfs.saveFilePart(4n, 2n, 1, randomBytes(3 * KB));
    await rejectsWith(dfs.takeUpload(4n, inputFile(2n, 2), target), 'FILE_PART_SIZE_INVALID');
    // Declaring fewer parts than were sent is a wrong count.
    await dfs.saveFilePart(4n, 3n, 0, randomBytes(4 * KB));
    await dfs.saveFilePart(4n, 3n, 1, randomBytes(4 * KB));
    await rejectsWith(dfs.takeUpload(4n, inputFile(3n, 1), target), 'FILE_PARTS_INVALID');
    await rejectsWith(dfs.takeUpload(4n, inputFile(3n, 0), target), 'FILE_PARTS_INVALID');
    await rejectsWith(dfs.takeUpload(4n, { _: 'inputFileStoryDocument', id: { _: 'inputDocumentEmpty' } }, target), 'FILE_PARTS_INVALID');
  });

  test(`${name}: parts expire after the TTL: a sweep removes old uploads, keeps fresh ones, and says how many went`, async () => {
    const { parts, dfs } = await setUp();
    // Stamps are wall-clock time (file mtimes, S3 LastModified): a sweeper whose clock runs a minute ahead sees them as old.
    const store = parts({ now: Date.now });
    await store.savePart(6n, 2n, 0, Buffer.from('old'));
    await store.savePart(6n, 3n, 0, Buffer.from('old too'));
    await store.markAssembled(6n, 3n, { bucket: 'documents', key: 'gone', size: 7 });
    assert.equal(await parts({ now: Date.now, ttlMs: 60_000 }).sweep(), 0, 'nothing is old yet');
    assert.equal(await parts({ now: () => Date.now() + 60_000, ttlMs: 1000 }).sweep(), 2, 'the upload and the marker of the used one');
    await rejectsWith(dfs().takeUpload(6n, inputFile(2n, 1), { bucket: 'documents', key: `swept-${run}` }), 'FILE_PART_0_MISSING');
    assert.equal(await store.assembled(6n, 3n), undefined);
    assert.equal(await parts({ now: () => Date.now() + 60_000, ttlMs: 1000 }).sweep(), 0, 'nothing left');
  });

  test(`${name}: discard drops an upload's parts`, async () => {
    const { parts } = await setUp();
    const store = parts({ now: Date.now });
    await store.savePart(8n, 8n, 0, Buffer.from('x'));
    await store.discard(8n, 8n);
    await rejectsWith(store.open(8n, 8n, 1, false), 'FILE_PART_0_MISSING');
  });

  test(`${name}: assembly streams: the blob store gets a stream of small chunks, never the whole file`, async () => {
    const { blobs, dfs: make } = await setUp();
    let handedBuffer = false;
    let largestChunk = 0;
    const spy: BlobStore = {
      stat: (b, k) => blobs.stat(b, k),
      read: (b, k, r) => blobs.read(b, k, r),
      delete: (b, k) => blobs.delete(b, k),
      async put(bucket, key, body, opts) {
        if (Buffer.isBuffer(body)) {
          handedBuffer = true;
          return blobs.put(bucket, key, body, opts);
        }
        const tap = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            largestChunk = Math.max(largestChunk, chunk.length);
            cb(null, chunk);
          },
        });
        return blobs.put(bucket, key, body.pipe(tap), opts);
      },
    };
    const dfs = new DfsService({ blobs: spy, parts: make().parts, dataDir: '/nonexistent', now: Date.now, log: createLogger('silent'), uploadRate: null });
    const part = randomBytes(512 * KB);
    const count = 32; // 16 MiB
    const hash = createHash('sha256');
    for (let i = 0; i < count; i++) {
      await dfs.saveBigFilePart(8n, 1n, i, count, part);
      hash.update(part);
    }
    const key = `huge-${run}`;
    const stored = await dfs.takeUpload(8n, { _: 'inputFileBig', id: 1n, parts: count, name: '' }, { bucket: 'videos', key });
    assert.equal(stored.size, count * part.length);
    assert.equal(handedBuffer, false);
    assert.ok(largestChunk > 0 && largestChunk <= 512 * KB, `largest chunk ${largestChunk}`);
    const out = createHash('sha256');
    for await (const chunk of await blobs.read('videos', key)) out.update(chunk as Buffer);
    assert.equal(out.digest('hex'), hash.digest('hex'));
    assert.deepEqual(await dfs.parts.assembled(8n, 1n), { bucket: 'videos', key, size: count * part.length });
  });
}
