// Durable commits without stalling the event loop (ECHO_DURABILITY=full on SQLite).
// With synchronous=FULL SQLite fsyncs the WAL inside COMMIT, on the calling thread: better-sqlite3 is
// synchronous, so every commit stopped the whole node for the disk's flush (1-25 ms on a shared virtual disk;
// 15% of the event loop in bench:messaging). Instead the database runs with synchronous=NORMAL, which writes
// the WAL at commit and syncs it (and its header on reuse) at checkpoints, and this module makes each write
// durable before the caller learns it committed: after a connection that changed rows is released, the caller
// waits for an fdatasync of the -wal file that began after its commit, run on libuv's thread pool. The WAL then
// holds every acknowledged commit on disk, which is what FULL guarantees. Concurrent callers share syncs.
import { open, type FileHandle } from 'node:fs/promises';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig, type TransactionSettings } from 'kysely';

/** Resolves each `sync()` once a sync begun after the call has finished; callers meanwhile share one. */
export class GroupSync {
  private inflight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Syncs started (tests, metrics). */
  count = 0;

  constructor(private readonly syncOnce: () => Promise<void>) {}

  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.inflight) return this.begin();
    const settled = this.inflight.then(
      () => undefined,
      () => undefined,
    );
    this.queued = settled.then(() => {
      this.queued = undefined;
      return this.begin();
    });
    return this.queued;
  }

  private begin(): Promise<void> {
    this.count++;
    const run: Promise<void> = this.syncOnce().finally(() => {
      if (this.inflight === run) this.inflight = undefined;
    });
    this.inflight = run;
    return run;
  }
}

/** fdatasync of the WAL file; opened on first use (SQLite creates it with the first write). */
export function walFileSync(walPath: string): { sync: () => Promise<void>; close: () => Promise<void> } {
  let handle: Promise<FileHandle> | undefined;
  return {
    async sync() {
      handle ??= open(walPath, 'r');
      await (await handle).datasync();
    },
    async close() {
      if (handle) await (await handle).close().catch(() => undefined);
    },
  };
}

const TRANSACTION_CONTROL = /^\s*(begin|commit|end|rollback|savepoint|release)\b/i;

/** A SQLite dialect whose writes resolve only once `durable()` has run after them (see above). */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly durable: () => Promise<void>,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const inner = super.createDriver();
    const durable = this.durable;
    // SQLite has one connection, held by one user at a time (Kysely's mutex): a flag per acquisition suffices.
    let dirty = false;
    const wrap = (conn: DatabaseConnection): DatabaseConnection => ({
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const result = await conn.executeQuery<R>(query);
        if (result.numAffectedRows !== undefined && result.numAffectedRows > 0n && !TRANSACTION_CONTROL.test(query.sql)) dirty = true;
        return result;
      },
      streamQuery: (query, chunkSize) => conn.streamQuery(query, chunkSize),
    });
    const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const unwrap = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const outer = (conn: DatabaseConnection) => {
      let w = wrapped.get(conn);
      if (!w) {
        w = wrap(conn);
        wrapped.set(conn, w);
        unwrap.set(w, conn);
      }
      return w;
    };
    const innerOf = (conn: DatabaseConnection) => unwrap.get(conn) ?? conn;
    return {
      init: () => inner.init(),
      acquireConnection: async () => {
        const conn = await inner.acquireConnection();
        dirty = false;
        return outer(conn);
      },
      beginTransaction: (conn: DatabaseConnection, settings: TransactionSettings) => inner.beginTransaction(innerOf(conn), settings),
      commitTransaction: (conn: DatabaseConnection) => inner.commitTransaction(innerOf(conn)),
      rollbackTransaction: async (conn: DatabaseConnection) => {
        await inner.rollbackTransaction(innerOf(conn));
        dirty = false;
      },
      savepoint: inner.savepoint && ((conn, name, compile) => inner.savepoint!(innerOf(conn), name, compile)),
      rollbackToSavepoint: inner.rollbackToSavepoint && ((conn, name, compile) => inner.rollbackToSavepoint!(innerOf(conn), name, compile)),
      releaseSavepoint: inner.releaseSavepoint && ((conn, name, compile) => inner.releaseSavepoint!(innerOf(conn), name, compile)),
      // The connection goes back first (other queries run during the flush); the releaser waits for it.
      releaseConnection: async (conn: DatabaseConnection) => {
        const mustSync = dirty;
        dirty = false;
        await inner.releaseConnection(innerOf(conn));
        if (mustSync) await durable();
      },
      destroy: () => inner.destroy(),
    };
  }
}
