// GroupSync: a caller is released only by a sync that began after it asked, and callers arriving while a
// sync runs share the next one (one flush for a whole turn of commits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupSync } from '../../../src/infra/db/wal-sync.js';

/** A sync whose end the test decides. */
function controlledSync() {
  const runs: { finish: (err?: Error) => void }[] = [];
  const syncOnce = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { runs, syncOnce };
}

const settledFlag = (p: Promise<unknown>) => {
  const state = { settled: false, error: undefined as unknown };
  p.then(
    () => (state.settled = true),
    (err) => {
      state.settled = true;
      state.error = err;
    },
  );
  return state;
};

const turn = () => new Promise((r) => setImmediate(r));

test('GroupSync: callers during a running sync wait for the next one, which they share', async () => {
  const { runs, syncOnce } = controlledSync();
  const group = new GroupSync(syncOnce);
  const first = settledFlag(group.sync());
  assert.equal(runs.length, 1);
  // Committed while the first sync runs: that sync may have started before their writes.
  const second = settledFlag(group.sync());
  const third = settledFlag(group.sync());
  await turn();
  assert.equal(runs.length, 1, 'no second sync while one runs');
  runs[0]!.finish();
  await turn();
  assert.equal(first.settled, true);
  assert.equal(second.settled, false, 'the first sync does not release a later caller');
  assert.equal(third.settled, false);
  assert.equal(runs.length, 2, 'one sync for both later callers');
  runs[1]!.finish();
  await turn();
  assert.equal(second.settled && third.settled, true);
  assert.equal(group.count, 2);
  // Idle again: a new caller starts a sync at once.
  void group.sync();
  assert.equal(runs.length, 3);
  runs[2]!.finish();
});

test('GroupSync: a failed sync fails its callers, and the next callers get a fresh sync', async () => {
  const { runs, syncOnce } = controlledSync();
  const group = new GroupSync(syncOnce);
  const first = settledFlag(group.sync());
  const waiting = settledFlag(group.sync());
  runs[0]!.finish(new Error('EIO'));
  await turn();
  assert.match(String(first.error), /EIO/);
  assert.equal(waiting.settled, false, 'a caller queued behind a failed sync waits for its own');
  runs[1]!.finish();
  await turn();
  assert.equal(waiting.settled, true);
  assert.equal(waiting.error, undefined);
});
