// The BlobStore contract: the same cases on the disk store (npm test) and on S3 (test:engines, S3Proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFoundError, readAll, type BlobStore } from '../../../src/infra/blob/index.js';

/** `size` pseudo-random bytes made 64 KiB at a time as they are read: the test never holds the whole file. */
function generated(size: number, seed: string): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let made = 0;
  let block = createHash('sha256').update(seed).digest();
  const stream = new Readable({
    read() {
      if (made >= size) return void this.push(null);
      const n = Math.min(65_536, size - made);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i += 32) {
        block = createHash('sha256').update(block).digest();
        block.copy(chunk, i, 0, Math.min(32, n - i));
      }
      made += n;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

async function sha256Of(stream: Readable): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest('hex'), size };
}

export function blobContract(name: string, open: () => Promise<BlobStore>): void {
  let store: BlobStore | undefined;
  const blobs = async () => (store ??= await open());
  const key = () => `k${randomBytes(6).toString('hex')}`;

  test(`${name}: put a buffer or a stream, read it whole and in ranges, stat, delete`, async () => {
    const s = await blobs();
    const k = key();
    const data = randomBytes(100_000);
    assert.equal((await s.put('documents', k, data)).size, data.length);
    assert.equal((await s.put('videos', k, Readable.from([data.subarray(0, 10), data.subarray(10)]))).size, data.length);
    assert.deepEqual(await readAll(await s.read('videos', k)), data);
    assert.deepEqual(await readAll(await s.read('documents', k, { offset: 4096, length: 8192 })), data.subarray(4096, 4096 + 8192));
    assert.deepEqual(await readAll(await s.read('documents', k, { offset: 98_304, length: 8192 })), data.subarray(98_304), 'a range past the end is cut short');
    assert.equal((await readAll(await s.read('documents', k, { offset: 200_000, length: 10 }))).length, 0, 'a range after the end is empty');
    assert.equal((await s.stat('documents', k))?.size, data.length);
    assert.equal(await s.stat('photos', k), undefined, 'buckets are separate');
    await assert.rejects(s.read('photos', k), BlobNotFoundError);
    await s.delete('documents', k);
    await s.delete('documents', k);
    assert.equal(await s.stat('documents', k), undefined);
    await assert.rejects(s.read('documents', k), BlobNotFoundError);
  });

  test(`${name}: putting again replaces the blob; an empty blob is a blob`, async () => {
    const s = await blobs();
    const k = key();
    await s.put('photos', k, Buffer.from('first version, longer'));
    await s.put('photos', k, Buffer.from('second'));
    assert.equal((await readAll(await s.read('photos', k))).toString(), 'second');
    await s.put('encryptedfiles', k, Readable.from([]));
    assert.equal((await s.stat('encryptedfiles', k))?.size, 0);
    assert.equal((await readAll(await s.read('encryptedfiles', k))).length, 0);
  });

  test(`${name}: a 20 MB stream goes in without being held whole and comes back byte for byte, also in ranges`, async () => {
    const s = await blobs();
    const k = key();
    const size = 20 * 1024 * 1024 + 12_345;
    const src = generated(size, k);
    assert.equal((await s.put('videos', k, src.stream, { size })).size, size);
    assert.equal((await s.stat('videos', k))?.size, size);
    assert.deepEqual(await sha256Of(await s.read('videos', k)), { hex: src.sha256(), size });
    // A range across the boundary of the first two 8 MiB parts equals the same range of the source.
    const again = generated(size, k);
    const whole = await readAll(again.stream);
    const offset = 8 * 1024 * 1024 - 1000;
    assert.deepEqual(await readAll(await s.read('videos', k, { offset, length: 524_288 })), whole.subarray(offset, offset + 524_288));
    await s.delete('videos', k);
  });

  test(`${name}: a stream that fails midway stores nothing`, async () => {
    const s = await blobs();
    const k = key();
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 9 * 1024 * 1024) return void this.destroy(new Error('client went away'));
        sent += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024, 7));
      },
    });
    await assert.rejects(s.put('documents', k, failing), /client went away/);
    assert.equal(await s.stat('documents', k), undefined);
  });
}
