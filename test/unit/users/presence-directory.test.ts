import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Presence } from '../../../src/service/users/presence.js';
import { LocalPresenceDirectory } from '../../../src/service/users/presence-directory.js';

test('embedded directory: the local answer, synchronously, account.updateStatus marks included', () => {
  const connected = new Set<bigint>([1n]);
  const presence = new Presence({ isOnline: (id) => connected.has(id) });
  const directory = new LocalPresenceDirectory(presence);
  const view = directory.lookup([1n, 2n]);
  assert.ok(!(view instanceof Promise), 'no waiting when embedded');
  assert.equal(view.isOnline(1n), true);
  assert.equal(view.isOnline(2n), false);
  presence.mark(1n, 77n, true);
  assert.equal(directory.lookup([1n]).isOnline(1n) as boolean, false);
});

test('Presence tells its listener when a mark may change the answer', () => {
  const presence = new Presence({ isOnline: () => true });
  const told: bigint[] = [];
  presence.onChange((id) => told.push(id));
  presence.mark(5n, 1n, true);
  presence.forget(5n, 1n);
  presence.forget(6n);
  assert.deepEqual(told, [5n, 5n, 6n]);
});
