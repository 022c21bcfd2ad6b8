import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from '../../../src/infra/db/statement-cache.js';

test('statements are prepared once per SQL text, and the least recently used one leaves first', () => {
  const db = new BetterSqlite3(':memory:');
  const cached = withStatementCache(db, 2);
  const a = cached.prepare('select 1 as v');
  assert.equal(cached.prepare('select 1 as v'), a, 'same text, same statement');
  const b = cached.prepare('select 2 as v');
  cached.prepare('select 1 as v'); // a is now the most recently used
  cached.prepare('select 3 as v'); // evicts b
  assert.equal(cached.prepare('select 1 as v'), a);
  assert.notEqual(cached.prepare('select 2 as v'), b, 'evicted text is prepared again');
  assert.deepEqual(a.all([]), [{ v: 1 }]);
  cached.close();
});
