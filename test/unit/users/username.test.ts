import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidUsername, normalizeUsernameQuery } from '../../../src/service/users/username.js';

const valid = ['alice', 'Alice_Smith', 'a1234', 'abcde', 'a'.repeat(32), 'bob_2_go', 'ZZZZZ'];
const invalid: Array<[string, string]> = [
  ['', 'empty'],
  ['abcd', 'too short'],
  ['a'.repeat(33), 'too long'],
  ['1alice', 'starts with a digit'],
  ['_alice', 'starts with an underscore'],
  ['alice_', 'trailing underscore'],
  ['ali__ce', 'double underscore'],
  ['ali ce', 'space'],
  ['alice!', 'punctuation'],
  ['alicé1', 'non-ASCII letter'],
  ['@alice', 'leading @'],
];

for (const name of valid) {
  test(`username ${JSON.stringify(name)} is valid`, () => assert.equal(isValidUsername(name), true));
}
for (const [name, why] of invalid) {
  test(`username ${JSON.stringify(name)} is invalid (${why})`, () => assert.equal(isValidUsername(name), false));
}

test('resolve queries may carry a leading @', () => {
  assert.equal(normalizeUsernameQuery('@alice'), 'alice');
  assert.equal(normalizeUsernameQuery('alice'), 'alice');
});
