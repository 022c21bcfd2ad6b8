import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceSubscriptions, subscribesToUpdates, type Subscriber } from '../../../src/interface/session/update-subscriptions.js';

type S = Subscriber & { name: string; live: boolean };
const session = (name: string, live: boolean): S => ({ name, live });
const isLive = (s: S) => s.live;

test('file transfers and key binding do not subscribe a session to updates; API calls do', () => {
  for (const m of ['upload.getFile', 'upload.saveFilePart', 'upload.saveBigFilePart', 'auth.bindTempAuthKey']) assert.equal(subscribesToUpdates(m), false, m);
  for (const m of ['updates.getState', 'messages.getHistory', 'help.getNearestDc']) assert.equal(subscribesToUpdates(m), true, m);
});

test('a device\'s updates go to its live session that subscribed last, else to the one that subscribed last', () => {
  const subs = new DeviceSubscriptions<S>();
  const main = session('main', true);
  const other = session('other', true);
  assert.equal(subs.targetOf(1n, isLive), undefined, 'nothing subscribed');
  assert.equal(subs.subscribe(main, 1n, 100), true, 'new to the device');
  assert.equal(subs.subscribe(main, 1n, 200), false);
  subs.subscribe(other, 1n, 150);
  assert.equal(subs.targetOf(1n, isLive)?.name, 'main');
  main.live = false;
  assert.equal(subs.targetOf(1n, isLive)?.name, 'other', 'a live session wins');
  other.live = false;
  assert.equal(subs.targetOf(1n, isLive)?.name, 'main', 'no live session: the last subscribed keeps them for its return');
  assert.equal(subs.targetOf(2n, isLive), undefined, 'another device');
  // A temporary key bound to a permanent key moves its session to that device.
  subs.subscribe(other, 2n, 300);
  assert.equal(subs.targetOf(2n, isLive)?.name, 'other');
  assert.deepEqual([...subs.sessionsOf(1n)].map((s) => s.name), ['main']);
  subs.remove(main);
  assert.equal(subs.targetOf(1n, isLive), undefined);
});
