// `echod backup <file>` and `echod restore <file> [--force]`: a consistent copy of an embedded set-up
// (database and data dir files) while the server runs, and its way back into a data dir no server uses.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config/index.js';
import { DATABASE_FILE, openDatabase } from '../infra/db/index.js';
import { createBackup, fileSize, restoreBackup, BackupError } from '../infra/backup/backup.js';
import { claimDataDir, runningServerPid } from '../infra/pidfile.js';
import { ECHO_VERSION } from '../infra/version.js';
import { CliError, type CliIo } from './io.js';

export const BACKUP_COMMANDS: ReadonlySet<string> = new Set(['backup', 'restore']);

export const BACKUP_USAGE = `  backup <file>                        consistent copy of the database and the data dir's files
                                       (server key, media) into one .tar.gz; fine while echod runs
  restore <file> [--force]             unpack a backup into the data dir; refused while echod runs
                                       there; --force replaces an existing database
`;

export async function backupCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { force: { type: 'boolean', default: false } } });
  const [command, file, extra] = positionals;
  if (file === undefined) throw new CliError(`missing argument: echod ${command} <file>`, 2);
  if (extra !== undefined) throw new CliError(`unexpected argument "${extra}" after ${command} ${file}`, 2);
  if (command === 'backup' && values.force) throw new CliError('--force does not apply to backup', 2);
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  if (config.sql.engine !== 'sqlite') {
    throw new CliError(`${command} covers the embedded database only; with MySQL use mysqldump or mariadb-backup (README, "Operating Echo")`);
  }
  const target = resolve(io.cwd, file);
  try {
    return command === 'backup' ? await backup(io, config.dataDir, target) : await restore(io, config.dataDir, target, values.force);
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message);
    throw err;
  }
}

async function backup(io: CliIo, dataDir: string, file: string): Promise<number> {
  // openDatabase would create an empty database; a wrong data dir must be reported, not backed up.
  if (!existsSync(join(dataDir, DATABASE_FILE))) throw new CliError(`no database in ${dataDir}: has echod run with this data dir (ECHO_DATA_DIR)?`);
  const db = await openDatabase(dataDir);
  try {
    const manifest = await createBackup({ dataDir, sqlite: db.sqlite, file, echoVersion: ECHO_VERSION });
    io.out(`backup written to ${file} (${fileSize(file)}): database and ${manifest.files} other file${manifest.files === 1 ? '' : 's'} of ${dataDir}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

async function restore(io: CliIo, dataDir: string, file: string, force: boolean): Promise<number> {
  const pid = runningServerPid(dataDir);
  if (pid !== undefined) throw new CliError(`echod (pid ${pid}) is running on ${dataDir}; stop it before restoring`);
  // Held while unpacking, so an `echod start` meanwhile is refused instead of opening a half-restored dir.
  const release = claimDataDir(dataDir);
  try {
    const manifest = await restoreBackup({ dataDir, file, replace: force });
    io.out(`restored ${file} (made ${manifest.createdAt} by echod ${manifest.echoVersion}) into ${dataDir}; start echod to use it\n`);
    return 0;
  } finally {
    release();
  }
}
