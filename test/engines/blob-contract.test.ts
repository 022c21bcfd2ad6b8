// The BlobStore contract on disk and on S3 (S3Proxy from scripts/engines.sh), plus the S3 start-up check:
// buckets created when missing, and a wrong key reported as one line that names the setting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { DiskBlobStore, S3BlobStore, createS3Client, measuredS3 } from '../../src/infra/blob/index.js';
import { Metrics } from '../../src/infra/metrics/index.js';
import { blobContract } from '../support/contracts/blob-contract.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY');
const s3 = (over: { accessKey?: string; secretKey?: string; endpoint?: string } = {}) =>
  createS3Client({ endpoint: env.MINIO_ENDPOINT, accessKey: env.MINIO_ACCESS_KEY, secretKey: env.MINIO_SECRET_KEY, ...over });
// Buckets of this run carry their own prefix, so check() really has to create them.
const prefix = `t${randomBytes(4).toString('hex')}-`;

const root = mkdtempSync(join(tmpdir(), 'echo-blob-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));
blobContract('disk', async () => new DiskBlobStore(root).init());
blobContract('s3', async () => {
  const store = new S3BlobStore(s3(), prefix);
  await store.check(env.MINIO_ENDPOINT);
  return store;
});

test('s3: check() creates the four buckets when missing and is fine when they exist', async () => {
  const p = `c${randomBytes(4).toString('hex')}-`;
  const metrics = new Metrics({ defaultMetrics: false });
  const store = new S3BlobStore(measuredS3(s3(), metrics), p);
  await store.check();
  await store.check();
  const names = ((await s3().send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).filter((n) => n?.startsWith(p));
  assert.deepEqual(names.sort(), [`${p}documents`, `${p}encryptedfiles`, `${p}photos`, `${p}videos`]);
  assert.match((await metrics.render()).body, /echo_engine_request_duration_seconds_count\{engine="s3",op="CreateBucket"\} 4/);
});

test('s3: a wrong secret key, an unknown access key and a closed port each give one line naming the setting', async () => {
  const cases: [S3BlobStore, RegExp][] = [
    [new S3BlobStore(s3({ secretKey: 'wrong-secret' }), prefix), /MINIO_SECRET_KEY/],
    [new S3BlobStore(s3({ accessKey: 'nobody' }), prefix), /MINIO_ACCESS_KEY|MINIO_SECRET_KEY/],
    [new S3BlobStore(s3({ endpoint: 'http://127.0.0.1:1' }), prefix), /connection refused|ECONNREFUSED/],
  ];
  for (const [store, reason] of cases) {
    await assert.rejects(store.check(`S3 at ${env.MINIO_ENDPOINT}`), (err: Error) => {
      assert.match(err.message, /^S3 at \S+: bucket \S+documents: /);
      assert.match(err.message, reason);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
});
