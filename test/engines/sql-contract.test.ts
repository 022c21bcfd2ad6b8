// The SQL storage contract on SQLite and on MySQL/MariaDB, and the schema both get from the one set of migrations.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { openDatabase, openMysqlDatabase, type Database } from '../../src/infra/db/index.js';
import { sqlContract } from '../support/sql-contract.js';
import { ScratchDatabases } from './mysql-env.js';

const dirs: string[] = [];
const scratch = new ScratchDatabases();
after(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await scratch.dropAll();
});
const openSqlite = () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-sql-contract-'));
  dirs.push(dir);
  return openDatabase(dir);
};

sqlContract('SQLite', openSqlite);
sqlContract('MySQL', () => openMysqlDatabase(scratch.next()));

/** Each table's columns: name, nullability and the kind of value (integer, text, binary). */
async function schemaOf(db: Database): Promise<Record<string, string[]>> {
  const kind = (type: string) => (/int/i.test(type) ? 'integer' : /blob|binary/i.test(type) ? 'binary' : /char|text/i.test(type) ? 'text' : type);
  const tables = await db.kysely.introspection.getTables();
  // SQLite lets a primary key column hold NULL unless declared NOT NULL (a documented quirk it keeps for
  // compatibility) and reports it nullable; MySQL makes every key column NOT NULL. Compare keys as not null.
  const primaryKey = (table: string, column: string) =>
    db.sqlite !== undefined && (db.sqlite.pragma(`table_info(${table})`) as { name: string; pk: number }[]).some((c) => c.name === column && c.pk > 0);
  return Object.fromEntries(
    tables
      .map((t) => [t.name, t.columns.map((c) => `${c.name} ${kind(c.dataType)}${c.isNullable && !primaryKey(t.name, c.name) ? ' null' : ''}`).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

test('one migration source gives SQLite and MySQL the same tables and columns', async () => {
  const sqlite = await openSqlite();
  const mysql = await openMysqlDatabase(scratch.next());
  try {
    const [a, b] = [await schemaOf(sqlite), await schemaOf(mysql)];
    assert.ok(Object.keys(a).length >= 25, `the full schema (${Object.keys(a).length} tables)`);
    assert.deepEqual(b, a);
  } finally {
    await sqlite.close();
    await mysql.close();
  }
});

test('DB_READ_HOSTS: lag-tolerant reads go to the replicas, writes and everything else to the primary', async () => {
  const settings = scratch.next();
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const deadPort = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  // A replica nobody answers on: what is routed there fails, what is not keeps working.
  const db = await openMysqlDatabase({ ...settings, readHosts: [{ host: '127.0.0.1', port: deadPort }] });
  try {
    assert.notEqual(db.reader, db.kysely);
    await db.kysely.insertInto('id_sequences').values({ name: 'primary', value: 1n }).execute();
    assert.equal((await db.kysely.selectFrom('id_sequences').select('value').where('name', '=', 'primary').executeTakeFirst())?.value, 1n);
    await assert.rejects(db.reader.selectFrom('id_sequences').select('value').execute(), /ECONNREFUSED|connect/);
  } finally {
    await db.close();
  }
  // Without replicas the reader is the primary itself.
  const plain = await openMysqlDatabase(settings);
  try {
    assert.equal(plain.reader, plain.kysely);
  } finally {
    await plain.close();
  }
});
