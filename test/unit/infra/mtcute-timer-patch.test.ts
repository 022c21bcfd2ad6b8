// The e2e tests run mtcute 0.30.3 with one patch (patches/, applied by `npm ci`), the change mtcute 0.31 made
// to its EarlyTimer: emitBefore() with a deadline already past called its handler synchronously. The updates
// manager re-arms that timer for a gap-postponed update while its loop is running, and clears the "timer fired"
// flag later in the same turn, so a deadline missed by a fraction of a millisecond (under load) left the update
// postponed until some other update arrived: a client that never shows an update Echo sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EarlyTimer } from '@mtcute/core/utils.js';

test('mtcute EarlyTimer: a deadline already past fires on the next turn, never inside emitBefore', async () => {
  const timer = new EarlyTimer();
  let fired = 0;
  const done = new Promise<void>((resolve) => timer.onTimeout(() => (fired++, resolve())));
  timer.emitBefore(performance.now() - 1);
  assert.equal(fired, 0, 'not called synchronously');
  await done;
  assert.equal(fired, 1);
});
