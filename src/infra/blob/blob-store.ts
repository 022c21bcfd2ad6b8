// Where file contents live once uploaded (architecture: the DFS's object storage). Keys are opaque
// strings chosen by the caller; buckets follow the architecture document so an S3/MinIO deployment
// can give each its own lifecycle rules.
import type { Readable } from 'node:stream';

export const BLOB_BUCKETS = ['documents', 'encryptedfiles', 'photos', 'videos'] as const;
export type BlobBucket = (typeof BLOB_BUCKETS)[number];

export interface BlobStat {
  size: number;
  /** Unix seconds of the last write. */
  mtime: number;
}

export interface BlobRange {
  offset: number;
  /** Bytes wanted; the stream ends early at the end of the blob. */
  length: number;
}

export interface PutOptions {
  /** Known size of a streamed body (an S3 PUT needs it up front). */
  size?: number;
}

export interface BlobStore {
  /** Stores `body` under `key`, replacing any previous blob; readers never see a half-written blob. */
  put(bucket: BlobBucket, key: string, body: Readable | Buffer, opts?: PutOptions): Promise<BlobStat>;
  /** A stream of the blob or of a range of it; rejects with BlobNotFoundError when it does not exist. */
  read(bucket: BlobBucket, key: string, range?: BlobRange): Promise<Readable>;
  stat(bucket: BlobBucket, key: string): Promise<BlobStat | undefined>;
  /** Idempotent. */
  delete(bucket: BlobBucket, key: string): Promise<void>;
  /** A local file path for tools that need one (ffprobe seeks); undefined for remote stores. */
  localPath?(bucket: BlobBucket, key: string): string | undefined;
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
  constructor(bucket: string, key: string) {
    super(`blob ${bucket}/${key} not found`);
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Keys become file names and S3 object names: a small alphabet keeps both safe. */
export function checkBlobKey(key: string): void {
  if (!KEY.test(key) || key.includes('..')) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
}

/** Reads a whole (small) range into memory: getFile answers at most 1 MiB. */
export async function readAll(stream: Readable, max = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      stream.destroy();
      throw new RangeError(`stream longer than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
