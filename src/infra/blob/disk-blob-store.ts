// The embedded blob store: one file per blob under <dataDir>/files/<bucket>/<2-char fan-out>/<key>.
// Writes go to a temp file in the same file system and are renamed into place, so a crash never leaves a
// truncated blob under a real key.
import { createReadStream, createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, checkBlobKey, type BlobBucket, type BlobRange, type BlobStat, type BlobStore, type PutOptions } from './blob-store.js';

export class DiskBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, '.tmp');
  }

  /** Removes temp files a crashed write left behind (at start-up, before any write). */
  init(): this {
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    return this;
  }

  localPath(bucket: BlobBucket, key: string): string {
    checkBlobKey(key);
    return join(this.root, bucket, key.slice(0, 2), key);
  }

  async put(bucket: BlobBucket, key: string, body: Readable | Buffer, _opts?: PutOptions): Promise<BlobStat> {
    const target = this.localPath(bucket, key);
    await mkdir(join(this.root, bucket, key.slice(0, 2)), { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${key}.${randomBytes(6).toString('hex')}`);
    let out: WriteStream | undefined;
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body);
      else await pipeline(body, (out = createWriteStream(tmp)));
      await rename(tmp, target);
    } catch (err) {
      // A source that fails at once can beat the file's asynchronous open: unlinking before the destroyed
      // stream has closed would race the open and leave the temp file behind.
      if (out && !out.closed) await once(out, 'close').catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return (await this.stat(bucket, key))!;
  }

  async read(bucket: BlobBucket, key: string, range?: BlobRange): Promise<Readable> {
    const path = this.localPath(bucket, key);
    const st = await this.stat(bucket, key);
    if (!st) throw new BlobNotFoundError(bucket, key);
    if (range && (range.length <= 0 || range.offset >= st.size)) return Readable.from([]);
    const opts = range ? { start: range.offset, end: Math.min(st.size, range.offset + range.length) - 1 } : {};
    return createReadStream(path, opts);
  }

  async stat(bucket: BlobBucket, key: string): Promise<BlobStat | undefined> {
    try {
      const st = await stat(this.localPath(bucket, key));
      return { size: st.size, mtime: Math.floor(st.mtimeMs / 1000) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(bucket: BlobBucket, key: string): Promise<void> {
    await rm(this.localPath(bucket, key), { force: true });
  }
}
