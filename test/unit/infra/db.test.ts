import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { MIGRATIONS, openDatabase, weakMysqlDurability, type ClientInfo, type Database } from '../../../src/infra/db/index.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-db-'));
  dirs.push(dir);
  return dir;
}

async function withDb(fn: (db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase(tempDir());
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

const key = (fill: number) => Buffer.alloc(256, fill);
const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

const info = (overrides: Partial<ClientInfo> = {}): ClientInfo => ({
  layer: 198,
  apiId: 12345,
  deviceModel: 'Pixel 8',
  systemVersion: 'Android 15',
  appVersion: '11.0',
  systemLangCode: 'en-US',
  langPack: 'android',
  langCode: 'en',
  ip: '127.0.0.1',
  updatedAt: 1_700_000_000,
  ...overrides,
});

test('openDatabase creates <dataDir>/echo.db in WAL mode, the data dir 0700', async () => {
  const parent = tempDir();
  const dataDir = join(parent, 'nested', 'data');
  const db = await openDatabase(dataDir);
  try {
    assert.equal(db.path, join(dataDir, 'echo.db'));
    assert.ok(existsSync(db.path));
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    await db.authKeys.create({ id: 1n, key: key(1), kind: 'perm', createdAt: 1 });
    for (const file of ['echo.db', 'echo.db-wal', 'echo.db-shm'])
      assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, `${file} is private`);
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
    assert.equal(rows[0]?.journal_mode, 'wal');
    const fk = await sql<{ foreign_keys: bigint }>`pragma foreign_keys`.execute(db.kysely);
    assert.equal(fk.rows[0]?.foreign_keys, 1n);
  } finally {
    await db.close();
  }
});

async function synchronousOf(db: Database): Promise<bigint | undefined> {
  const { rows } = await sql<{ synchronous: bigint }>`pragma synchronous`.execute(db.kysely);
  return rows[0]?.synchronous;
}

test('durability full (the default) runs SQLite with synchronous=FULL, process with NORMAL', async () => {
  // SQLite reports the level as a number: 1 NORMAL, 2 FULL.
  for (const [durability, expected] of [[undefined, 2n], ['full', 2n], ['process', 1n]] as const) {
    const db = await openDatabase(tempDir(), durability ? { durability } : {});
    try {
      assert.equal(await synchronousOf(db), expected, `durability ${durability ?? '(default)'}`);
    } finally {
      await db.close();
    }
  }
});

test('reopening a database in another durability mode applies that mode', async () => {
  const dataDir = tempDir();
  const fast = await openDatabase(dataDir, { durability: 'process' });
  await fast.authKeys.create({ id: 7n, key: key(7), kind: 'perm', createdAt: 1 });
  await fast.close();
  const safe = await openDatabase(dataDir, { durability: 'full' });
  try {
    assert.equal(await synchronousOf(safe), 2n);
    assert.deepEqual((await safe.authKeys.get(7n))?.key, key(7));
  } finally {
    await safe.close();
  }
});

test('MySQL settings weaker than durability full are named; durable ones are not', () => {
  const durable = { innodbFlushLogAtTrxCommit: 1, logBin: false, syncBinlog: 0 };
  assert.equal(weakMysqlDurability(durable), null);
  assert.equal(weakMysqlDurability({ ...durable, innodbFlushLogAtTrxCommit: 3 }), null, "MariaDB's 3 also syncs at commit");
  assert.equal(weakMysqlDurability({ ...durable, logBin: true, syncBinlog: 1 }), null);
  assert.equal(weakMysqlDurability({ ...durable, innodbFlushLogAtTrxCommit: 2 }), 'innodb_flush_log_at_trx_commit=2 (want 1)');
  assert.equal(weakMysqlDurability({ ...durable, innodbFlushLogAtTrxCommit: 0 }), 'innodb_flush_log_at_trx_commit=0 (want 1)');
  assert.equal(
    weakMysqlDurability({ innodbFlushLogAtTrxCommit: 2, logBin: true, syncBinlog: 0 }),
    'innodb_flush_log_at_trx_commit=2 (want 1), sync_binlog=0 with the binary log on (want 1)',
  );
});

test('migrations run once: reopening applies nothing new and keeps the data', async () => {
  const dataDir = tempDir();
  const first = await openDatabase(dataDir);
  await first.authKeys.create({ id: MIN_LONG, key: key(1), kind: 'perm', createdAt: 100 });
  await first.close();
  await first.close(); // closing twice is harmless

  const second = await openDatabase(dataDir);
  try {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.kysely);
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      Object.keys(MIGRATIONS),
    );
    assert.deepEqual((await second.authKeys.get(MIN_LONG))?.key, key(1));
  } finally {
    await second.close();
  }
});

test('migration names are unique and in order', () => {
  const names = Object.keys(MIGRATIONS);
  assert.deepEqual([...names].sort(), names);
  assert.ok(names.every((n) => /^\d{4}_[a-z0-9_]+$/.test(n)));
});

test('auth keys round-trip with ids over the whole signed 64-bit range', () =>
  withDb(async ({ authKeys }) => {
    const ids = [MIN_LONG, -1n, 0n, 1n, MAX_LONG, -0x1234_5678_9abc_def0n];
    for (const [i, id] of ids.entries()) await authKeys.create({ id, key: key(i), kind: 'perm', createdAt: 1000 + i });
    for (const [i, id] of ids.entries()) {
      assert.deepEqual(await authKeys.get(id), {
        id,
        key: key(i),
        kind: 'perm',
        createdAt: 1000 + i,
        expiresAt: null,
        permAuthKeyId: null,
        userId: null,
      });
    }
    assert.equal(await authKeys.get(2n), undefined);
  }));

test('create rejects a duplicate id, a key that is not 256 bytes, and inconsistent expiry', () =>
  withDb(async ({ authKeys }) => {
    await authKeys.create({ id: 7n, key: key(7), kind: 'perm', createdAt: 1 });
    await assert.rejects(authKeys.create({ id: 7n, key: key(8), kind: 'perm', createdAt: 2 }));
    assert.deepEqual((await authKeys.get(7n))?.key, key(7), 'the first key is kept');
    await assert.rejects(authKeys.create({ id: 8n, key: Buffer.alloc(255), kind: 'perm', createdAt: 1 }), RangeError);
    await assert.rejects(authKeys.create({ id: 9n, key: key(9), kind: 'temp', createdAt: 1 }), RangeError);
    await assert.rejects(authKeys.create({ id: 10n, key: key(10), kind: 'perm', createdAt: 1, expiresAt: 5 }), RangeError);
    assert.equal(await authKeys.get(8n), undefined);
  }));

test('temp keys bind to perm keys', () =>
  withDb(async ({ authKeys }) => {
    const perm = -0x7000_0000_0000_0001n;
    const temp = -5n;
    await authKeys.create({ id: perm, key: key(1), kind: 'perm', createdAt: 10 });
    await authKeys.create({ id: temp, key: key(2), kind: 'temp', createdAt: 10, expiresAt: 100 });
    assert.equal(await authKeys.getPermFor(temp), undefined, 'unbound');

    assert.equal(await authKeys.bindTemp(temp, perm, 200), true);
    const stored = await authKeys.get(temp);
    assert.equal(stored?.permAuthKeyId, perm);
    assert.equal(stored?.expiresAt, 200);
    assert.equal((await authKeys.getPermFor(temp))?.id, perm);
    assert.deepEqual((await authKeys.getPermFor(temp))?.key, key(1));

    // Wrong kinds and unknown ids do nothing.
    await authKeys.create({ id: 6n, key: key(3), kind: 'temp', createdAt: 10, expiresAt: 100 });
    assert.equal(await authKeys.bindTemp(6n, temp, 300), false, 'a temp key cannot be the perm key');
    assert.equal(await authKeys.bindTemp(perm, perm, 300), false, 'a perm key cannot be bound');
    assert.equal(await authKeys.bindTemp(6n, 999n, 300), false, 'unknown perm key');
    assert.equal(await authKeys.bindTemp(999n, perm, 300), false, 'unknown temp key');
    assert.equal((await authKeys.get(6n))?.permAuthKeyId, null);
    assert.equal(await authKeys.getPermFor(perm), undefined, 'a perm key has no perm key');
    assert.equal(await authKeys.getPermFor(999n), undefined);
  }));

test('client info is saved, replaced, read back, and cut to the column widths', () =>
  withDb(async ({ authKeys }) => {
    const id = MIN_LONG + 1n;
    await authKeys.create({ id, key: key(1), kind: 'perm', createdAt: 1 });
    assert.equal(await authKeys.getClientInfo(id), undefined);

    await authKeys.saveClientInfo(id, info());
    assert.deepEqual(await authKeys.getClientInfo(id), info());

    const replaced = info({ layer: 227, deviceModel: 'x'.repeat(300), langPack: null, ip: '::1', updatedAt: 1_700_000_100 });
    await authKeys.saveClientInfo(id, replaced);
    assert.deepEqual(await authKeys.getClientInfo(id), { ...replaced, deviceModel: 'x'.repeat(255) });

    // A cut never splits a character made of two UTF-16 units.
    await authKeys.saveClientInfo(id, info({ langCode: '😀'.repeat(40) }));
    assert.equal((await authKeys.getClientInfo(id))?.langCode, '😀'.repeat(32));
  }));

test('client info for an unknown key is refused', () =>
  withDb(async ({ authKeys }) => {
    await assert.rejects(authKeys.saveClientInfo(42n, info()));
    assert.equal(await authKeys.getClientInfo(42n), undefined);
  }));

test('delete removes a key and its client info; temp keys bound to it lose the binding', () =>
  withDb(async ({ authKeys }) => {
    await authKeys.create({ id: 1n, key: key(1), kind: 'perm', createdAt: 1 });
    await authKeys.create({ id: 2n, key: key(2), kind: 'temp', createdAt: 1, expiresAt: 100 });
    await authKeys.bindTemp(2n, 1n, 100);
    await authKeys.saveClientInfo(1n, info());

    assert.equal(await authKeys.delete(1n), true);
    assert.equal(await authKeys.get(1n), undefined);
    assert.equal(await authKeys.getClientInfo(1n), undefined);
    assert.equal((await authKeys.get(2n))?.permAuthKeyId, null);
    assert.equal(await authKeys.getPermFor(2n), undefined);
    assert.equal(await authKeys.delete(1n), false, 'already gone');
    assert.equal(await authKeys.delete(12345n), false, 'never existed');
  }));

test('deleteExpired removes temp keys at or past their expiry, with their client info, and nothing else', () =>
  withDb(async ({ authKeys }) => {
    await authKeys.create({ id: -1n, key: key(1), kind: 'perm', createdAt: 1 });
    await authKeys.create({ id: -2n, key: key(2), kind: 'temp', createdAt: 1, expiresAt: 99 });
    await authKeys.create({ id: -3n, key: key(3), kind: 'temp', createdAt: 1, expiresAt: 100 });
    await authKeys.create({ id: -4n, key: key(4), kind: 'temp', createdAt: 1, expiresAt: 101 });
    await authKeys.saveClientInfo(-2n, info());
    await authKeys.saveClientInfo(-4n, info());

    assert.equal(await authKeys.deleteExpired(100), 2);
    assert.ok(await authKeys.get(-1n));
    assert.equal(await authKeys.get(-2n), undefined);
    assert.equal(await authKeys.get(-3n), undefined);
    assert.equal(await authKeys.getClientInfo(-2n), undefined);
    assert.ok(await authKeys.get(-4n));
    assert.ok(await authKeys.getClientInfo(-4n));
    assert.equal(await authKeys.deleteExpired(100), 0);
  }));

test('opening a file that is not a database fails with a clear message', async () => {
  const dataDir = tempDir();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dataDir, 'echo.db'), 'this is not sqlite'.repeat(100));
  await assert.rejects(openDatabase(dataDir), (err: Error) => {
    assert.match(err.message, /echo\.db/);
    assert.match(err.message, /not a database/);
    return true;
  });
});

test('an auth key lookup is a single rowid search (auth_key_id is the SQLite rowid)', () =>
  withDb(async (db) => {
    const plan = await sql<{ detail: string }>`explain query plan select * from auth_keys where auth_key_id = ${-1n}`.execute(db.kysely);
    assert.deepEqual(
      plan.rows.map((r) => r.detail),
      ['SEARCH auth_keys USING INTEGER PRIMARY KEY (rowid=?)'],
    );
  }));

test('message_boxes_saved covers only copies with a saved peer, and both Saved Messages query shapes can use it', () =>
  withDb(async (db) => {
    const index = await sql<{ sql: string }>`select sql from sqlite_master where name = 'message_boxes_saved'`.execute(db.kysely);
    assert.match(index.rows[0]!.sql, /where\s+"?saved_peer_id"?\s+is not null/i);
    // INDEXED BY fails ("no query solution") when the WHERE clause does not imply the index's condition.
    const byPeer = sql`select id from message_boxes indexed by message_boxes_saved where owner_id = ${1n} and peer_type = 1 and peer_id = ${1n} and saved_peer_type = 1 and saved_peer_id = ${2n} order by id desc`;
    const grouped = sql`select saved_peer_type, saved_peer_id, max(id) from message_boxes indexed by message_boxes_saved where owner_id = ${1n} and peer_type = 1 and peer_id = ${1n} and saved_peer_id is not null group by saved_peer_type, saved_peer_id`;
    await byPeer.execute(db.kysely);
    await grouped.execute(db.kysely);
    await assert.rejects(sql`select id from message_boxes indexed by message_boxes_saved where owner_id = ${1n}`.execute(db.kysely), /no query solution/);
  }));
