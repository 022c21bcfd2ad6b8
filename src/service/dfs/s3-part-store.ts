// Upload parts in the shared S3 store, for several nodes behind a load balancer: a client's parts may reach
// different nodes (clients upload over several connections and reconnect anywhere), and the node that gets
// messages.sendMedia must see them all. One object per part under a temporary prefix of the documents bucket
// (`uploads/<user>/<file id>/<n>.part`, beside `meta.json` and, once used, `assembled.json`); real blob keys
// never contain a slash, so the prefix cannot meet them. Assembly reads the parts one after the other as the
// blob store consumes them; nothing holds a whole file. Every node sweeps parts older than the TTL.
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { RpcError } from '../../common/rpc-error.js';
import { isS3NotFound, readAll, type BlobBucket, type S3Sender } from '../../infra/blob/index.js';
import { checkPart, DEFAULT_MAX_FILE_SIZE } from './rules.js';
import { checkMeta, checkUpload, PART_TTL_MS, uploadPath, type AssembledMarker, type OpenedUpload, type PartStore, type PartStoreOptions, type UploadMeta } from './part-store.js';

export interface S3PartStoreOptions extends PartStoreOptions {
  /** The S3 bucket holding the parts (the deployment's documents bucket). */
  bucket: string;
  /** Where uploads start inside the bucket; ends with "/". */
  prefix?: string;
  /** Keys per listing page (S3's default, 1000, when absent). */
  pageSize?: number;
}

/** The documents bucket of an S3BlobStore without a bucket prefix, as echod configures it. */
export const PARTS_BUCKET: BlobBucket = 'documents';
export const PARTS_PREFIX = 'uploads/';

/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;
const META = 'meta.json';
const ASSEMBLED = 'assembled.json';

export class S3PartStore implements PartStore {
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    private readonly s3: S3Sender,
    private readonly opts: S3PartStoreOptions,
  ) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? PARTS_PREFIX;
  }

  private dir(userId: bigint, fileId: bigint): string {
    return `${this.prefix}${uploadPath(userId, fileId)}/`;
  }

  async savePart(userId: bigint, fileId: bigint, filePart: number, bytes: Buffer, totalParts?: number): Promise<void> {
    checkPart({ filePart, bytes: bytes.length, totalParts }, this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    const dir = this.dir(userId, fileId);
    const big = totalParts !== undefined;
    const meta = await this.getJson<UploadMeta>(dir + META);
    // Two nodes taking the first parts at once both write it; a client sending the same kind and total (all
    // clients do) writes the same bytes.
    if (!meta) await this.put(dir + META, Buffer.from(JSON.stringify({ big, totalParts } satisfies UploadMeta)));
    else checkMeta(meta, big, totalParts);
    // One PUT: S3 shows an object wholly or not at all, and a part sent again replaces the earlier one.
    await this.put(`${dir}${filePart}.part`, bytes);
  }

  async open(userId: bigint, fileId: bigint, parts: number, big: boolean): Promise<OpenedUpload> {
    const dir = this.dir(userId, fileId);
    const meta = await this.getJson<UploadMeta>(dir + META);
    const sizes = new Map<number, number>();
    if (meta) {
      for await (const obj of this.list(dir)) {
        const n = partNumber(obj.key.slice(dir.length));
        if (n !== undefined) sizes.set(n, obj.size);
      }
    }
    const size = checkUpload({ meta, sizes }, parts, big, this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    return { size, parts, stream: () => Readable.from(this.readParts(dir, parts)) };
  }

  async markAssembled(userId: bigint, fileId: bigint, marker: AssembledMarker): Promise<void> {
    const dir = this.dir(userId, fileId);
    await this.put(dir + ASSEMBLED, Buffer.from(JSON.stringify(marker)));
    const used: string[] = [];
    for await (const obj of this.list(dir)) if (obj.key !== dir + ASSEMBLED) used.push(obj.key);
    await this.deleteKeys(used);
  }

  async assembled(userId: bigint, fileId: bigint): Promise<AssembledMarker | undefined> {
    return this.getJson<AssembledMarker>(this.dir(userId, fileId) + ASSEMBLED);
  }

  async discard(userId: bigint, fileId: bigint): Promise<void> {
    const keys: string[] = [];
    for await (const obj of this.list(this.dir(userId, fileId))) keys.push(obj.key);
    await this.deleteKeys(keys);
  }

  /**
   * Deletes every upload whose newest object is older than the TTL (an upload still receiving parts stays
   * whole). Listing is in key order, so an upload's objects come together and only one upload is held at a time.
   */
  async sweep(): Promise<number> {
    const cutoff = this.opts.now() - (this.opts.ttlMs ?? PART_TTL_MS);
    let removed = 0;
    let current: { dir: string; keys: string[]; newest: number } | undefined;
    const finish = async () => {
      if (current && current.newest < cutoff) {
        await this.deleteKeys(current.keys);
        removed++;
      }
    };
    for await (const obj of this.list(this.prefix)) {
      const dir = uploadDirOf(obj.key, this.prefix);
      if (!dir) continue;
      if (current?.dir !== dir) {
        await finish();
        current = { dir, keys: [], newest: 0 };
      }
      current.keys.push(obj.key);
      current.newest = Math.max(current.newest, obj.modified);
    }
    await finish();
    return removed;
  }

  private async *readParts(dir: string, parts: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < parts; i++) {
      let body: Readable;
      try {
        body = (await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${dir}${i}.part` }))).Body as Readable;
      } catch (err) {
        // Gone since open(): swept, or used by a concurrent call on another node. The client sends it again.
        if (isS3NotFound(err)) throw RpcError.badRequest(`FILE_PART_${i}_MISSING`);
        throw err;
      }
      for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
    }
  }

  private async put(Key: string, body: Buffer): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.length }));
  }

  private async getJson<T>(Key: string): Promise<T | undefined> {
    let body: Readable;
    try {
      body = (await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }))).Body as Readable;
    } catch (err) {
      if (isS3NotFound(err)) return undefined;
      throw err;
    }
    // Markers are a few dozen bytes; anything larger is not ours.
    return JSON.parse((await readAll(body, 64 * 1024)).toString('utf8')) as T;
  }

  private async *list(prefix: string): AsyncGenerator<{ key: string; size: number; modified: number }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(this.opts.pageSize ? { MaxKeys: this.opts.pageSize } : {}), ...(ContinuationToken ? { ContinuationToken } : {}) }));
      for (const o of (page.Contents ?? []) as { Key?: string; Size?: number; LastModified?: Date }[]) {
        if (!o.Key) continue;
        yield { key: o.Key, size: Number(o.Size ?? 0), modified: o.LastModified instanceof Date ? o.LastModified.getTime() : 0 };
      }
      ContinuationToken = page.IsTruncated ? (page.NextContinuationToken as string | undefined) : undefined;
    } while (ContinuationToken);
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const failed = ((res?.Errors ?? []) as { Key?: string; Code?: string }[]).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`S3 could not delete ${failed.length} upload part object(s), first ${failed[0]!.Key}: ${failed[0]!.Code}`);
    }
  }
}

/** "12.part" -> 12; anything else (meta, markers) -> undefined. */
function partNumber(name: string): number | undefined {
  const m = /^(\d+)\.part$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `uploads/7/000000000000002a/3.part` -> `uploads/7/000000000000002a/`; keys of another shape -> undefined. */
function uploadDirOf(key: string, prefix: string): string | undefined {
  const rest = key.slice(prefix.length).split('/');
  if (rest.length !== 3) return undefined;
  return `${prefix}${rest[0]}/${rest[1]}/`;
}
