import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthSessionService, SERVICE_USER_ID, type CodeDelivery, type CodeSender } from '../../../src/service/authsession/index.js';
import * as L from '../../../src/service/authsession/limits.js';
import type { UserRecord } from '../../../src/service/users/user-store.js';
import { makeFixture, rejectsRpc, type Fixture } from './fixture.js';

class RecordingSender implements CodeSender {
  sent: CodeDelivery[] = [];
  fail = false;
  async send(d: CodeDelivery): Promise<void> {
    if (this.fail) throw new Error('gateway down');
    this.sent.push(d);
  }
  last(): CodeDelivery {
    const d = this.sent.at(-1);
    assert.ok(d, 'a code was sent');
    return d;
  }
}

const PHONE = '+1 555 010 0001';
const DIGITS = '15550100001';
const DEVICE = 5001n;
const caller = (permKeyId: bigint = DEVICE, ip = '10.0.0.1') => ({ permKeyId, ip });
/** A temp key not bound to a perm key yet. */
const UNBOUND = { permKeyId: undefined, ip: '10.0.0.1' };

async function setup(t: { after(fn: () => unknown): unknown }, config: { fixedCode?: string } = {}) {
  const f = await makeFixture(config);
  const sender = new RecordingSender();
  const auth = new AuthSessionService(f.core, { sender });
  t.after(async () => {
    auth.close();
    await f.close();
  });
  await f.addDevice(DEVICE);
  return { f, sender, auth };
}

async function signUp(auth: AuthSessionService, sender: RecordingSender, phone: string, permKeyId = DEVICE): Promise<UserRecord> {
  const { hash } = await auth.sendCode(phone, caller(permKeyId));
  const accepted = await auth.checkCode(phone, hash, sender.last().code, caller(permKeyId));
  assert.ok('signUpRequired' in accepted);
  return auth.signUp({ phoneRaw: phone, hash, firstName: 'Ann', lastName: 'Lee' }, caller(permKeyId));
}

test('sendCode sends a fresh 5-digit code for the normalised phone, tied to an unguessable hash', async (t) => {
  const { sender, auth } = await setup(t);
  const a = await auth.sendCode(PHONE, caller());
  const b = await auth.sendCode(PHONE, caller());
  assert.equal(a.phone, DIGITS);
  assert.notEqual(a.hash, b.hash);
  assert.match(a.hash, /^[0-9a-f]{32}$/);
  assert.equal(sender.sent.length, 2);
  for (const d of sender.sent) {
    assert.match(d.code, /^\d{5}$/);
    assert.equal(d.phone, DIGITS);
  }
  assert.equal(sender.sent[1]!.hash, b.hash);
  assert.equal(sender.sent[1]!.expiresAt, Date.UTC(2025, 0, 1) + L.CODE_TTL_MS);
});

test('ECHO_FIXED_CODE makes every code that value', async (t) => {
  const { sender, auth } = await setup(t, { fixedCode: '12345' });
  await auth.sendCode(PHONE, caller());
  await auth.sendCode('+15550100002', caller());
  assert.deepEqual(sender.sent.map((d) => d.code), ['12345', '12345']);
});

test('bad requests: no perm key, bad phone, empty hash or code', async (t) => {
  const { auth } = await setup(t);
  await rejectsRpc(() => auth.sendCode(PHONE, UNBOUND), 'AUTH_KEY_PERM_EMPTY', 401);
  await rejectsRpc(() => auth.sendCode('12', caller()), 'PHONE_NUMBER_INVALID', 400);
  const { hash } = await auth.sendCode(PHONE, caller());
  await rejectsRpc(() => auth.checkCode(PHONE, '', '12345', caller()), 'PHONE_CODE_HASH_EMPTY');
  await rejectsRpc(() => auth.checkCode(PHONE, hash, '', caller()), 'PHONE_CODE_EMPTY');
  await rejectsRpc(() => auth.checkCode(PHONE, hash, undefined, caller()), 'PHONE_CODE_EMPTY');
  await rejectsRpc(() => auth.checkCode(PHONE, 'f'.repeat(32), '12345', caller()), 'PHONE_CODE_EXPIRED');
  await rejectsRpc(() => auth.checkCode(PHONE, hash, '12345', UNBOUND), 'AUTH_KEY_PERM_EMPTY', 401);
  await rejectsRpc(() => auth.cancelCode(PHONE, 'f'.repeat(32), caller()), 'PHONE_CODE_EXPIRED');
  await rejectsRpc(() => auth.resendCode(PHONE, 'f'.repeat(32), caller()), 'PHONE_CODE_EXPIRED');
});

test('an unknown phone must sign up; signUp creates the account and announces it', async (t) => {
  const { f, sender, auth } = await setup(t);
  const announced: bigint[] = [];
  f.core.events.on('userSignedUp', ({ user }) => void announced.push(user.id));
  const user = await signUp(auth, sender, PHONE);
  assert.equal(user.phone, DIGITS);
  assert.equal(user.firstName, 'Ann');
  assert.equal(user.lastName, 'Lee');
  assert.deepEqual(announced, [user.id]);
  // Signing in again with a new code finds the account.
  const { hash } = await auth.sendCode(PHONE, caller());
  const accepted = await auth.checkCode(PHONE, hash, sender.last().code, caller());
  assert.ok('user' in accepted && accepted.user.id === user.id);
  // The code is used up by the sign-in.
  await rejectsRpc(() => auth.checkCode(PHONE, hash, sender.last().code, caller()), 'PHONE_CODE_EXPIRED');
});

test('signUp checks names, needs a verified hash of the same device, and refuses a taken phone', async (t) => {
  const { f, sender, auth } = await setup(t);
  await f.addDevice(5002n);
  const { hash } = await auth.sendCode(PHONE, caller());
  const su = (firstName: unknown, lastName: unknown = '', permKeyId = DEVICE, h = hash) => auth.signUp({ phoneRaw: PHONE, hash: h, firstName, lastName }, caller(permKeyId));
  await rejectsRpc(() => su('Ann'), 'PHONE_CODE_EXPIRED', 400);
  await auth.checkCode(PHONE, hash, sender.last().code, caller());
  await rejectsRpc(() => su(''), 'FIRSTNAME_INVALID');
  await rejectsRpc(() => su('   '), 'FIRSTNAME_INVALID');
  await rejectsRpc(() => su('x'.repeat(L.MAX_NAME_LENGTH + 1)), 'FIRSTNAME_INVALID');
  await rejectsRpc(() => su(42), 'FIRSTNAME_INVALID');
  await rejectsRpc(() => su('Ann', 'y'.repeat(L.MAX_NAME_LENGTH + 1)), 'LASTNAME_INVALID');
  await rejectsRpc(() => su('Ann', '', 5002n), 'PHONE_CODE_EXPIRED');
  await rejectsRpc(() => su('Ann', '', DEVICE, ''), 'PHONE_CODE_HASH_EMPTY');
  // The failed attempts above left the verified hash usable.
  const user = await su('  Ann\u0000 ', '');
  assert.equal(user.firstName, 'Ann');
  // Someone else verified the same phone meanwhile on another device: the phone is taken now.
  const other = await auth.sendCode(PHONE, caller(5002n));
  await auth.checkCode(PHONE, other.hash, sender.last().code, caller(5002n)).catch(() => undefined);
  await rejectsRpc(() => su('Bob', '', 5002n, other.hash), 'PHONE_NUMBER_OCCUPIED');
});

test('wrong codes: PHONE_CODE_INVALID, the hash dies after the 5th, FLOOD_WAIT after 10 per phone', async (t) => {
  const { f, auth } = await setup(t, { fixedCode: '12345' });
  const first = await auth.sendCode(PHONE, caller());
  for (let i = 0; i < L.MAX_CODE_ATTEMPTS; i++) await rejectsRpc(() => auth.checkCode(PHONE, first.hash, '00000', caller()), 'PHONE_CODE_INVALID');
  await rejectsRpc(() => auth.checkCode(PHONE, first.hash, '12345', caller()), 'PHONE_CODE_EXPIRED');
  const second = await auth.sendCode(PHONE, caller());
  for (let i = 0; i < L.WRONG_CODES_PER_PHONE - L.MAX_CODE_ATTEMPTS; i++)
    await rejectsRpc(() => auth.checkCode(PHONE, second.hash, '00000', caller()), 'PHONE_CODE_INVALID');
  await rejectsRpc(() => auth.checkCode(PHONE, second.hash, '12345', caller()), /^FLOOD_WAIT_\d+$/, 420);
  await rejectsRpc(() => auth.sendCode(PHONE, caller()), /^FLOOD_WAIT_\d+$/, 420);
  // Other phones from another address are not affected; the phone recovers in the next window.
  await auth.sendCode('+15550100002', caller(DEVICE, '10.0.0.2'));
  f.clock.now += L.FLOOD_WINDOW_MS;
  await auth.sendCode(PHONE, caller());
});

test('wrong codes per IP address: FLOOD_WAIT across phones', async (t) => {
  const { auth } = await setup(t, { fixedCode: '12345' });
  let wrong = 0;
  for (let p = 0; wrong < L.WRONG_CODES_PER_IP; p++) {
    const phone = `+1555020${String(p).padStart(4, '0')}`;
    const { hash } = await auth.sendCode(phone, caller());
    for (let i = 0; i < 3 && wrong < L.WRONG_CODES_PER_IP; i++, wrong++) await rejectsRpc(() => auth.checkCode(phone, hash, '00000', caller()), 'PHONE_CODE_INVALID');
  }
  await rejectsRpc(() => auth.sendCode('+15550300000', caller()), /^FLOOD_WAIT_\d+$/, 420);
  await auth.sendCode('+15550300000', caller(DEVICE, '10.9.9.9'));
});

test(`sendCode: ${L.SEND_CODE_PER_PHONE} per phone per window (resends count), then FLOOD_WAIT`, async (t) => {
  const { sender, auth } = await setup(t);
  const { hash } = await auth.sendCode(PHONE, caller());
  const before = sender.last().code;
  const resent = await auth.resendCode(PHONE, hash, caller());
  assert.equal(resent.hash, hash, 'resend keeps the hash');
  assert.equal(sender.sent.length, 2);
  void before;
  for (let i = 2; i < L.SEND_CODE_PER_PHONE; i++) await auth.sendCode(PHONE, caller());
  await rejectsRpc(() => auth.sendCode(PHONE, caller()), /^FLOOD_WAIT_\d+$/, 420);
  assert.equal(sender.sent.length, L.SEND_CODE_PER_PHONE, 'nothing sent once limited');
});

test(`sendCode: ${L.SEND_CODE_PER_IP} per IP address per window, then FLOOD_WAIT`, async (t) => {
  const { auth } = await setup(t);
  for (let i = 0; i < L.SEND_CODE_PER_IP; i++) await auth.sendCode(`+1555040${String(i).padStart(4, '0')}`, caller());
  await rejectsRpc(() => auth.sendCode('+15550500000', caller()), /^FLOOD_WAIT_\d+$/, 420);
});

test('cancelCode kills the hash', async (t) => {
  const { sender, auth } = await setup(t);
  const { hash } = await auth.sendCode(PHONE, caller());
  await auth.cancelCode(PHONE, hash, caller());
  await rejectsRpc(() => auth.checkCode(PHONE, hash, sender.last().code, caller()), 'PHONE_CODE_EXPIRED');
});

test('banned users cannot get or use codes', async (t) => {
  const { f, sender, auth } = await setup(t);
  const user = await signUp(auth, sender, PHONE);
  const { hash } = await auth.sendCode(PHONE, caller());
  await f.core.users.update(user.id, { banned: true });
  await rejectsRpc(() => auth.checkCode(PHONE, hash, sender.last().code, caller()), 'PHONE_NUMBER_BANNED');
  await rejectsRpc(() => auth.sendCode(PHONE, caller()), 'PHONE_NUMBER_BANNED');
});

test('a sender failure answers SEND_CODE_UNAVAILABLE and leaves no usable code', async (t) => {
  const { f, sender, auth } = await setup(t);
  sender.fail = true;
  await rejectsRpc(() => auth.sendCode(PHONE, caller()), 'SEND_CODE_UNAVAILABLE', 406);
  assert.deepEqual(await auth.codes.listPending(f.clock.now), []);
});

test('the service account 777000 is created once', async (t) => {
  const { f, auth } = await setup(t);
  await auth.init({ watchRevocations: false });
  await auth.init({ watchRevocations: false });
  const service = await f.core.users.byId(SERVICE_USER_ID);
  assert.equal(service?.kind, 'service');
  assert.equal(service?.firstName, 'Echo');
  assert.equal((await f.core.users.list({ limit: 10 })).length, 1);
});

test('notifyNewAuthorization pushes updateNewAuthorization with the device to the user', async (t) => {
  const { f, auth } = await setup(t);
  await f.db.authKeys.saveClientInfo(DEVICE, {
    layer: 198, apiId: 4, deviceModel: 'Pixel 9', systemVersion: 'Android 15', appVersion: '11.0', systemLangCode: 'en', langPack: 'android', langCode: 'en', ip: '10.1.2.3', updatedAt: 1,
  });
  await auth.notifyNewAuthorization(DEVICE, 77n);
  assert.equal(f.pushes.length, 1);
  const push = f.pushes[0]!;
  assert.equal(push.to, 'user');
  assert.equal(push.id, 77n);
  const u = push.updates as unknown as { _: string; update: Record<string, unknown> };
  assert.equal(u._, 'updateShort');
  assert.deepEqual(u.update, { _: 'updateNewAuthorization', unconfirmed: true, hash: DEVICE, date: Math.floor(f.clock.now / 1000), device: 'Pixel 9, Android 15, app 11.0', location: '10.1.2.3' });
});
