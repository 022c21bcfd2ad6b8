// WAL checkpoints on their own thread: the main connection checkpoints only past the backstop, the thread's
// checkpoints copy every committed frame into the main file, and what was committed reads back after a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { BACKSTOP_CHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES, WalCheckpointer } from '../../../src/infra/db/wal-checkpointer.js';

function database() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-wal-'));
  const path = join(dir, 'test.db');
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table t (id integer primary key, body blob)');
  return { dir, path, db };
}

test('the main connection only checkpoints past the backstop; the thread moves every committed frame', async () => {
  const { dir, path, db } = database();
  // A long interval: only checkpointNow() runs on the thread here.
  const checkpointer = new WalCheckpointer(db, path, 3_600_000);
  try {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_CHECKPOINT_PAGES);
    assert.equal(db.pragma('journal_size_limit', { simple: true }), WAL_SIZE_LIMIT_BYTES);
    const insert = db.prepare('insert into t (body) values (?)');
    // 1,500 commits of about a page each: past SQLite's default threshold (1,000 pages), under the backstop.
    for (let i = 0; i < 1500; i++) insert.run(Buffer.alloc(3000, i % 256));
    const walBefore = statSync(`${path}-wal`).size;
    assert.ok(walBefore > 1000 * 4096, `the WAL grew past 1,000 pages (${walBefore} bytes): no checkpoint ran in a commit`);
    const result = await checkpointer.checkpointNow();
    assert.equal(result.busy, false);
    assert.ok(result.logFrames >= 1500);
    assert.equal(result.checkpointed, result.logFrames, 'every frame copied into the main file');
  } finally {
    await checkpointer.close();
    db.close();
  }
  const reopened = new BetterSqlite3(path, { readonly: true });
  assert.equal((reopened.prepare('select count(*) as n from t').get() as { n: number }).n, 1500);
  reopened.close();
  rmSync(dir, { recursive: true, force: true });
});
