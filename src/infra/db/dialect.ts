// The few places where SQLite and MySQL need different SQL, in one module. Everything else is written once
// with the query builder, which each engine's Kysely compiles to its own SQL.
import { MysqlAdapter, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { SqlDialect } from './migrations/types.js';

/** The engine behind a Kysely instance (or a transaction of it). */
export function dialectOf(db: Kysely<any>): SqlDialect {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'sqlite';
}

/**
 * The select, locking the rows it reads until the transaction ends. SQLite has a single writer, so a
 * read-then-write in one transaction is already safe there (and SQLite has no FOR UPDATE); on MySQL,
 * transactions run side by side and the read must lock what the write will change.
 */
export function lockingRead<DB, TB extends keyof DB, O>(qb: SelectQueryBuilder<DB, TB, O>, dialect: SqlDialect): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'mysql' ? qb.forUpdate() : qb;
}

/** MySQL error numbers that mean the statement lost a race and the whole transaction may be run again. */
const RETRYABLE_MYSQL_ERRORS = new Set([
  1213, // ER_LOCK_DEADLOCK
  1205, // ER_LOCK_WAIT_TIMEOUT
]);

/** A MySQL deadlock or lock wait timeout: the transaction was rolled back and may be retried as a whole. */
export function isTransientConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE_MYSQL_ERRORS.has((err as { errno?: number }).errno ?? -1);
}

/** A unique key (primary or secondary) refused an insert: SQLite's SQLITE_CONSTRAINT_* or MySQL's ER_DUP_ENTRY. */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: string; errno?: number };
  return e.errno === 1062 || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Attempts of a transaction that keeps losing lock races before its error reaches the caller. */
const CONFLICT_ATTEMPTS = 3;

/**
 * Runs `transaction` again when MySQL rolled it back for a deadlock or a lock wait timeout (never on
 * SQLite, whose single writer has neither). `transaction` must be a whole transaction: nothing of a
 * rolled-back attempt remains, so running it again is safe.
 */
export async function retryOnConflict<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (attempt >= CONFLICT_ATTEMPTS || !isTransientConflict(err)) throw err;
    }
  }
}
