// Uploaded file parts, kept on disk per (uploader, file_id) under <dataDir>/uploads until the file is
// used or the parts expire, so a restart between upload and send loses nothing and memory stays flat
// whatever the file size. Each part is its own file, written to a temp name and renamed into place, so a
// part is either wholly there or absent (a client re-sending a part after a crash simply overwrites it).
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RpcError } from '../../common/rpc-error.js';
import { checkPart, checkPartSizes, DEFAULT_MAX_FILE_SIZE } from './rules.js';

/** Telegram keeps parts "several minutes to several hours"; a day covers slow networks and restarts. */
export const PART_TTL_MS = 24 * 60 * 60 * 1000;

interface UploadMeta {
  big: boolean;
  totalParts?: number;
}

export interface AssembledMarker {
  bucket: string;
  key: string;
  size: number;
}

export interface OpenedUpload {
  size: number;
  parts: number;
  /** The parts in order, concatenated, read from disk as it is consumed. */
  stream(): Readable;
}

export class PartStore {
  constructor(
    private readonly root: string,
    private readonly opts: { now(): number; ttlMs?: number; maxFileSize?: number } = { now: Date.now },
  ) {}

  private dir(userId: bigint, fileId: bigint): string {
    return join(this.root, userId.toString(), BigInt.asUintN(64, fileId).toString(16).padStart(16, '0'));
  }

  async savePart(userId: bigint, fileId: bigint, filePart: number, bytes: Buffer, totalParts?: number): Promise<void> {
    checkPart({ filePart, bytes: bytes.length, totalParts }, this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    const dir = this.dir(userId, fileId);
    await mkdir(dir, { recursive: true });
    const meta = await this.readMeta(dir);
    const big = totalParts !== undefined;
    if (!meta) await this.writeAtomic(dir, 'meta.json', Buffer.from(JSON.stringify({ big, totalParts } satisfies UploadMeta)));
    else if (meta.big !== big || meta.totalParts !== totalParts) throw RpcError.badRequest('FILE_PARTS_INVALID');
    await this.writeAtomic(dir, `${filePart}.part`, bytes);
  }

  /**
   * Checks that parts 0..parts-1 are all there with consistent sizes and returns a lazy reader. Throws
   * FILE_PART_X_MISSING for the first missing part (the client re-sends it and tries again).
   */
  async open(userId: bigint, fileId: bigint, parts: number, big: boolean): Promise<OpenedUpload> {
    const maxParts = 4000;
    if (!Number.isInteger(parts) || parts < 1 || parts > maxParts) throw RpcError.badRequest('FILE_PARTS_INVALID');
    const dir = this.dir(userId, fileId);
    const meta = await this.readMeta(dir);
    if (!meta) throw RpcError.badRequest('FILE_PART_0_MISSING');
    if (meta.big !== big || (meta.totalParts !== undefined && meta.totalParts !== parts)) throw RpcError.badRequest('FILE_PARTS_INVALID');
    const sizes: number[] = [];
    for (let i = 0; i < parts; i++) {
      try {
        sizes.push((await stat(join(dir, `${i}.part`))).size);
      } catch {
        throw RpcError.badRequest(`FILE_PART_${i}_MISSING`);
      }
    }
    // Parts beyond the declared count mean the client declared the wrong count.
    if (!big && (await readdir(dir)).some((name) => name.endsWith('.part') && Number(name.slice(0, -5)) >= parts)) throw RpcError.badRequest('FILE_PARTS_INVALID');
    const size = checkPartSizes(sizes);
    if (size > (this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE)) throw RpcError.badRequest('FILE_PARTS_INVALID');
    return { size, parts, stream: () => Readable.from(readParts(dir, parts)) };
  }

  /** Records what the parts became and drops them; the marker lets the same InputFile be used again. */
  async markAssembled(userId: bigint, fileId: bigint, marker: AssembledMarker): Promise<void> {
    const dir = this.dir(userId, fileId);
    await this.writeAtomic(dir, 'assembled.json', Buffer.from(JSON.stringify(marker)));
    for (const name of await readdir(dir)) if (name.endsWith('.part') || name === 'meta.json') await rm(join(dir, name), { force: true });
  }

  async assembled(userId: bigint, fileId: bigint): Promise<AssembledMarker | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir(userId, fileId), 'assembled.json'), 'utf8')) as AssembledMarker;
    } catch {
      return undefined;
    }
  }

  async discard(userId: bigint, fileId: bigint): Promise<void> {
    await rm(this.dir(userId, fileId), { recursive: true, force: true });
  }

  /** Deletes uploads untouched for longer than the TTL; returns how many went. */
  async sweep(): Promise<number> {
    const cutoff = this.opts.now() - (this.opts.ttlMs ?? PART_TTL_MS);
    let removed = 0;
    let users: string[];
    try {
      users = await readdir(this.root);
    } catch {
      return 0;
    }
    for (const user of users) {
      const userDir = join(this.root, user);
      let files: string[];
      try {
        files = await readdir(userDir);
      } catch {
        continue;
      }
      for (const file of files) {
        const dir = join(userDir, file);
        try {
          if ((await stat(dir)).mtimeMs < cutoff) {
            await rm(dir, { recursive: true, force: true });
            removed++;
          }
        } catch {
          // Removed concurrently.
        }
      }
      // Fails (and is ignored) while the user still has uploads.
      await rmdir(userDir).catch(() => undefined);
    }
    return removed;
  }

  private async readMeta(dir: string): Promise<UploadMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as UploadMeta;
    } catch {
      return undefined;
    }
  }

  private async writeAtomic(dir: string, name: string, data: Buffer): Promise<void> {
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  }
}

async function* readParts(dir: string, parts: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts; i++) {
    for await (const chunk of createReadStream(join(dir, `${i}.part`), { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
  }
}
