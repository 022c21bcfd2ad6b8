// Backups of the embedded set-up, in process: online copy, refusal rules, and bad archives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { openDatabase } from '../../../src/infra/db/index.js';
import { createBackup, readBackupManifest, restoreBackup, BackupError, MANIFEST_FILE } from '../../../src/infra/backup/backup.js';
import { claimDataDir, DataDirBusyError, pidFilePath, runningServerPid } from '../../../src/infra/pidfile.js';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';

function temp(t: { after(fn: () => unknown): unknown }): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function seededDataDir(root: string) {
  const dataDir = join(root, 'data');
  const db = await openDatabase(dataDir);
  await db.kysely.insertInto('users').values({ id: 1_000_001n, phone: '15550000001', first_name: 'Alice', created_at: 1 }).execute();
  writeFileSync(join(dataDir, 'server-key.pem'), 'KEY');
  mkdirSync(join(dataDir, 'files', 'ab'), { recursive: true });
  writeFileSync(join(dataDir, 'files', 'ab', 'blob1'), 'media bytes');
  return { dataDir, db };
}

function cliIo(env: Record<string, string>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env, cwd, out: (s) => void out.push(s), err: (s) => void err.push(s), interactive: false, ask: async () => '' };
  return { io, out, err };
}

test('a backup taken while the database is open and written to restores into a fresh data dir', async (t) => {
  const root = temp(t);
  const { dataDir, db } = await seededDataDir(root);
  t.after(() => db.close());
  // A write the other connection has not checkpointed yet (it sits in the WAL) must be in the copy.
  await db.kysely.insertInto('users').values({ id: 1_000_002n, phone: '15550000002', first_name: 'Bob', created_at: 2 }).execute();
  writeFileSync(pidFilePath(dataDir), `${process.ppid}\n`);
  const file = join(root, 'out', 'echo.tar.gz');
  const manifest = await createBackup({ dataDir, sqlite: db.sqlite, file, echoVersion: '9.9.9', now: () => new Date('2030-01-02T03:04:05Z') });
  assert.equal(manifest.files, 2, 'server key and one media file; the live db files and the pid file are not copied as files');
  assert.equal(manifest.createdAt, '2030-01-02T03:04:05.000Z');
  assert.deepEqual((await readBackupManifest(file)).echoVersion, '9.9.9');

  const entries: string[] = [];
  await tar.t({ file, onReadEntry: (e) => void entries.push(e.path) });
  assert.ok(!entries.some((p) => /echod\.pid|echo\.db-(wal|shm)|staging/.test(p)), entries.join(','));

  const fresh = join(root, 'fresh');
  await restoreBackup({ dataDir: fresh, file, replace: false });
  assert.equal(readFileSync(join(fresh, 'server-key.pem'), 'utf8'), 'KEY');
  assert.equal(readFileSync(join(fresh, 'files', 'ab', 'blob1'), 'utf8'), 'media bytes');
  assert.ok(!existsSync(join(fresh, MANIFEST_FILE)));
  const restored = await openDatabase(fresh);
  t.after(() => restored.close());
  const names = (await restored.kysely.selectFrom('users').select('first_name').orderBy('id').execute()).map((r) => r.first_name);
  assert.deepEqual(names, ['Alice', 'Bob']);
});

test('restore refuses to overwrite a database unless told to, and then drops the stale WAL', async (t) => {
  const root = temp(t);
  const { dataDir, db } = await seededDataDir(root);
  const file = join(root, 'b.tar.gz');
  await createBackup({ dataDir, sqlite: db.sqlite, file, echoVersion: 'x' });
  await db.kysely.insertInto('users').values({ id: 1_000_003n, phone: '15550000003', first_name: 'Carol', created_at: 3 }).execute();
  await db.close();
  await assert.rejects(restoreBackup({ dataDir, file, replace: false }), (err: Error) => err instanceof BackupError && /already holds a database.*--force/.test(err.message));
  writeFileSync(join(dataDir, 'echo.db-wal'), 'stale');
  await restoreBackup({ dataDir, file, replace: true });
  assert.ok(!existsSync(join(dataDir, 'echo.db-wal')) || readFileSync(join(dataDir, 'echo.db-wal'), 'utf8') !== 'stale');
  const again = await openDatabase(dataDir);
  t.after(() => again.close());
  assert.equal((await again.kysely.selectFrom('users').select('id').execute()).length, 1, 'Carol came after the backup');
});

test('bad archives are refused with a reason and leave the data dir alone', async (t) => {
  const root = temp(t);
  const dataDir = join(root, 'data');
  const junk = join(root, 'junk.tar.gz');
  writeFileSync(junk, 'this is not a tar file at all');
  await assert.rejects(restoreBackup({ dataDir, file: junk, replace: false }), BackupError);
  await assert.rejects(restoreBackup({ dataDir, file: join(root, 'missing.tar.gz'), replace: false }), /no such file/);

  const src = join(root, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'hello.txt'), 'hi');
  const noManifest = join(root, 'plain.tar.gz');
  await tar.c({ gzip: true, file: noManifest, cwd: src }, ['hello.txt']);
  await assert.rejects(restoreBackup({ dataDir, file: noManifest, replace: false }), /not an echod backup/);

  writeFileSync(join(src, MANIFEST_FILE), JSON.stringify({ format: 'echo-backup', version: 1 }));
  writeFileSync(join(src, 'echo.db'), 'not sqlite');
  const damaged = join(root, 'damaged.tar.gz');
  await tar.c({ gzip: true, file: damaged, cwd: src }, [MANIFEST_FILE, 'echo.db']);
  await assert.rejects(restoreBackup({ dataDir, file: damaged, replace: false }), /damaged/);
  assert.ok(!existsSync(join(dataDir, 'echo.db')));

  writeFileSync(join(root, 'evil.txt'), 'x');
  const escaping = join(root, 'escape.tar.gz');
  await tar.c({ gzip: true, file: escaping, cwd: src, preservePaths: true }, [MANIFEST_FILE, 'echo.db', '../evil.txt']);
  await assert.rejects(restoreBackup({ dataDir, file: escaping, replace: false }), /outside the data dir/);

  writeFileSync(join(src, MANIFEST_FILE), JSON.stringify({ format: 'echo-backup', version: 99 }));
  const future = join(root, 'future.tar.gz');
  await tar.c({ gzip: true, file: future, cwd: src }, [MANIFEST_FILE, 'echo.db']);
  await assert.rejects(restoreBackup({ dataDir, file: future, replace: false }), /newer echod/);
});

test('the pid file: claimed, seen as busy by others, stale when its process is gone, released', (t) => {
  const dataDir = temp(t);
  assert.equal(runningServerPid(dataDir), undefined);
  const release = claimDataDir(dataDir);
  assert.equal(readFileSync(pidFilePath(dataDir), 'utf8'), `${process.pid}\n`);
  assert.equal(runningServerPid(dataDir), undefined, 'our own pid is not another server');
  release();
  assert.ok(!existsSync(pidFilePath(dataDir)));
  writeFileSync(pidFilePath(dataDir), `${process.ppid}\n`);
  assert.equal(runningServerPid(dataDir), process.ppid);
  assert.throws(() => claimDataDir(dataDir), (err: Error) => err instanceof DataDirBusyError && err.message.includes(String(process.ppid)));
  assert.equal(runningServerPid(dataDir, () => false), undefined, 'a dead pid is stale');
  writeFileSync(pidFilePath(dataDir), 'garbage');
  assert.equal(runningServerPid(dataDir), undefined);
});

test('the CLI: restore is refused while a server runs on the data dir; usage mistakes exit 2', async (t) => {
  const root = temp(t);
  const { dataDir, db } = await seededDataDir(root);
  const file = join(root, 'b.tar.gz');
  const backup = cliIo({ ECHO_DATA_DIR: dataDir }, root);
  assert.equal(await main(['backup', 'b.tar.gz'], backup.io), 0, backup.err.join(''));
  assert.match(backup.out.join(''), /backup written to .*b\.tar\.gz/);
  await db.close();
  writeFileSync(pidFilePath(dataDir), `${process.ppid}\n`);
  const refused = cliIo({ ECHO_DATA_DIR: dataDir }, root);
  assert.equal(await main(['restore', file, '--force'], refused.io), 1);
  assert.match(refused.err.join(''), new RegExp(`echod \\(pid ${process.ppid}\\) is running on .*stop it`));

  const fresh = cliIo({ ECHO_DATA_DIR: join(root, 'fresh') }, root);
  assert.equal(await main(['restore', file], fresh.io), 0, fresh.err.join(''));
  assert.ok(existsSync(join(root, 'fresh', 'echo.db')));
  assert.ok(!existsSync(pidFilePath(join(root, 'fresh'))), 'restore releases the data dir');

  for (const argv of [['backup'], ['restore'], ['backup', 'a', 'b'], ['backup', 'a', '--force'], ['restore', 'a', '--json']]) {
    const c = cliIo({ ECHO_DATA_DIR: join(root, 'other') }, root);
    assert.equal(await main(argv, c.io), 2, argv.join(' '));
  }
  const noDb = cliIo({ ECHO_DATA_DIR: join(root, 'empty') }, root);
  assert.equal(await main(['backup', 'x.tar.gz'], noDb.io), 1);
  assert.match(noDb.err.join(''), /no database in/);
});
