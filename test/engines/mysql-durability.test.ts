// ECHO_DURABILITY=full on MySQL: echod cannot make InnoDB sync its log, so it reads the server's settings at
// start and warns once when a commit would not survive a power loss. A MariaDB of the test's own, whose global
// settings the test may change without disturbing other tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import { openMysqlDatabase } from '../../src/infra/db/index.js';
import { PrivateMariadb } from './private-mariadb.js';

let mariadb: PrivateMariadb;

before(async () => {
  mariadb = await PrivateMariadb.create();
});

after(async () => {
  await mariadb?.dispose();
});

async function setFlush(value: number): Promise<void> {
  const conn = await createConnection({ socketPath: mariadb.socket, user: 'root' });
  try {
    await conn.query(`SET GLOBAL innodb_flush_log_at_trx_commit = ${value}`);
  } finally {
    await conn.end();
  }
}

/** Opens (and closes) the database; returns the warnings echod would log. */
async function warningsOnOpen(durability: 'full' | 'process'): Promise<{ message: string; details: Record<string, unknown> }[]> {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  const db = await openMysqlDatabase(mariadb.settings('echo_durability'), { durability, warn: (message, details) => warnings.push({ message, details }) });
  await db.close();
  return warnings;
}

test('a server that flushes InnoDB at every commit draws no warning', async () => {
  await setFlush(1);
  assert.deepEqual(await warningsOnOpen('full'), []);
});

test('innodb_flush_log_at_trx_commit=2 draws one warning naming the setting, under durability full only', async () => {
  await setFlush(2);
  try {
    const warnings = await warningsOnOpen('full');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^MySQL runs with innodb_flush_log_at_trx_commit=2 \(want 1\): an acknowledged message may be lost on a power loss/);
    assert.equal(warnings[0]!.details.innodbFlushLogAtTrxCommit, 2);
    // The operator chose process-crash durability: the weaker server setting is what they asked for.
    assert.deepEqual(await warningsOnOpen('process'), []);
  } finally {
    await setFlush(1);
  }
});
