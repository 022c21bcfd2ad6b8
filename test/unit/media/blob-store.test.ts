// Blob stores: the disk adapter for real, the S3 adapter against a recording fake of the S3 API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFoundError, DiskBlobStore, readAll, S3BlobStore } from '../../../src/infra/blob/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function disk(): { store: DiskBlobStore; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'echo-blob-'));
  dirs.push(root);
  return { store: new DiskBlobStore(root).init(), root };
}

test('disk: put from a buffer or a stream, ranged reads, stat, delete', async () => {
  const { store } = disk();
  const data = randomBytes(100_000);
  assert.equal((await store.put('documents', 'abc', data)).size, data.length);
  assert.equal((await store.put('videos', 'stream1', Readable.from([data.subarray(0, 10), data.subarray(10)]))).size, data.length);
  assert.deepEqual(await readAll(await store.read('videos', 'stream1')), data);
  assert.deepEqual(await readAll(await store.read('documents', 'abc', { offset: 4096, length: 8192 })), data.subarray(4096, 4096 + 8192));
  assert.deepEqual(await readAll(await store.read('documents', 'abc', { offset: 98_304, length: 8192 })), data.subarray(98_304), 'a range past the end is cut short');
  assert.equal((await readAll(await store.read('documents', 'abc', { offset: 200_000, length: 10 }))).length, 0);
  assert.equal((await store.stat('documents', 'abc'))?.size, data.length);
  assert.equal(await store.stat('photos', 'abc'), undefined, 'buckets are separate');
  await assert.rejects(store.read('photos', 'nope'), BlobNotFoundError);
  await store.delete('documents', 'abc');
  await store.delete('documents', 'abc');
  assert.equal(await store.stat('documents', 'abc'), undefined);
});

test('disk: a failed write leaves neither a blob nor a temp file, and keys are checked', async () => {
  const { store, root } = disk();
  const failing = new Readable({
    read() {
      this.push(Buffer.alloc(1000));
      this.destroy(new Error('client went away'));
    },
  });
  await assert.rejects(store.put('documents', 'broken', failing), /client went away/);
  assert.equal(await store.stat('documents', 'broken'), undefined);
  assert.deepEqual(readdirSync(join(root, '.tmp')), []);
  for (const bad of ['../etc', 'a/b', '', '.hidden', 'x'.repeat(201)]) await assert.rejects(store.put('documents', bad, Buffer.from('x')), /invalid blob key/);
});

test('disk: init() clears temp files a crash left behind', () => {
  const root = mkdtempSync(join(tmpdir(), 'echo-blob-'));
  dirs.push(root);
  mkdirSync(join(root, '.tmp'));
  writeFileSync(join(root, '.tmp', 'leftover'), 'x');
  new DiskBlobStore(root).init();
  assert.deepEqual(readdirSync(join(root, '.tmp')), []);
});

/** Records commands and keeps objects in memory, answering like S3 does. */
class FakeS3 {
  readonly calls: string[] = [];
  readonly objects = new Map<string, Buffer>();
  private readonly uploads = new Map<string, Map<number, Buffer>>();

  async send(command: { constructor: { name: string }; input: any }): Promise<any> {
    const name = command.constructor.name;
    const { Bucket, Key } = command.input;
    this.calls.push(`${name} ${Bucket}/${Key}`);
    const id = `${Bucket}/${Key}`;
    switch (name) {
      case 'PutObjectCommand':
        this.objects.set(id, Buffer.from(command.input.Body));
        return {};
      case 'CreateMultipartUploadCommand':
        this.uploads.set('u1', new Map());
        return { UploadId: 'u1' };
      case 'UploadPartCommand':
        this.uploads.get(command.input.UploadId)!.set(command.input.PartNumber, Buffer.from(command.input.Body));
        return { ETag: `"e${command.input.PartNumber}"` };
      case 'CompleteMultipartUploadCommand': {
        const parts = this.uploads.get(command.input.UploadId)!;
        const order = command.input.MultipartUpload.Parts.map((p: { PartNumber: number }) => parts.get(p.PartNumber)!);
        this.objects.set(id, Buffer.concat(order));
        return {};
      }
      case 'GetObjectCommand': {
        const obj = this.objects.get(id);
        if (!obj) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
        const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '');
        return { Body: Readable.from([m ? obj.subarray(Number(m[1]), Number(m[2]) + 1) : obj]) };
      }
      case 'HeadObjectCommand': {
        const obj = this.objects.get(id);
        if (!obj) throw Object.assign(new Error('not found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
        return { ContentLength: obj.length, LastModified: new Date(1_700_000_000_000) };
      }
      case 'DeleteObjectCommand':
        this.objects.delete(id);
        return {};
      default:
        throw new Error(`unexpected ${name}`);
    }
  }
}

test('s3: small bodies are one PUT, large streams a multipart upload, reads are ranged GETs', async () => {
  const s3 = new FakeS3();
  const store = new S3BlobStore(s3, 'echo-', 1024);
  await store.put('photos', 'small', Readable.from([Buffer.from('tiny')]));
  assert.deepEqual(s3.calls, ['PutObjectCommand echo-photos/small']);
  const big = randomBytes(2048 + 100);
  s3.calls.length = 0;
  const st = await store.put('videos', 'big', Readable.from([big.subarray(0, 700), big.subarray(700)]));
  assert.equal(st.size, big.length);
  assert.deepEqual(s3.calls, [
    'CreateMultipartUploadCommand echo-videos/big',
    'UploadPartCommand echo-videos/big',
    'UploadPartCommand echo-videos/big',
    'UploadPartCommand echo-videos/big',
    'CompleteMultipartUploadCommand echo-videos/big',
  ]);
  assert.deepEqual(s3.objects.get('echo-videos/big'), big);
  // An exact multiple of the part size has no empty trailing part.
  s3.calls.length = 0;
  await store.put('videos', 'even', Readable.from([randomBytes(2048)]));
  assert.equal(s3.calls.filter((c) => c.startsWith('UploadPart')).length, 2);
  assert.deepEqual(await readAll(await store.read('videos', 'big', { offset: 1000, length: 24 })), big.subarray(1000, 1024));
  assert.equal((await store.stat('videos', 'big'))?.size, big.length);
  assert.equal(await store.stat('videos', 'missing'), undefined);
  await assert.rejects(store.read('videos', 'missing'), BlobNotFoundError);
  await store.delete('videos', 'big');
  assert.equal(s3.objects.has('echo-videos/big'), false);
});
