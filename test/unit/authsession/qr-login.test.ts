import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { QrLogins } from '../../../src/service/authsession/qr-login.js';
import { LOGIN_TOKEN_TTL_MS } from '../../../src/service/authsession/limits.js';
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { rejectsRpc } from './fixture.js';

function setup(t: { after(fn: () => unknown): unknown }) {
  const clock = { now: 1_700_000_000_000 };
  const kv = new MemoryKeyValueStore(() => clock.now);
  t.after(() => kv.close());
  return { clock, qr: new QrLogins(kv, (n) => randomBytes(n), () => clock.now) };
}

test('a token is accepted once, and the waiting device learns who accepted it once', async (t) => {
  const { clock, qr } = setup(t);
  const { token, expires } = await qr.issue(7n);
  assert.equal(token.length, 32);
  assert.equal(expires, Math.floor((clock.now + LOGIN_TOKEN_TTL_MS) / 1000));
  assert.equal(await qr.deviceOf(token), 7n);
  assert.equal(await qr.takeAccepted(7n), undefined);
  assert.equal(await qr.accept(token, 42n), 7n);
  await rejectsRpc(() => qr.accept(token, 43n), 'AUTH_TOKEN_ALREADY_ACCEPTED');
  assert.equal(await qr.takeAccepted(7n), 42n);
  assert.equal(await qr.takeAccepted(7n), undefined);
});

test('tokens expire, are replaced by newer ones of the device, and must have the right length', async (t) => {
  const { clock, qr } = setup(t);
  const first = await qr.issue(7n);
  const second = await qr.issue(7n);
  await rejectsRpc(() => qr.accept(first.token, 42n), 'AUTH_TOKEN_EXPIRED');
  clock.now += LOGIN_TOKEN_TTL_MS;
  await rejectsRpc(() => qr.accept(second.token, 42n), 'AUTH_TOKEN_EXPIRED');
  await rejectsRpc(() => qr.accept(Buffer.alloc(5), 42n), 'AUTH_TOKEN_INVALID');
  await rejectsRpc(() => qr.accept(randomBytes(32), 42n), 'AUTH_TOKEN_EXPIRED');
});
