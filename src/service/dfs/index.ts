// DFS: uploaded parts -> blobs, and ranged reads back (core.telegram.org/api/files). The media area decides
// what a file becomes (photo sizes, a document) and where it is stored; this area moves the bytes without
// ever holding a whole file in memory.
import type { KeyValueStore } from '../../infra/kv/kv.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { RpcError } from '../../common/rpc-error.js';
import { readAll, type BlobBucket, type BlobStore } from '../../infra/blob/blob-store.js';
import type { Logger } from '../../infra/log.js';
import type { Obj, TlType } from '../../tl/index.js';
import type { PartStore } from './part-store.js';
import { DiskPartStore } from './disk-part-store.js';
import { DEFAULT_MAX_FILE_SIZE, HASH_CHUNK, HASHES_PER_CALL, MAX_PART_SIZE } from './rules.js';
import { DEFAULT_UPLOAD_RATE, UploadRate, type UploadRateLimit } from './upload-rate.js';

export interface DfsDeps {
  blobs: BlobStore;
  /** Without `parts`, parts are kept under <dataDir>/uploads. */
  dataDir: string;
  /** Where upload parts wait for their file to be used: S3 when nodes share state; the data dir when absent. */
  parts?: PartStore;
  now(): number;
  log: Logger;
  maxFileSize?: number;
  /** null: unlimited; undefined: DEFAULT_UPLOAD_RATE. */
  uploadRate?: UploadRateLimit | null;
  /** Set when state is shared between nodes (Redis): the upload budget is then counted there. */
  sharedState?: KeyValueStore;
  partTtlMs?: number;
}

export interface StoredFile {
  bucket: BlobBucket;
  key: string;
  size: number;
  /** The client's file name (inputFile.name). */
  name: string;
}

/** How often expired parts are swept. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export class DfsService {
  readonly parts: PartStore;
  readonly maxFileSize: number;
  private readonly rate: UploadRate;

  constructor(private readonly deps: DfsDeps) {
    this.maxFileSize = deps.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.parts = deps.parts ?? new DiskPartStore(join(deps.dataDir, 'uploads'), { now: deps.now, ttlMs: deps.partTtlMs, maxFileSize: this.maxFileSize });
    this.rate = new UploadRate(deps.uploadRate === undefined ? DEFAULT_UPLOAD_RATE : deps.uploadRate, deps.now, deps.sharedState);
  }

  get blobs(): BlobStore {
    return this.deps.blobs;
  }

  async saveFilePart(userId: bigint, fileId: bigint, filePart: number, bytes: Buffer): Promise<void> {
    await this.rate.take(userId, Math.min(bytes.length, MAX_PART_SIZE));
    await this.parts.savePart(userId, fileId, filePart, bytes);
  }

  async saveBigFilePart(userId: bigint, fileId: bigint, filePart: number, totalParts: number, bytes: Buffer): Promise<void> {
    await this.rate.take(userId, Math.min(bytes.length, MAX_PART_SIZE));
    await this.parts.savePart(userId, fileId, filePart, bytes, totalParts);
  }

  /**
   * Streams the parts of an InputFile into the blob `target` (checking md5_checksum on the way when the client
   * gave one) and drops the parts. Using the same InputFile again answers the blob it already became.
   */
  async takeUpload(userId: bigint, inputFile: TlType<'InputFile'>, target: { bucket: BlobBucket; key: string }): Promise<StoredFile> {
    // inputFileStoryDocument names a story's document, not uploaded parts: there are no stories here.
    if (inputFile._ === 'inputFileStoryDocument') throw RpcError.badRequest('FILE_PARTS_INVALID');
    const file = inputFile;
    const name = file.name;
    const done = await this.parts.assembled(userId, file.id);
    if (done) {
      const st = await this.deps.blobs.stat(done.bucket as BlobBucket, done.key);
      if (st) return { bucket: done.bucket as BlobBucket, key: done.key, size: st.size, name };
    }
    const upload = await this.parts.open(userId, file.id, file.parts, file._ === 'inputFileBig');
    const md5Wanted = file._ === 'inputFile' ? file.md5Checksum.trim().toLowerCase() : '';
    const md5 = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (md5Wanted) md5.update(chunk);
        cb(null, chunk);
      },
    });
    const source = upload.stream();
    source.on('error', (err) => hashing.destroy(err));
    const stat = await this.deps.blobs.put(target.bucket, target.key, source.pipe(hashing), { size: upload.size });
    if (md5Wanted && md5.digest('hex') !== md5Wanted) {
      await this.deps.blobs.delete(target.bucket, target.key);
      throw RpcError.badRequest('MD5_CHECKSUM_INVALID');
    }
    await this.parts.markAssembled(userId, file.id, { bucket: target.bucket, key: target.key, size: stat.size });
    return { bucket: target.bucket, key: target.key, size: stat.size, name };
  }

  /** Reads `limit` bytes at `offset` (fewer at the end of the blob, none past it). */
  async readRange(bucket: BlobBucket, key: string, offset: number, limit: number): Promise<Buffer> {
    return readAll(await this.deps.blobs.read(bucket, key, { offset, length: limit }), limit);
  }

  /** fileHash objects for the 128 KiB chunks from the one holding `offset` on (upload.getFileHashes). */
  async fileHashes(bucket: BlobBucket, key: string, size: number, offset: number): Promise<Obj<'fileHash'>[]> {
    const start = Math.floor(offset / HASH_CHUNK) * HASH_CHUNK;
    if (start >= size) return [];
    const data = await this.readRange(bucket, key, start, HASH_CHUNK * HASHES_PER_CALL);
    const out: Obj<'fileHash'>[] = [];
    for (let pos = 0; pos < data.length; pos += HASH_CHUNK) {
      const chunk = data.subarray(pos, pos + HASH_CHUNK);
      out.push({ _: 'fileHash', offset: BigInt(start + pos), limit: chunk.length, hash: createHash('sha256').update(chunk).digest() });
    }
    return out;
  }

  /** Sweeps expired parts every few minutes; returns the stop function. */
  startSweeper(): () => void {
    const timer = setInterval(() => {
      this.parts.sweep().then(
        (n) => n > 0 && this.deps.log.info({ removed: n }, 'expired upload parts removed'),
        (err: Error) => this.deps.log.warn({ err: err.message }, 'sweeping upload parts failed'),
      );
    }, SWEEP_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}

export { PART_TTL_MS, type PartStore, type PartStoreOptions } from './part-store.js';
export { DiskPartStore } from './disk-part-store.js';
export { S3PartStore, PARTS_BUCKET, PARTS_PREFIX } from './s3-part-store.js';
export { FileReferences } from './file-references.js';
export * from './rules.js';
