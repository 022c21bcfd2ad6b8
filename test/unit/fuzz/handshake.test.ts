// Property-based fuzzing of the auth key handshake with a fixed seed (a long run: npm run fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSuite } from './harness.js';
import { handshakeTarget } from './handshake-target.js';

test('fuzz: a broken message at any handshake step fails cleanly, and correct handshakes still succeed', async () => {
  assert.ok((await runInSuite(handshakeTarget, 30)) > 0);
});
