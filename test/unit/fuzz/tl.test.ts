// Property-based fuzzing of the TL codec with a fixed seed (a long run: npm run fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SUITE_SEED, runInSuite } from './harness.js';
import { arbitraryOf, checkRoundTrip, servedDefs, tlMutations, tlNoise } from './tl-target.js';

test('fuzz: random values of every constructor and method of every served layer round-trip', () => {
  const defs = servedDefs();
  assert.ok(defs.length > 2500, `only ${defs.length} definitions`);
  for (const s of defs) {
    fc.assert(
      fc.property(arbitraryOf(s), (obj) => {
        checkRoundTrip(s, obj);
      }),
      { seed: SUITE_SEED, numRuns: 1 },
    );
  }
});

test('fuzz: mutated encodings decode or throw TlError, and decoded objects encode again', async () => {
  assert.ok((await runInSuite(tlMutations, 4000)) > 0);
});

test('fuzz: noise after a real constructor id decodes or throws TlError', async () => {
  assert.ok((await runInSuite(tlNoise, 3000)) > 0);
});
