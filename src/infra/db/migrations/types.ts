import { sql, type ColumnDataType, type Expression, type Kysely } from 'kysely';

type DataTypeExpression = ColumnDataType | Expression<unknown>;

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

/**
 * Binary column type. MySQL's BLOB holds 64 KB; LONGBLOB lifts that bound to what SQLite's blob takes, so a
 * row that fits one engine fits the other.
 */
export function blob(dialect: SqlDialect): DataTypeExpression {
  return dialect === 'sqlite' ? 'blob' : sql`longblob`;
}

/** Text column type: MySQL's TEXT holds 64 KB (of UTF-8); MEDIUMTEXT (16 MB) is never the tighter bound. */
export function text(dialect: SqlDialect): DataTypeExpression {
  return dialect === 'sqlite' ? 'text' : sql`mediumtext`;
}
