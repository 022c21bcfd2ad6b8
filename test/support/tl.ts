// Narrowing a TL answer in a test: asserts the constructor a user would get, then reads it as that type.
import assert from 'node:assert/strict';

/** Asserts `obj` is the `predicate` constructor and returns it typed as that constructor. */
export function expectTl<T extends { _: string }, P extends T['_']>(obj: T | undefined, predicate: P): Extract<T, { _: P }> {
  assert.equal(obj?._, predicate);
  return obj as Extract<T, { _: P }>;
}
