import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLoginPhone } from '../../../src/service/authsession/phone.js';
import { RpcError } from '../../../src/common/rpc-error.js';

test('international numbers in any common spelling become digits only', () => {
  assert.equal(normalizeLoginPhone('+1 (555) 010-0000'), '15550100000');
  assert.equal(normalizeLoginPhone('15550100000'), '15550100000');
  assert.equal(normalizeLoginPhone('+44 7700 900123'), '447700900123');
  assert.equal(normalizeLoginPhone('+49 151 12345678'), '4915112345678');
  assert.equal(normalizeLoginPhone(' +7.999.123.45.67 '), '79991234567');
});

test('numbers that cannot exist, and anything not a phone number, answer PHONE_NUMBER_INVALID', () => {
  const bad: unknown[] = [
    '', // empty
    '+', // no digits
    '123', // too short
    '+1555', // too short for its country
    '+1 555 010 00000000', // too long for its country
    '9996612345', // Telegram's test numbers: no such country code
    '+888123456', // a country code for no phone plan of this length
    '1234567890123456', // longer than E.164
    '+1 555 CALL NOW', // letters
    '+1-555-010-0000; drop table users', // junk after the number
    '1'.repeat(65), // absurd input
    12345678901, // not a string
    null,
  ];
  for (const value of bad) {
    assert.throws(
      () => normalizeLoginPhone(value),
      (err: unknown) => err instanceof RpcError && err.code === 400 && err.errorMessage === 'PHONE_NUMBER_INVALID',
      `rejects ${JSON.stringify(value)}`,
    );
  }
});
