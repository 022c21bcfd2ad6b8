import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { ABOUT_MAX, NAME_MAX, profilePatch } from '../../../src/bff/account-profile.js';

const rpcError = (message: string) => (err: unknown) => err instanceof RpcError && err.errorMessage === message;

test('account.updateProfile: given fields are trimmed, absent ones untouched', () => {
  assert.deepEqual(profilePatch({ firstName: '  Ann ', about: ' hi ' }), { firstName: 'Ann', about: 'hi' });
  assert.deepEqual(profilePatch({ lastName: '' }), { lastName: '' });
  assert.deepEqual(profilePatch({}), {});
});

test('account.updateProfile: empty or too long first name is FIRSTNAME_INVALID', () => {
  assert.throws(() => profilePatch({ firstName: '' }), rpcError('FIRSTNAME_INVALID'));
  assert.throws(() => profilePatch({ firstName: '   ' }), rpcError('FIRSTNAME_INVALID'));
  assert.throws(() => profilePatch({ firstName: 'x'.repeat(NAME_MAX + 1) }), rpcError('FIRSTNAME_INVALID'));
  assert.deepEqual(profilePatch({ firstName: 'x'.repeat(NAME_MAX) }), { firstName: 'x'.repeat(NAME_MAX) });
});

test('account.updateProfile: too long last name is LASTNAME_INVALID', () => {
  assert.throws(() => profilePatch({ lastName: 'y'.repeat(NAME_MAX + 1) }), rpcError('LASTNAME_INVALID'));
});

test('account.updateProfile: bio over the limit is ABOUT_TOO_LONG, counted in characters', () => {
  assert.throws(() => profilePatch({ about: 'a'.repeat(ABOUT_MAX + 1) }), rpcError('ABOUT_TOO_LONG'));
  // 70 emoji are 140 UTF-16 units but 70 characters.
  assert.deepEqual(profilePatch({ about: '😀'.repeat(ABOUT_MAX) }), { about: '😀'.repeat(ABOUT_MAX) });
});
