// Property-based fuzzing of the encrypted session layer with a fixed seed (a long run: npm run fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSuite } from './harness.js';
import { sessionTarget } from './session-target.js';

test('fuzz: random decrypted payloads get answers, bad_msg_notification or a close, never an exception', async () => {
  assert.ok((await runInSuite(sessionTarget, 300)) > 0);
});
