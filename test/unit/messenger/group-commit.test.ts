import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit, type Outcome } from '../../../src/messenger/group-commit.js';

/** A scheduler run by hand: each call to turn() is "the end of the current event-loop turn". */
function manualTurns() {
  let pending: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void pending.push(fn),
    turn() {
      const fns = pending;
      pending = [];
      for (const fn of fns) fn();
    },
    get scheduled() {
      return pending.length;
    },
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every already-settled promise callback run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Records each settlement of `p` into `log` as `name:value` or `name!error`. */
function track<T>(log: string[], name: string, p: Promise<T>): void {
  p.then(
    (v) => log.push(`${name}:${String(v)}`),
    (e: Error) => log.push(`${name}!${e.message}`),
  );
}

test('jobs of one turn run as one batch, in order, and none is answered before the batch commits', async () => {
  const turns = manualTurns();
  const batches: string[][] = [];
  const commit = deferred<void>();
  const gc = new GroupCommit<string, string>(
    async (jobs) => {
      batches.push([...jobs]);
      await commit.promise;
      return jobs.map((j) => ({ ok: true, value: j.toUpperCase() }));
    },
    { schedule: turns.schedule },
  );
  const log: string[] = [];
  track(log, 'a', gc.submit('a'));
  track(log, 'b', gc.submit('b'));
  track(log, 'c', gc.submit('c'));
  assert.equal(turns.scheduled, 1, 'one drain per turn');
  await settle();
  assert.deepEqual(batches, [], 'nothing runs before the turn ends');
  turns.turn();
  await settle();
  assert.deepEqual(batches, [['a', 'b', 'c']]);
  assert.deepEqual(log, [], 'not acknowledged before the commit');
  commit.resolve();
  await settle();
  assert.deepEqual(log, ['a:A', 'b:B', 'c:C']);
});

test('a job refused inside the batch fails alone; the others get their values', async () => {
  const turns = manualTurns();
  const gc = new GroupCommit<number, number>(
    async (jobs) => jobs.map((n): Outcome<number> => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n * 2 })),
    { schedule: turns.schedule },
  );
  const log: string[] = [];
  track(log, 'x', gc.submit(1));
  track(log, 'y', gc.submit(-1));
  track(log, 'z', gc.submit(3));
  turns.turn();
  await settle();
  assert.deepEqual(log, ['x:2', 'y!bad -1', 'z:6']);
});

test('a failed batch (commit error) fails every job in it, and the next batch still runs', async () => {
  const turns = manualTurns();
  let calls = 0;
  const gc = new GroupCommit<string, string>(
    async (jobs) => {
      if (calls++ === 0) throw new Error('disk full');
      return jobs.map((j) => ({ ok: true, value: j }));
    },
    { schedule: turns.schedule },
  );
  const log: string[] = [];
  track(log, 'a', gc.submit('a'));
  track(log, 'b', gc.submit('b'));
  turns.turn();
  await settle();
  assert.deepEqual(log, ['a!disk full', 'b!disk full']);
  track(log, 'c', gc.submit('c'));
  turns.turn();
  await settle();
  assert.deepEqual(log.slice(2), ['c:c']);
});

test('a runner that loses track of jobs fails the batch instead of answering the wrong ones', async () => {
  const turns = manualTurns();
  const gc = new GroupCommit<string, string>(async () => [{ ok: true, value: 'only one' }], { schedule: turns.schedule });
  const log: string[] = [];
  track(log, 'a', gc.submit('a'));
  track(log, 'b', gc.submit('b'));
  turns.turn();
  await settle();
  assert.deepEqual(log, ['a!batch of 2 jobs returned 1 outcomes', 'b!batch of 2 jobs returned 1 outcomes']);
});

test('jobs arriving while a batch runs form the next batch, started only after the running one settles', async () => {
  const turns = manualTurns();
  const batches: string[][] = [];
  const commits = [deferred<void>(), deferred<void>()];
  const gc = new GroupCommit<string, string>(
    async (jobs) => {
      const n = batches.push([...jobs]);
      await commits[n - 1]!.promise;
      return jobs.map((j) => ({ ok: true, value: j }));
    },
    { schedule: turns.schedule },
  );
  const log: string[] = [];
  track(log, 'a', gc.submit('a'));
  turns.turn();
  await settle();
  track(log, 'b', gc.submit('b'));
  track(log, 'c', gc.submit('c'));
  assert.equal(turns.scheduled, 0, 'the running drain picks them up');
  await settle();
  assert.deepEqual(batches, [['a']], 'the second batch waits for the first');
  commits[0]!.resolve();
  await settle();
  assert.deepEqual(batches, [['a'], ['b', 'c']]);
  assert.deepEqual(log, ['a:a']);
  commits[1]!.resolve();
  await settle();
  assert.deepEqual(log, ['a:a', 'b:b', 'c:c']);
  // Idle again: the next job schedules a fresh drain.
  track(log, 'd', gc.submit('d'));
  assert.equal(turns.scheduled, 1);
});

test('maxBatch bounds a transaction; a full batch commits at once, the rest at the end of the turn, in order', async () => {
  const turns = manualTurns();
  const batches: number[][] = [];
  const gc = new GroupCommit<number, number>(
    async (jobs) => {
      batches.push([...jobs]);
      return jobs.map((j) => ({ ok: true, value: j }));
    },
    { schedule: turns.schedule, maxBatch: 2 },
  );
  const done = [1, 2, 3, 4, 5].map((n) => gc.submit(n));
  // [1, 2] started as soon as it was full; 3, 4 and 5 arrived while it ran and follow it.
  assert.deepEqual(batches, [[1, 2]]);
  assert.deepEqual(await Promise.all(done), [1, 2, 3, 4, 5]);
  assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  // The drain scheduled by job 1 finds nothing left.
  turns.turn();
  await settle();
  assert.equal(batches.length, 3);
});

test('with a window, a batch starts no sooner than the window after the previous one; a quiet store commits at once', async () => {
  const turns = manualTurns();
  let clock = 0;
  const timers: { fn: () => void; ms: number }[] = [];
  const batches: string[][] = [];
  const gc = new GroupCommit<string, string>(
    async (jobs) => {
      batches.push([...jobs]);
      return jobs.map((j) => ({ ok: true, value: j }));
    },
    { schedule: turns.schedule, windowMs: 5, now: () => clock, after: (fn, ms) => void timers.push({ fn, ms }) },
  );
  const log: string[] = [];
  track(log, 'a', gc.submit('a'));
  assert.equal(turns.scheduled, 1, 'the first batch waits only for the end of the turn');
  turns.turn();
  await settle();
  assert.deepEqual(batches, [['a']]);

  clock = 1;
  track(log, 'b', gc.submit('b'));
  clock = 3;
  track(log, 'c', gc.submit('c'));
  assert.equal(turns.scheduled, 0);
  assert.deepEqual(timers.map((t) => t.ms), [4], 'one wait, until 5 ms after the first batch started');
  await settle();
  assert.deepEqual(batches, [['a']], 'nothing starts inside the window');
  clock = 5;
  timers.shift()!.fn();
  await settle();
  assert.deepEqual(batches, [['a'], ['b', 'c']], 'the sends of the window share one batch');

  clock = 40;
  track(log, 'd', gc.submit('d'));
  assert.equal(timers.length, 0);
  assert.equal(turns.scheduled, 1, 'after a quiet spell the next batch waits only for the end of the turn');
  turns.turn();
  await settle();
  assert.deepEqual(log, ['a:a', 'b:b', 'c:c', 'd:d']);
});
