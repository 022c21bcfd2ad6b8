// Two-step verification end to end (issue 3): GramJS enables a password with its own SRP code
// (updateTwoFaSettings), new devices signing in with the fixed code get SESSION_PASSWORD_NEEDED and finish
// with the password (GramJS's client.start, a raw account.getPassword + computeCheck + auth.checkPassword, and
// mtcute's checkPassword); wrong passwords answer PASSWORD_HASH_INVALID; the password can be changed and removed.
// The tests in this file run in order and share one echod and two accounts (signed up by GramJS).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { computeCheck } from 'telegram/Password.js';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { rejectsWith, rpcMessage } from '../support/rpc-errors.js';
import { Api, connectGramjs, createGramjsClient, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { createMtcuteClient } from '../support/mtcute.js';
import { FIXED_CODE, testPhone } from '../support/accounts.js';

const TIMEOUT = 90_000;
const PHONE = testPhone(200001);
const PHONE2 = testPhone(200002);
const CODE = FIXED_CODE;
const API_ID = 12345;
const API_HASH = '0123456789abcdef0123456789abcdef';

let echod: EchodProcess;
let target: EchoTarget;
let first: GramjsHandle;
let userId: string;
let second: GramjsHandle;
let secondId: string;
let world: E2eWorld;

async function newGramjsDevice(): Promise<GramjsHandle> {
  const handle = createGramjsClient(target);
  world.defer(() => handle.close());
  await connectGramjs(handle);
  return handle;
}

async function getPassword(handle: GramjsHandle): Promise<Api.account.Password> {
  return handle.client.invoke(new Api.account.GetPassword());
}

/** auth.sendCode + auth.signIn with the fixed code on a signed-out device; returns the error it ends with, if any. */
async function signInWithCode(handle: GramjsHandle, phoneNumber = PHONE): Promise<unknown> {
  const sent = (await handle.client.invoke(
    new Api.auth.SendCode({ phoneNumber, apiId: API_ID, apiHash: API_HASH, settings: new Api.CodeSettings({}) }),
  )) as Api.auth.SentCode;
  return handle.client.invoke(new Api.auth.SignIn({ phoneNumber, phoneCodeHash: sent.phoneCodeHash, phoneCode: CODE }));
}

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const account = await world.signUpGramjs({ phone: PHONE, firstName: 'Paula' });
  first = account.handle;
  userId = account.userId.toString();
  const other = await world.signUpGramjs({ phone: PHONE2, firstName: 'Rafe' });
  second = other.handle;
  secondId = other.userId.toString();
});

after(() => world?.close());

describe('two-step verification', { timeout: TIMEOUT }, () => {
  test('without a password, account.getPassword says so and offers the SRP group for a new one', async () => {
    const pw = await getPassword(first);
    assert.ok(!pw.hasPassword);
    assert.ok(!pw.srp_B);
    assert.ok(pw.newAlgo instanceof Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow);
    assert.equal(pw.newAlgo.g, 3);
    assert.equal(pw.newAlgo.p.length, 256);
  });

  test('GramJS enables a password with its own SRP; account.getPassword then reports it with the hint', async () => {
    await first.client.updateTwoFaSettings({ newPassword: 'secret', hint: 'h' });
    const pw = await getPassword(first);
    assert.equal(pw.hasPassword, true);
    assert.equal(pw.hint, 'h');
    assert.ok(pw.currentAlgo instanceof Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow);
    assert.equal(pw.srp_B?.length, 256);
    assert.ok(pw.srpId);
    assert.ok(!pw.hasRecovery);
  });

  test('a new GramJS device gets SESSION_PASSWORD_NEEDED and signs in with the password (a wrong one first)', async () => {
    const device = createGramjsClient(target);
    world.defer(() => device.close());
    const tried = ['wrong', 'secret'];
    const hints: (string | undefined)[] = [];
    const errors: string[] = [];
    await device.client.start({
      phoneNumber: PHONE,
      phoneCode: async () => CODE,
      password: async (hint) => {
        hints.push(hint);
        return tried.shift()!;
      },
      onError: async (err) => {
        errors.push(rpcMessage(err));
        // Stop on anything but the expected wrong password, so a bug cannot loop forever.
        return errors.at(-1) !== 'PASSWORD_HASH_INVALID';
      },
    });
    assert.deepEqual(errors, ['PASSWORD_HASH_INVALID']);
    assert.deepEqual(hints, ['h', 'h']);
    assert.equal((await device.client.getMe()).id.toString(), userId);
  });

  test('raw flow: 401 before a code, then getPassword, wrong proof, reused srp_id, right proof', async () => {
    const device = await newGramjsDevice();
    // No code passed yet: the device is nobody, and has no password exchange to run.
    await rejectsWith(getPassword(device), 'AUTH_KEY_UNREGISTERED');
    await rejectsWith(device.client.invoke(new Api.auth.CheckPassword({ password: new Api.InputCheckPasswordEmpty() })), 'AUTH_KEY_UNREGISTERED');

    await rejectsWith(signInWithCode(device), 'SESSION_PASSWORD_NEEDED');
    // Code passed, password not yet: still signed out for everything else.
    await rejectsWith(device.client.invoke(new Api.account.GetPasswordSettings({ password: new Api.InputCheckPasswordEmpty() })), 'AUTH_KEY_UNREGISTERED');
    await rejectsWith(device.client.invoke(new Api.auth.RequestPasswordRecovery()), 'PASSWORD_RECOVERY_NA');

    const wrong = await computeCheck(await getPassword(device), 'not it');
    await rejectsWith(device.client.invoke(new Api.auth.CheckPassword({ password: wrong })), 'PASSWORD_HASH_INVALID');
    await rejectsWith(device.client.invoke(new Api.auth.CheckPassword({ password: new Api.InputCheckPasswordEmpty() })), 'PASSWORD_HASH_INVALID');

    const right = await computeCheck(await getPassword(device), 'secret');
    const auth = (await device.client.invoke(new Api.auth.CheckPassword({ password: right }))) as Api.auth.Authorization;
    assert.equal(auth.user.id.toString(), userId);
    assert.equal((await device.client.getMe()).id.toString(), userId);
    // The proof was single-use.
    await rejectsWith(device.client.invoke(new Api.auth.CheckPassword({ password: right })), 'SRP_ID_INVALID');
  });

  test('mtcute: signIn answers SESSION_PASSWORD_NEEDED, checkPassword completes the sign-in, changeCloudPassword works', async () => {
    const handle = await createMtcuteClient(target);
    world.defer(() => handle.close());
    const sent = await handle.client.sendCode({ phone: PHONE });
    assert.ok('phoneCodeHash' in sent);
    await rejectsWith(handle.client.signIn({ phone: PHONE, phoneCodeHash: sent.phoneCodeHash, phoneCode: CODE }), 'SESSION_PASSWORD_NEEDED');
    await rejectsWith(handle.client.checkPassword('Secret'), 'PASSWORD_HASH_INVALID');
    const user = await handle.client.checkPassword('secret');
    assert.equal(user.id.toString(), userId);
    // mtcute's own new-password hashing: re-set the same password with fresh salts; the next tests still use it.
    const original = (await getPassword(first)).currentAlgo as Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow;
    await handle.client.changeCloudPassword({ currentPassword: 'secret', newPassword: 'secret', hint: 'h' });
    const renewed = (await getPassword(first)).currentAlgo as Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow;
    assert.notDeepEqual(Buffer.from(renewed.salt2), Buffer.from(original.salt2));
  });

  test('account.getPasswordSettings needs the password; a signed-in auth.checkPassword just checks it', async () => {
    await rejectsWith(first.client.invoke(new Api.account.GetPasswordSettings({ password: await computeCheck(await getPassword(first), 'x') })), 'PASSWORD_HASH_INVALID');
    const settings = await first.client.invoke(new Api.account.GetPasswordSettings({ password: await computeCheck(await getPassword(first), 'secret') }));
    assert.ok(settings instanceof Api.account.PasswordSettings);
    assert.ok(!settings.email);
    await first.client.updateTwoFaSettings({ isCheckPassword: true, currentPassword: 'secret' });
    await rejectsWith(first.client.updateTwoFaSettings({ isCheckPassword: true, currentPassword: 'nope' }), 'PASSWORD_HASH_INVALID');
  });

  // auth.sendCode is limited per phone number, so changing and removing run on a second account.
  test('changing the password needs the current one; afterwards only the new one signs in', async () => {
    await second.client.updateTwoFaSettings({ newPassword: 'one', hint: 'h1' });
    await rejectsWith(second.client.updateTwoFaSettings({ currentPassword: 'wrong', newPassword: 'other', hint: 'x' }), 'PASSWORD_HASH_INVALID');
    await second.client.updateTwoFaSettings({ currentPassword: 'one', newPassword: 'two', hint: 'h2' });
    assert.equal((await getPassword(second)).hint, 'h2');

    const device = await newGramjsDevice();
    await rejectsWith(signInWithCode(device, PHONE2), 'SESSION_PASSWORD_NEEDED');
    await rejectsWith(device.client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(await getPassword(device), 'one') })), 'PASSWORD_HASH_INVALID');
    const auth = (await device.client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(await getPassword(device), 'two') }))) as Api.auth.Authorization;
    assert.equal(auth.user.id.toString(), secondId);
  });

  test('removing the password with the current one; sign-in needs only the code again', async () => {
    await rejectsWith(second.client.updateTwoFaSettings({ currentPassword: 'one' }), 'PASSWORD_HASH_INVALID');
    await second.client.updateTwoFaSettings({ currentPassword: 'two' });
    assert.ok(!(await getPassword(second)).hasPassword);

    const device = await newGramjsDevice();
    const auth = (await signInWithCode(device, PHONE2)) as Api.auth.Authorization;
    assert.equal(auth.user.id.toString(), secondId);
    await rejectsWith(second.client.invoke(new Api.auth.RequestPasswordRecovery()), 'PASSWORD_EMPTY');
  });
});
