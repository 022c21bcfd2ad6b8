// The PartStore contract on S3 (S3Proxy from scripts/engines.sh), the store several nodes share, with S3 blobs as
// echod uses them; plus what only S3 has: the objects under the uploads prefix, listing across pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3BlobStore, createS3Client } from '../../src/infra/blob/index.js';
import { S3PartStore } from '../../src/service/dfs/index.js';
import { partStoreContract } from '../support/contracts/part-store-contract.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY');
const s3 = createS3Client({ endpoint: env.MINIO_ENDPOINT, accessKey: env.MINIO_ACCESS_KEY, secretKey: env.MINIO_SECRET_KEY });
// Buckets of this run; each fixture its own uploads prefix, so sweeps count only its own uploads.
const bucketPrefix = `p${randomBytes(4).toString('hex')}-`;
const bucket = `${bucketPrefix}documents`;
const blobs = new S3BlobStore(s3, bucketPrefix);
let checked: Promise<void> | undefined;
const fresh = async (pageSize?: number) => {
  await (checked ??= blobs.check(env.MINIO_ENDPOINT));
  const prefix = `uploads-${randomBytes(4).toString('hex')}/`;
  return { prefix, parts: (opts: { now(): number; ttlMs?: number }) => new S3PartStore(s3, { bucket, prefix, ...opts, ...(pageSize ? { pageSize } : {}) }) };
};

partStoreContract('s3', async () => ({ blobs, parts: (await fresh()).parts }));
// Listing pages of two keys: every listing (open, markAssembled, sweep) crosses pages.
partStoreContract('s3, listed two keys a page', async () => ({ blobs, parts: (await fresh(2)).parts }));

async function keysUnder(prefix: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!.slice(prefix.length));
}

test('s3: one object per part under the uploads prefix; once used only the marker stays', async () => {
  const { prefix, parts } = await fresh();
  const store = parts({ now: Date.now });
  for (let i = 0; i < 3; i++) await store.savePart(12n, 0xfedcba9876543210n, i, randomBytes(1024));
  const dir = '12/fedcba9876543210/';
  assert.deepEqual((await keysUnder(prefix)).sort(), [`${dir}0.part`, `${dir}1.part`, `${dir}2.part`, `${dir}meta.json`]);
  const opened = await store.open(12n, 0xfedcba9876543210n, 3, false);
  assert.equal(opened.size, 3 * 1024);
  await blobs.put('documents', `used-${prefix.slice(0, -1)}`, opened.stream(), { size: opened.size });
  await store.markAssembled(12n, 0xfedcba9876543210n, { bucket: 'documents', key: 'used', size: opened.size });
  assert.deepEqual(await keysUnder(prefix), [`${dir}assembled.json`]);
});

test('s3: a part gone between open and assembly (used on another node, or swept) answers FILE_PART_X_MISSING', async () => {
  const { parts } = await fresh();
  const store = parts({ now: Date.now });
  await store.savePart(13n, 1n, 0, randomBytes(4096));
  await store.savePart(13n, 1n, 1, randomBytes(100));
  const opened = await store.open(13n, 1n, 2, false);
  await parts({ now: Date.now }).markAssembled(13n, 1n, { bucket: 'documents', key: 'elsewhere', size: 4196 });
  await assert.rejects(blobs.put('documents', `never-${randomBytes(3).toString('hex')}`, opened.stream(), { size: opened.size }), (err: Error) => err.message === 'FILE_PART_0_MISSING' || (err as { errorMessage?: string }).errorMessage === 'FILE_PART_0_MISSING');
});
