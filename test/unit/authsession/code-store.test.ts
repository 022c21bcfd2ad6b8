import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginCodeStore } from '../../../src/service/authsession/code-store.js';
import { MAX_CODE_ATTEMPTS, SIGN_UP_WINDOW_MS } from '../../../src/service/authsession/limits.js';
import { makeFixture } from './fixture.js';

const TTL = 5 * 60_000;
const PHONE = '15550100001';
const DEVICE = 1001n;
const OTHER_DEVICE = 1002n;

async function setup(t: { after(fn: () => unknown): unknown }) {
  const f = await makeFixture();
  t.after(() => f.close());
  const store = new LoginCodeStore(f.core.db);
  const now = f.clock.now;
  await store.create({ hash: 'h1', phone: PHONE, code: '24680', permKeyId: DEVICE, now, ttlMs: TTL });
  return { store, now };
}

test('the right code for the right hash, phone and device is accepted', async (t) => {
  const { store, now } = await setup(t);
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now + 1000), 'ok');
  const pending = await store.get('h1', PHONE, DEVICE, now + 1000);
  assert.equal(pending?.verified, true, 'kept, verified, for auth.signUp');
});

test('a hash is bound to its phone number and to the device that asked for it', async (t) => {
  const { store, now } = await setup(t);
  assert.equal(await store.check('h1', '15550100002', DEVICE, '24680', now), 'expired');
  assert.equal(await store.check('h1', PHONE, OTHER_DEVICE, '24680', now), 'expired');
  assert.equal(await store.check('nope', PHONE, DEVICE, '24680', now), 'expired');
  // None of that counted as a wrong attempt.
  assert.equal((await store.get('h1', PHONE, DEVICE, now))?.attempts, 0);
});

test('codes expire after their TTL', async (t) => {
  const { store, now } = await setup(t);
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now + TTL), 'expired');
  assert.deepEqual(await store.listPending(now + TTL), []);
});

test(`wrong codes count; the ${MAX_CODE_ATTEMPTS}th kills the hash, even for the right code after it`, async (t) => {
  const { store, now } = await setup(t);
  for (let i = 1; i < MAX_CODE_ATTEMPTS; i++) {
    assert.equal(await store.check('h1', PHONE, DEVICE, '11111', now), 'invalid');
    assert.equal((await store.get('h1', PHONE, DEVICE, now))?.attempts, i);
  }
  assert.equal(await store.check('h1', PHONE, DEVICE, '11111', now), 'invalid');
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now), 'expired');
});

test('codes of another length, empty or with extra characters are wrong, not errors', async (t) => {
  const { store, now } = await setup(t);
  for (const code of ['2468', '246800', '', ' 24680', '2468O']) assert.equal(await store.check('h1', PHONE, DEVICE, code, now), 'invalid', JSON.stringify(code));
});

test('auth.signUp can use a hash only once, only after the right code, and only within the sign-up window', async (t) => {
  const { store, now } = await setup(t);
  assert.equal(await store.takeVerified('h1', PHONE, DEVICE, now), false, 'not verified yet');
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now), 'ok');
  assert.equal(await store.takeVerified('h1', PHONE, OTHER_DEVICE, now), false, 'other device');
  assert.equal(await store.takeVerified('h1', PHONE, DEVICE, now + SIGN_UP_WINDOW_MS), false, 'too late');
  assert.equal(await store.takeVerified('h1', PHONE, DEVICE, now + SIGN_UP_WINDOW_MS - 1), true);
  assert.equal(await store.takeVerified('h1', PHONE, DEVICE, now), false, 'used up');
});

test('a new code for the same phone and device replaces the old one; other devices keep theirs', async (t) => {
  const { store, now } = await setup(t);
  await store.create({ hash: 'h2', phone: PHONE, code: '99999', permKeyId: OTHER_DEVICE, now, ttlMs: TTL });
  await store.create({ hash: 'h3', phone: PHONE, code: '13579', permKeyId: DEVICE, now: now + 1, ttlMs: TTL });
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now + 1), 'expired');
  assert.equal(await store.check('h3', PHONE, DEVICE, '13579', now + 1), 'ok');
  assert.equal(await store.check('h2', PHONE, OTHER_DEVICE, '99999', now + 1), 'ok');
  const listed = await store.listPending(now + 1);
  assert.deepEqual(listed.map((c) => c.hash), ['h3', 'h2'], 'newest first');
});

test('resending keeps the hash and its wrong attempts but replaces the code and the expiry', async (t) => {
  const { store, now } = await setup(t);
  assert.equal(await store.check('h1', PHONE, DEVICE, '11111', now), 'invalid');
  await store.replaceCode('h1', '55555', now + TTL - 1, TTL);
  assert.equal(await store.check('h1', PHONE, DEVICE, '24680', now + TTL + 10), 'invalid', 'old code gone');
  const pending = await store.get('h1', PHONE, DEVICE, now + TTL + 10);
  assert.equal(pending?.attempts, 2);
  assert.equal(await store.check('h1', PHONE, DEVICE, '55555', now + TTL + 10), 'ok');
});
