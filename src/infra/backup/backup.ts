// Backups of an embedded (SQLite) set-up: one gzip-compressed tar holding a manifest, a consistent copy
// of the database made with SQLite's online backup API (safe while echod writes to it), and every other
// file of the data dir: the server key (salts and access hashes derive from it, so restored data is only
// valid with it) and media under files/.
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import * as tar from 'tar';
import { DATABASE_FILE } from '../db/open.js';
import { PID_FILE } from '../pidfile.js';

export const MANIFEST_FILE = 'echo-backup.json';
const FORMAT = 'echo-backup';
const FORMAT_VERSION = 1;
/** Staging dirs live inside the data dir (same file system: hard links, atomic renames) and are skipped by backups. */
const STAGING_PREFIX = '.echo-staging-';

export interface BackupManifest {
  format: typeof FORMAT;
  version: number;
  echoVersion: string;
  createdAt: string;
  database: { dialect: 'sqlite'; file: string };
  files: number;
}

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** Files that are the live database or belong to the running process, never copied as they are. */
function isLiveFile(name: string): boolean {
  return name === DATABASE_FILE || name === `${DATABASE_FILE}-wal` || name === `${DATABASE_FILE}-shm` || name === `${DATABASE_FILE}-journal` || name === PID_FILE || name.startsWith(STAGING_PREFIX);
}

/**
 * Writes the archive to `file` (replaced atomically). `sqlite` is an open handle on the data dir's
 * database; the copy is consistent even while another process writes to it.
 */
export async function createBackup(opts: { dataDir: string; sqlite: BetterSqlite3.Database; file: string; echoVersion: string; now?: () => Date }): Promise<BackupManifest> {
  const dataDir = resolve(opts.dataDir);
  const file = resolve(opts.file);
  if (file.startsWith(dataDir + '/')) throw new BackupError(`the backup file must not be inside the data dir ${dataDir}`);
  const staging = mkdtempSync(join(dataDir, STAGING_PREFIX));
  try {
    await opts.sqlite.backup(join(staging, DATABASE_FILE));
    const files = mirror(dataDir, staging, '');
    const manifest: BackupManifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      echoVersion: opts.echoVersion,
      createdAt: (opts.now?.() ?? new Date()).toISOString(),
      database: { dialect: 'sqlite', file: DATABASE_FILE },
      files,
    };
    writeFileSync(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.partial-${process.pid}`;
    try {
      await tar.c({ gzip: true, file: tmp, cwd: staging, portable: true }, readdirSync(staging).sort());
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Hard-links (or copies) every file of `from` below `rel` into `to`; returns how many. */
function mirror(from: string, to: string, rel: string): number {
  let count = 0;
  for (const entry of readdirSync(join(from, rel), { withFileTypes: true })) {
    if (rel === '' && isLiveFile(entry.name)) continue;
    const path = join(rel, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(join(to, path), { recursive: true });
      count += mirror(from, to, path);
    } else if (entry.isFile()) {
      try {
        linkSync(join(from, path), join(to, path));
      } catch {
        copyFileSync(join(from, path), join(to, path));
      }
      count++;
    }
  }
  return count;
}

/** Reads and checks an archive's manifest without unpacking it. */
export async function readBackupManifest(file: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw new BackupError(`no such file: ${file}`);
  let manifestText: string | undefined;
  let hasDatabase = false;
  const unsafe: string[] = [];
  try {
    await tar.t({
      file,
      onReadEntry: (entry) => {
        const path = entry.path.replace(/^\.\//, '');
        if (path.startsWith('/') || path.split('/').includes('..')) unsafe.push(path);
        if (path === DATABASE_FILE) hasDatabase = true;
        if (path === MANIFEST_FILE) {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => (manifestText = Buffer.concat(chunks).toString('utf8')));
        } else entry.resume();
      },
    });
  } catch (err) {
    throw new BackupError(`${file} is not a readable echod backup (${(err as Error).message})`);
  }
  if (unsafe.length) throw new BackupError(`${file} holds paths outside the data dir: ${unsafe.slice(0, 3).join(', ')}`);
  if (manifestText === undefined || !hasDatabase) throw new BackupError(`${file} is not an echod backup (no ${MANIFEST_FILE} or ${DATABASE_FILE})`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(manifestText) as BackupManifest;
  } catch {
    throw new BackupError(`${file}: ${MANIFEST_FILE} is not valid JSON`);
  }
  if (manifest.format !== FORMAT) throw new BackupError(`${file} is not an echod backup (format ${JSON.stringify(manifest.format)})`);
  if (manifest.version > FORMAT_VERSION) throw new BackupError(`${file} was written by a newer echod (backup format ${manifest.version}); upgrade echod to restore it`);
  return manifest;
}

/**
 * Unpacks the archive into `dataDir`. The caller makes sure no server uses the data dir. An existing
 * database is replaced only with `replace` (its -wal and -shm files go too: a stale WAL would be replayed
 * onto the restored file).
 */
export async function restoreBackup(opts: { dataDir: string; file: string; replace: boolean }): Promise<BackupManifest> {
  const dataDir = resolve(opts.dataDir);
  const file = resolve(opts.file);
  const manifest = await readBackupManifest(file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(join(dataDir, DATABASE_FILE)) && !opts.replace) {
    throw new BackupError(`${dataDir} already holds a database; pass --force to replace it with the backup`);
  }
  const staging = mkdtempSync(join(dataDir, STAGING_PREFIX));
  try {
    await tar.x({ file, cwd: staging, strict: true });
    checkDatabase(join(staging, DATABASE_FILE));
    rmSync(join(staging, MANIFEST_FILE), { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(join(dataDir, DATABASE_FILE + suffix), { force: true });
    for (const name of readdirSync(staging)) {
      const target = join(dataDir, name);
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      renameSync(join(staging, name), target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return manifest;
}

function checkDatabase(path: string): void {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true });
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(String(result));
  } catch (err) {
    throw new BackupError(`the database in the backup is damaged: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

/** For messages: "12.3 MiB". */
export function fileSize(path: string): string {
  const bytes = statSync(path).size;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

