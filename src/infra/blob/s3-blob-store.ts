// Blob store on an S3 API (MinIO in the scale-out set-up). One S3 bucket per Echo bucket, named as in the
// architecture document (optionally prefixed). Large streamed bodies go up as multipart uploads so the
// node never holds a whole file; small ones as a single PUT.
import { Readable } from 'node:stream';
import {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
  ListObjectsV2Command,
  CreateBucketCommand,
} from '@aws-sdk/client-s3';
import type { EngineMetrics } from '../metrics/metrics.js';
import { BLOB_BUCKETS, BlobNotFoundError, checkBlobKey, type BlobBucket, type BlobRange, type BlobStat, type BlobStore, type PutOptions } from './blob-store.js';

/** What the adapter needs of an S3 client; tests pass a fake. */
export interface S3Sender {
  send(command: any): Promise<any>;
}

export interface S3BlobStoreOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Prepended to every bucket name (several deployments on one MinIO). */
  bucketPrefix?: string;
  /** Per-request latency and failures (echo_engine_request_*{engine="s3"}). */
  metrics?: EngineMetrics;
}

/** S3's minimum part size is 5 MiB; 8 MiB keeps the part count of a 2 GB file under 300. */
export const S3_PART_SIZE = 8 * 1024 * 1024;

export function createS3Client(opts: S3BlobStoreOptions): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: opts.accessKey, secretAccessKey: opts.secretKey },
    // MinIO serves buckets as paths, not as virtual hosts.
    forcePathStyle: true,
    // Start-up checks must fail in seconds, not after the SDK's default retries with backoff.
    maxAttempts: 2,
  });
}

/** Wraps a client so every request is timed and counted by its command name (PutObject, GetObject, ...). */
export function measuredS3(s3: S3Sender, metrics: EngineMetrics | undefined): S3Sender {
  if (!metrics) return s3;
  return {
    async send(command: any): Promise<any> {
      const op = String(command?.constructor?.name ?? 'request').replace(/Command$/, '');
      const started = performance.now();
      let failed = false;
      try {
        return await s3.send(command);
      } catch (err) {
        // A missing object is an answer, not a failure of the engine.
        failed = !isNotFound(err);
        throw err;
      } finally {
        metrics.engineRequest('s3', op, (performance.now() - started) / 1000, failed);
      }
    },
  };
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly s3: S3Sender,
    private readonly bucketPrefix = '',
    private readonly partSize = S3_PART_SIZE,
  ) {}

  private bucket(b: BlobBucket): string {
    return this.bucketPrefix + b;
  }

  /**
   * Creates the four buckets when missing and proves each is writable with a probe object; throws one
   * line naming S3, the bucket and the reason (bad key, access denied, unreachable). `where` names the
   * endpoint in that line.
   */
  async check(where = 'S3'): Promise<void> {
    for (const b of BLOB_BUCKETS) {
      const Bucket = this.bucket(b);
      try {
        await this.ensureBucket(Bucket);
        const Key = '.echo-write-check';
        await this.s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.alloc(0), ContentLength: 0 }));
        await this.s3.send(new DeleteObjectCommand({ Bucket, Key }));
      } catch (err) {
        throw new Error(`${where}: bucket ${Bucket}: ${describeS3Error(err)}`);
      }
    }
  }

  private async ensureBucket(Bucket: string): Promise<void> {
    // Not HeadBucket: its errors have no body, so a 403 could not say whether the key or the permission is wrong.
    try {
      await this.s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 1 }));
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchBucket' && !isNotFound(err)) throw err;
    }
    try {
      await this.s3.send(new CreateBucketCommand({ Bucket }));
    } catch (err) {
      // Another node created it in between.
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }

  async put(bucket: BlobBucket, key: string, body: Readable | Buffer, opts?: PutOptions): Promise<BlobStat> {
    checkBlobKey(key);
    const Bucket = this.bucket(bucket);
    if (Buffer.isBuffer(body)) {
      await this.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentLength: body.length }));
      return { size: body.length, mtime: Math.floor(Date.now() / 1000) };
    }
    const chunks = chunked(body, this.partSize);
    const first = await chunks.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    if (firstPart.length < this.partSize) {
      await this.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: firstPart, ContentLength: firstPart.length }));
      return { size: firstPart.length, mtime: Math.floor(Date.now() / 1000) };
    }
    const created = await this.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
    const UploadId = created.UploadId as string;
    const parts: { ETag: string; PartNumber: number }[] = [];
    let size = 0;
    try {
      let part: Buffer | undefined = firstPart;
      while (part) {
        const PartNumber = parts.length + 1;
        const res = await this.s3.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body: part, ContentLength: part.length }));
        parts.push({ ETag: res.ETag as string, PartNumber });
        size += part.length;
        const next = await chunks.next();
        part = next.done ? undefined : next.value;
      }
      await this.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => undefined);
      throw err;
    }
    void opts;
    return { size, mtime: Math.floor(Date.now() / 1000) };
  }

  async read(bucket: BlobBucket, key: string, range?: BlobRange): Promise<Readable> {
    checkBlobKey(key);
    if (range && range.length <= 0) return Readable.from([]);
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket(bucket), Key: key, Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined }),
      );
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(bucket, key);
      // A range starting past the end: the same as reading nothing.
      if ((err as { name?: string }).name === 'InvalidRange') return Readable.from([]);
      throw err;
    }
  }

  async stat(bucket: BlobBucket, key: string): Promise<BlobStat | undefined> {
    checkBlobKey(key);
    try {
      const res = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket(bucket), Key: key }));
      const modified = res.LastModified instanceof Date ? res.LastModified.getTime() : Date.now();
      return { size: Number(res.ContentLength ?? 0), mtime: Math.floor(modified / 1000) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(bucket: BlobBucket, key: string): Promise<void> {
    checkBlobKey(key);
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket(bucket), Key: key }));
  }
}

/** One line for an operator: what S3 said, in words, and which setting to look at. */
export function describeS3Error(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? 'Error';
  if (name === 'InvalidAccessKeyId') return 'the access key is not known to the server (MINIO_ACCESS_KEY)';
  if (name === 'SignatureDoesNotMatch') return 'the secret key does not match the access key (MINIO_SECRET_KEY)';
  if (name === 'AccessDenied' || status === 403) return 'access denied: the key lacks permission on this bucket (403)';
  const code = e?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e?.message))) return 'connection refused (MINIO_ENDPOINT)';
  const message = String(e?.message ?? err).split('\n')[0]!.trim();
  return status ? `${name} (HTTP ${status}): ${message}` : `${name}: ${message}`;
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** Re-cuts a stream into buffers of exactly `size` bytes (the last one shorter). */
async function* chunked(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let yielded = false;
  for await (const data of stream as AsyncIterable<Buffer>) {
    let chunk = data;
    while (pendingLen + chunk.length >= size) {
      const take = size - pendingLen;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending, size);
      yielded = true;
      pending = [];
      pendingLen = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingLen += chunk.length;
    }
  }
  if (pendingLen > 0 || !yielded) yield Buffer.concat(pending, pendingLen);
}
