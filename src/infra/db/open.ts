// The embedded SQL store: one SQLite file in the data dir, migrated to the newest schema on open.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';
import { Kysely, Migrator, SqliteDialect, sql, type LogEvent } from 'kysely';
import { withStatementCache } from './statement-cache.js';
import { SqlAuthKeyStore, type AuthKeyStore } from './auth-key-store.js';
import { migrationProvider, type SqlDialect } from './migrations/index.js';
import type { Tables } from './schema.js';
import type { Durability } from '../config/index.js';

export const DATABASE_FILE = 'echo.db';

export interface Database {
  /** The primary: every write, and every read that must see the caller's own writes. */
  readonly kysely: Kysely<Tables>;
  /**
   * For reads that tolerate replication lag (history, search, other users' dialogs): the read replicas
   * when DB_READ_HOSTS names some, else the primary itself.
   */
  readonly reader: Kysely<Tables>;
  readonly dialect: SqlDialect;
  /** The database file (SQLite), or a mysql:// description without the password. */
  readonly path: string;
  readonly authKeys: AuthKeyStore;
  /** The raw SQLite handle, for what Kysely does not offer (online backup); undefined on MySQL. */
  readonly sqlite: BetterSqlite3.Database | undefined;
  /** Throws a one-line error naming the engine and why when the database cannot be queried. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded store, whose raw handle is always there. */
export interface SqliteDatabase extends Database {
  readonly sqlite: BetterSqlite3.Database;
}

export interface OpenDatabaseOptions {
  /** Told about every statement (duration, error): metrics. */
  log?: (event: LogEvent) => void;
  /** What a commit survives (ECHO_DURABILITY); `full` unless told otherwise. */
  durability?: Durability;
  /** Told once about a server setting weaker than `durability` asks for (MySQL; SQLite sets its own). */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /** WAL checkpoints on a thread of their own instead of inside commits (wal-checkpointer.ts): what a server does. */
  checkpointThread?: boolean;
}

/**
 * SQLite's synchronous level for a durability mode. In WAL mode FULL syncs the WAL at every commit, so a
 * commit that returned survives a power loss; NORMAL syncs only at checkpoints, which a process crash
 * cannot undo (the WAL is in the OS's page cache) but a power loss can: the last commits roll back, the
 * database stays consistent. The group commit (messenger/group-commit.ts) shares one commit, so one
 * fsync, among all sends of an event-loop turn.
 */
export const SQLITE_SYNCHRONOUS: Record<Durability, { name: 'FULL' | 'NORMAL'; value: number }> = {
  full: { name: 'FULL', value: 2 },
  process: { name: 'NORMAL', value: 1 },
};

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

/**
 * Opens (creating if needed) `<dataDir>/echo.db` and runs pending migrations.
 *
 * Every INTEGER column reads back as bigint (better-sqlite3 safe integers): auth key and user ids use the
 * full signed 64-bit range, and a silent rounding of one of them would be far worse than calling Number()
 * on a timestamp.
 */
export async function openDatabase(dataDir: string, opts: OpenDatabaseOptions = {}): Promise<SqliteDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, DATABASE_FILE);
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    // The file holds auth keys. SQLite gives the -wal and -shm files the mode of the main file, so creating
    // it 0600 first keeps all three private even in a data dir others can list.
    closeSync(openSync(path, 'a', 0o600));
    sqlite = new BetterSqlite3(path);
    // WAL lets readers run while a write commits.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${SQLITE_SYNCHRONOUS[opts.durability ?? 'full'].name}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // SQLite's default page cache is 2 MB: once the message tables outgrow it, every send reads index pages
    // back through the OS (bench:messaging with a 160 MB database: p99 at 1,000 msg/s 330 ms, 18 ms with this).
    // 64 MB of cache plus memory-mapped reads keep the hot pages (user states, dialogs, recent boxes) in the process.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('mmap_size = 268435456');
    sqlite.defaultSafeIntegers(true);
  } catch (err) {
    sqlite?.close();
    throw new DatabaseError(`cannot open the database ${path}: ${(err as Error).message}`);
  }
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), ...(opts.log ? { log: opts.log } : {}) });
  try {
    await migrateToLatest(kysely, 'sqlite');
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
  const checkpointer = opts.checkpointThread ? new WalCheckpointer(sqlite, path) : undefined;
  let closed = false;
  return {
    kysely,
    reader: kysely,
    dialect: 'sqlite',
    path,
    authKeys: new SqlAuthKeyStore(kysely),
    sqlite,
    async check() {
      try {
        await sql`select 1`.execute(kysely);
      } catch (err) {
        throw new DatabaseError(`SQLite database ${path}: ${(err as Error).message}`);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await checkpointer?.close();
      await kysely.destroy();
    },
  };
}

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(kysely: Kysely<any>, dialect: SqlDialect): Promise<string[]> {
  const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(`database migration ${failed ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
