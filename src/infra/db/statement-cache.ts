// Kysely's SQLite driver prepares every statement anew, and preparing costs as much as running a small
// query. This wrapper keeps prepared statements by SQL text (bounded, least recently used first out),
// so the hot queries of messaging are compiled by SQLite once.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept; queries with IN lists of varying length make new texts, hence the bound. */
const MAX_STATEMENTS = 2000;

export function withStatementCache(db: BetterSqlite3.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Re-insert: Map order is the LRU order.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt as unknown as SqliteStatement;
    },
  };
}
