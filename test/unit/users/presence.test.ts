import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Presence } from '../../../src/service/users/presence.js';

const U = 5n;

function presence(connected: boolean) {
  const conn = { connected, isOnline: (_u: bigint) => conn.connected };
  return { p: new Presence(conn), conn };
}

test('a connected user without status calls is online; a disconnected one is not', () => {
  assert.equal(presence(true).p.isOnline(U), true);
  assert.equal(presence(false).p.isOnline(U), false);
});

test('updateStatus(offline) makes a connected user offline until a device is back', () => {
  const { p } = presence(true);
  p.mark(U, 1n, true);
  assert.equal(p.isOnline(U), false);
  p.mark(U, 1n, false);
  assert.equal(p.isOnline(U), true);
});

test('one device online is enough when another went offline', () => {
  const { p } = presence(true);
  p.mark(U, 1n, true);
  p.mark(U, 2n, false);
  assert.equal(p.isOnline(U), true);
  p.mark(U, 2n, true);
  assert.equal(p.isOnline(U), false);
  p.forget(U, 2n);
  p.forget(U, 1n);
  assert.equal(p.isOnline(U), true);
});

test('an online mark does not make a disconnected user online', () => {
  const { p, conn } = presence(true);
  p.mark(U, 1n, false);
  conn.connected = false;
  assert.equal(p.isOnline(U), false);
});

test('forget(user) drops every mark', () => {
  const { p } = presence(true);
  p.mark(U, 1n, true);
  p.forget(U);
  assert.equal(p.isOnline(U), true);
});
