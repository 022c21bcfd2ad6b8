// Engine tests read the variables `scripts/engines.sh up` prints. A missing one fails the test (never a
// skip): CI must not go green without the engine it was meant to exercise.
import assert from 'node:assert/strict';

export function engineEnv<const N extends string>(...names: N[]): Record<N, string> {
  const missing = names.filter((n) => !process.env[n]);
  assert.equal(missing.length, 0, `engine test needs ${missing.join(', ')}: run eval "$(bash scripts/engines.sh up)" first`);
  return Object.fromEntries(names.map((n) => [n, process.env[n]!])) as Record<N, string>;
}
