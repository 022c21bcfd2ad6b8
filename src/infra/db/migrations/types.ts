import type { Kysely } from 'kysely';

/** The SQL engines the migrations know; a migration may pick a column type per engine, nothing more. */
export type SqlDialect = 'sqlite' | 'mysql';

export interface EchoMigration {
  up(db: Kysely<any>, dialect: SqlDialect): Promise<void>;
  down?(db: Kysely<any>, dialect: SqlDialect): Promise<void>;
}

/**
 * A 64-bit integer key. On SQLite `INTEGER PRIMARY KEY` makes the column the rowid itself (signed 64-bit),
 * so a lookup is one B-tree search instead of an index search plus a table search.
 */
export function int64Key(dialect: SqlDialect): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}
