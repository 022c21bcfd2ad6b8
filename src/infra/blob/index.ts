// Picks the blob store the configuration asks for: the data dir by default, S3/MinIO when configured.
import { join } from 'node:path';
import type { EchoConfig } from '../config/index.js';
import type { BlobStore } from './blob-store.js';
import { DiskBlobStore } from './disk-blob-store.js';
import { S3BlobStore, createS3Client, measuredS3 } from './s3-blob-store.js';
import type { EngineMetrics } from '../metrics/metrics.js';

export function openBlobStore(config: Pick<EchoConfig, 'dataDir' | 'blob'>, metrics?: EngineMetrics): BlobStore {
  if (config.blob.engine === 's3') return new S3BlobStore(measuredS3(createS3Client(config.blob), metrics));
  return new DiskBlobStore(join(config.dataDir, 'files')).init();
}

export * from './blob-store.js';
export { DiskBlobStore } from './disk-blob-store.js';
export { S3BlobStore, createS3Client, measuredS3, describeS3Error, isNotFound as isS3NotFound, type S3Sender } from './s3-blob-store.js';
