// Upload parts on the node's disk (the embedded mode): per (uploader, file_id) under <dataDir>/uploads until
// the file is used or the parts expire, so a restart between upload and send loses nothing and memory stays
// flat whatever the file size. Each part is its own file, written to a temp name and renamed into place, so a
// part is either wholly there or absent (a client re-sending a part after a crash simply overwrites it).
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkPart, DEFAULT_MAX_FILE_SIZE } from './rules.js';
import { checkMeta, checkUpload, PART_TTL_MS, uploadPath, type AssembledMarker, type OpenedUpload, type PartStore, type PartStoreOptions, type UploadMeta } from './part-store.js';

export class DiskPartStore implements PartStore {
  constructor(
    private readonly root: string,
    private readonly opts: PartStoreOptions = { now: Date.now },
  ) {}

  private dir(userId: bigint, fileId: bigint): string {
    return join(this.root, ...uploadPath(userId, fileId).split('/'));
  }

  async savePart(userId: bigint, fileId: bigint, filePart: number, bytes: Buffer, totalParts?: number): Promise<void> {
    checkPart({ filePart, bytes: bytes.length, totalParts }, this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    const dir = this.dir(userId, fileId);
    await mkdir(dir, { recursive: true });
    const meta = await this.readMeta(dir);
    const big = totalParts !== undefined;
    if (!meta) await this.writeAtomic(dir, 'meta.json', Buffer.from(JSON.stringify({ big, totalParts } satisfies UploadMeta)));
    else checkMeta(meta, big, totalParts);
    await this.writeAtomic(dir, `${filePart}.part`, bytes);
  }

  async open(userId: bigint, fileId: bigint, parts: number, big: boolean): Promise<OpenedUpload> {
    const dir = this.dir(userId, fileId);
    const meta = await this.readMeta(dir);
    const sizes = new Map<number, number>();
    if (meta) {
      for (const name of await readdir(dir)) {
        const n = partNumber(name);
        if (n === undefined) continue;
        try {
          sizes.set(n, (await stat(join(dir, name))).size);
        } catch {
          // Removed concurrently: counts as missing.
        }
      }
    }
    const size = checkUpload({ meta, sizes }, parts, big, this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    return { size, parts, stream: () => Readable.from(readParts(dir, parts)) };
  }

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

/** "12.part" -> 12; anything else (meta, markers, temp files) -> undefined. */
function partNumber(name: string): number | undefined {
  const m = /^(\d+)\.part$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function* readParts(dir: string, parts: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts; i++) {
    for await (const chunk of createReadStream(join(dir, `${i}.part`), { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
  }
}
