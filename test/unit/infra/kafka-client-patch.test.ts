// Echo runs @platformatic/kafka 1.35 (2.x needs Node 22) with one patch (patches/, applied by `npm ci`): when a
// group coordinator or partition leader is missing from stale metadata (seen after a broker froze and resumed),
// 1.35 dereferenced the missing broker inside a callback and the TypeError killed echod. Patched, the connection
// pool answers a retryable error that makes the client refresh its metadata.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionPool } from '@platformatic/kafka';

test('a broker missing from the metadata is a retryable error of the connection pool, not a crash', async () => {
  const pool = new ConnectionPool('echo-test');
  try {
    const err = await new Promise<unknown>((resolve) => {
      pool.get(undefined as never, (error) => resolve(error));
    });
    assert.ok(err instanceof Error, 'the callback got an error');
    assert.match(err.message, /broker is not available in the current cluster metadata/);
    const e = err as Error & { canRetry?: boolean; hasStaleMetadata?: boolean };
    assert.equal(e.canRetry, true);
    assert.equal(e.hasStaleMetadata, true);
  } finally {
    await pool.close();
  }
});
