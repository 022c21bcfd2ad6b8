// help.getTimezonesList: offsets parsed from Intl, readable names, and a hash that follows DST changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGmtOffset, TimezoneList, utcOffset, zoneName } from '../../../src/bff/startup/timezones.js';

test('parseGmtOffset reads Intl offsets and rejects anything else', () => {
  assert.equal(parseGmtOffset('GMT'), 0);
  assert.equal(parseGmtOffset('GMT+05:30'), 19800);
  assert.equal(parseGmtOffset('GMT-03:00'), -10800);
  assert.equal(parseGmtOffset('GMT+14:00'), 50400);
  assert.throws(() => parseGmtOffset('UTC+1'));
  assert.throws(() => parseGmtOffset(''));
});

test('utcOffset follows daylight saving time', () => {
  const winter = Date.UTC(2025, 0, 15);
  const summer = Date.UTC(2025, 6, 15);
  assert.equal(utcOffset('Europe/Berlin', winter), 3600);
  assert.equal(utcOffset('Europe/Berlin', summer), 7200);
  assert.equal(utcOffset('Asia/Kolkata', summer), 19800);
  assert.equal(utcOffset('UTC', summer), 0);
});

test('zoneName puts the place first', () => {
  assert.equal(zoneName('Europe/Berlin'), 'Berlin (Europe)');
  assert.equal(zoneName('America/Argentina/Buenos_Aires'), 'Buenos Aires (America/Argentina)');
  assert.equal(zoneName('UTC'), 'UTC');
});

test('the list is cached per quarter hour and its hash changes with the offsets', () => {
  const list = new TimezoneList(['Europe/Berlin', 'Asia/Kolkata']);
  const winter = Date.UTC(2025, 0, 15, 12, 0);
  const a = list.at(winter);
  assert.equal(list.at(winter + 60_000), a, 'same quarter hour, same object');
  const full = a.full as unknown as { timezones: { id: string; utcOffset: number }[]; hash: number };
  assert.deepEqual(full.timezones.map((t) => [t.id, t.utcOffset]), [['Europe/Berlin', 3600], ['Asia/Kolkata', 19800]]);
  assert.deepEqual(a.answer(a.hash), { _: 'help.timezonesListNotModified' });
  const later = list.at(winter + 3_600_000);
  assert.notEqual(later, a);
  assert.equal(later.hash, a.hash, 'same offsets, same hash');
  const summer = list.at(Date.UTC(2025, 6, 15));
  assert.notEqual(summer.hash, a.hash);
  assert.equal(summer.answer(a.hash), summer.full);
});
