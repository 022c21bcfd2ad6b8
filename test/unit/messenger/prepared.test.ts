import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/infra/db/index.js';
import { padToPowerOfTwo, param, powerOfTwoChunks, prepare, PreparedBySize } from '../../../src/infra/db/prepared.js';

test('a prepared statement binds arguments by marker, keeps its constants, and checks the argument count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-prepared-'));
  const db = await openDatabase(dir);
  try {
    const k = db.kysely;
    const insert = prepare(k.insertInto('update_state').values({ user_id: param(1), pts: param(0), seq: 7, date: param(0), last_message_id: 0 }));
    await k.executeQuery(insert.bind([5, 100n]));
    await k.executeQuery(insert.bind([6, 200n]));
    const select = prepare(k.selectFrom('update_state').select(['user_id', 'pts', 'seq', 'date']).where('user_id', '=', param(0)));
    const { rows } = await k.executeQuery(select.bind([200n]));
    assert.deepEqual(rows, [{ user_id: 200n, pts: 6n, seq: 7n, date: 6n }]);
    assert.throws(() => select.bind([]), /takes 1 arguments, got 0/);
    assert.throws(() => select.bind([1n, 2n]), /takes 1 arguments, got 2/);
    // One statement per size, compiled once.
    let builds = 0;
    const bySize = new PreparedBySize((n) => {
      builds++;
      return k.selectFrom('update_state').select('user_id').where('user_id', 'in', Array.from({ length: n }, (_, i) => param<bigint>(i)));
    });
    const ids = padToPowerOfTwo([100n, 200n, 300n]);
    const found = await k.executeQuery(bySize.get(ids.length).bind(ids));
    assert.deepEqual(found.rows.map((r) => r.user_id).sort(), [100n, 200n]);
    bySize.get(4);
    assert.equal(builds, 1);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('padding to a power of two repeats the last item; an empty list stays empty', () => {
  assert.deepEqual(padToPowerOfTwo([]), []);
  assert.deepEqual(padToPowerOfTwo([1]), [1]);
  assert.deepEqual(padToPowerOfTwo([1, 2, 3]), [1, 2, 3, 3]);
  assert.deepEqual(padToPowerOfTwo([1, 2, 3, 4]), [1, 2, 3, 4]);
  assert.equal(padToPowerOfTwo(Array.from({ length: 33 }, (_, i) => i)).length, 64);
});

test('insert chunks are powers of two, largest first, capped, and add up to the count', () => {
  assert.deepEqual(powerOfTwoChunks(0, 128), []);
  assert.deepEqual(powerOfTwoChunks(1, 128), [1]);
  assert.deepEqual(powerOfTwoChunks(7, 128), [4, 2, 1]);
  assert.deepEqual(powerOfTwoChunks(300, 128), [128, 128, 32, 8, 4]);
});
