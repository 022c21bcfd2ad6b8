// Property-based fuzzing of the transport codecs with a fixed seed (a long run: npm run fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSuite } from './harness.js';
import { transportGarbage, transportRoundTrip } from './transport-target.js';

test('fuzz: every framing round-trips client and server frames however TCP cuts the stream', async () => {
  assert.ok((await runInSuite(transportRoundTrip, 400)) > 0);
});

test('fuzz: arbitrary and mutated streams give frames or a TransportError, never another exception', async () => {
  assert.ok((await runInSuite(transportGarbage, 3000)) > 0);
});
