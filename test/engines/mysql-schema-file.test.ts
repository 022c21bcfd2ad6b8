// deploy/sql/schema.sql on a real MariaDB (a private server: free port, throwaway data dir): loaded into an
// empty database it gives the same tables, columns and indexes as echod's own migrations, and echod started
// on it applies no migration (the file records them as applied).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { migrateToLatest, openMysqlDatabase, type MysqlSettings } from '../../src/infra/db/index.js';
import { repoRoot } from '../support/echod.js';
import { PrivateMariadb } from './private-mariadb.js';

const server = await PrivateMariadb.create();
after(() => server.dispose());

/** Columns and indexes of every table, in a stable order. */
async function shape(s: MysqlSettings): Promise<{ columns: unknown[]; indexes: unknown[] }> {
  const c = await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database });
  try {
    const [columns] = await c.query(
      `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, COLLATION_NAME
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [s.database],
    );
    const [indexes] = await c.query(
      `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [s.database],
    );
    return { columns: columns as unknown[], indexes: indexes as unknown[] };
  } finally {
    await c.end();
  }
}

test('schema.sql creates what the migrations create, and echod then runs none of them', async () => {
  const byEchod = server.settings('by_echod');
  const fromFile = server.settings('from_file');
  const db = await openMysqlDatabase(byEchod);
  await db.close();

  const admin = await createConnection({ ...fromFile, database: undefined, multipleStatements: true });
  try {
    await admin.query('CREATE DATABASE from_file CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.query('USE from_file');
    await admin.query(readFileSync(join(repoRoot(), 'deploy/sql/schema.sql'), 'utf8'));
  } finally {
    await admin.end();
  }

  const expected = await shape(byEchod);
  assert.ok(expected.columns.length > 100, `echod created ${expected.columns.length} columns`);
  assert.deepEqual(await shape(fromFile), expected);

  const kysely = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ ...fromFile, connectionLimit: 2 }) }) });
  try {
    assert.deepEqual(await migrateToLatest(kysely, 'mysql'), [], 'no migration left to apply');
  } finally {
    await kysely.destroy();
  }
});
