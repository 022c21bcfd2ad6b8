// Issue 3, sign-in and devices, end to end with unmodified GramJS (layer 198) and mtcute (layer 227)
// against one echod started with ECHO_FIXED_CODE, plus the admin CLI on the same data dir while it runs.
// The tests run in order and share state (the users and devices created along the way).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { echodCliPath, repoRoot, type EchodProcess, type LogLine } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { Api, createGramjsClient, connectGramjs, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { FIXED_CODE, testPhone, type GramjsAccount, type MtcuteAccount } from '../support/accounts.js';

const T = { timeout: 60_000 };
const ALICE = testPhone(1001);
const BOB = testPhone(1002);
const CAROL = testPhone(1003);
const WRONG = testPhone(1004);
const PENDING = testPhone(1005);

let echod: EchodProcess;
let target: EchoTarget;
let world: E2eWorld;

let alice: GramjsAccount; // device A
let alice2: GramjsAccount; // device A2 (second sign-in with the code)
let bob: MtcuteAccount;
let qrDevice: GramjsHandle; // device B (QR login)

/** GramJS throws RPCError {code, errorMessage} (FloodWaitError: errorMessage "FLOOD", seconds); mtcute RpcError {code, text}. */
function rpcError(err: unknown): { code: number; message: string; seconds?: number } {
  const e = err as { code?: unknown; errorMessage?: unknown; text?: unknown; seconds?: unknown };
  const message = typeof e?.errorMessage === 'string' ? e.errorMessage : typeof e?.text === 'string' ? e.text : undefined;
  assert.ok(typeof e?.code === 'number' && message, `expected an RPC error, got: ${String((err as Error)?.stack ?? err)}`);
  return { code: e.code as number, message, ...(typeof e.seconds === 'number' ? { seconds: e.seconds } : {}) };
}

async function rejectsWith(p: Promise<unknown>, message: string, code?: number): Promise<void> {
  const err = await p.then(
    () => assert.fail(`expected ${message}, the call succeeded`),
    (e: unknown) => e,
  );
  const r = rpcError(err);
  assert.equal(r.message, message);
  if (code !== undefined) assert.equal(r.code, code);
}

/** Collects the updates GramJS dispatches (UpdateShort arrives unwrapped) and waits for one of a class. */
function updateCollector(handle: GramjsHandle) {
  const seen: Api.TypeUpdate[] = [];
  const waiters: { match: (u: Api.TypeUpdate) => boolean; resolve: (u: Api.TypeUpdate) => void }[] = [];
  handle.client.addEventHandler((update: Api.TypeUpdate) => {
    seen.push(update);
    for (const w of [...waiters]) if (w.match(update)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(update));
  });
  return {
    seen,
    waitFor<U extends Api.TypeUpdate>(cls: new (...args: any[]) => U, timeoutMs = 15_000): Promise<U> {
      const found = seen.find((u) => u instanceof cls);
      if (found) return Promise.resolve(found as U);
      return new Promise<U>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${cls.name} within ${timeoutMs} ms; got ${seen.map((u) => u.className).join(', ')}`)), timeoutMs);
        waiters.push({ match: (u) => u instanceof cls, resolve: (u) => (clearTimeout(timer), resolve(u as U)) });
      });
    },
  };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', ECHO_DATA_DIR: echod.dataDir };
    execFile(process.execPath, [echodCliPath(), ...args], { cwd: repoRoot(), env, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function cliJson<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  assert.equal(r.code, 0, `echod ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function newGramjs(apiId?: number): Promise<GramjsHandle> {
  const h = createGramjsClient(target, { connectionRetries: 5, ...(apiId ? { apiId } : {}) });
  world.defer(() => h.close());
  await connectGramjs(h);
  // FLOOD_WAIT must reach the test, not be slept through.
  h.client.floodSleepThreshold = 0;
  return h;
}

const isLoginCode = (phone: string) => (l: LogLine) => l.msg === 'login code' && l.phone === phone;

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
});

after(() => world?.close());

test('GramJS signs up with its own sign-in flow; the code goes to the log', T, async () => {
  alice = await world.signUpGramjs({ phone: `+${ALICE}`, firstName: 'Alice', lastName: 'Archer' });
  assert.ok(alice.userId > 1_000_000n, `a fresh user id: ${alice.userId}`);
  assert.equal(alice.user.firstName, 'Alice');
  assert.equal(alice.user.self, true);
  assert.equal(alice.user.phone, ALICE);
  const line = await echod.waitForLog(isLoginCode(ALICE));
  assert.equal(line.code, FIXED_CODE);
  assert.equal(line.level, 'info');
  // Signed in: a method outside auth.* works now.
  const auths = await alice.handle.client.invoke(new Api.account.GetAuthorizations());
  assert.equal(auths.authorizations.length, 1);
});

test('mtcute signs up', T, async () => {
  bob = await world.signUpMtcute({ phone: BOB, firstName: 'Bob' });
  assert.ok(bob.userId > alice.userId);
  assert.equal(bob.user.firstName, 'Bob');
  const auths = await bob.handle.client.call({ _: 'account.getAuthorizations' });
  assert.equal(auths.authorizations.length, 1);
  assert.equal(auths.authorizations[0]!.current, true);
});

test('an unknown phone is asked to sign up, with checks on the name and terms to accept', T, async () => {
  const h = await newGramjs();
  const sent = await h.client.invoke(new Api.auth.SendCode({ phoneNumber: CAROL, apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef', settings: new Api.CodeSettings({}) }));
  assert.ok(sent instanceof Api.auth.SentCode);
  assert.ok(sent.type instanceof Api.auth.SentCodeTypeSms);
  assert.equal(sent.type.length, 5);
  const hash = sent.phoneCodeHash;
  await rejectsWith(h.client.invoke(new Api.auth.SignUp({ phoneNumber: CAROL, phoneCodeHash: hash, firstName: 'Carol', lastName: '' })), 'PHONE_CODE_EXPIRED', 400);
  const r = await h.client.invoke(new Api.auth.SignIn({ phoneNumber: CAROL, phoneCodeHash: hash, phoneCode: FIXED_CODE }));
  assert.ok(r instanceof Api.auth.AuthorizationSignUpRequired, r.className);
  assert.ok(r.termsOfService);
  // Still signed out.
  await rejectsWith(h.client.invoke(new Api.account.GetAuthorizations()), 'AUTH_KEY_UNREGISTERED', 401);
  await rejectsWith(h.client.invoke(new Api.auth.SignUp({ phoneNumber: CAROL, phoneCodeHash: hash, firstName: ' ', lastName: '' })), 'FIRSTNAME_INVALID', 400);
  await rejectsWith(h.client.invoke(new Api.auth.SignUp({ phoneNumber: ALICE, phoneCodeHash: hash, firstName: 'Carol', lastName: '' })), 'PHONE_NUMBER_OCCUPIED', 400);
  const done = await h.client.invoke(new Api.auth.SignUp({ phoneNumber: CAROL, phoneCodeHash: hash, firstName: 'Carol', lastName: 'Cole' }));
  assert.ok(done instanceof Api.auth.Authorization);
  assert.equal((done.user as Api.User).firstName, 'Carol');
  assert.equal(await h.client.invoke(new Api.help.AcceptTermsOfService({ id: r.termsOfService.id })), true);
  await rejectsWith(h.client.invoke(new Api.auth.SendCode({ phoneNumber: '+999 1', apiId: 1, apiHash: 'x', settings: new Api.CodeSettings({}) })), 'PHONE_NUMBER_INVALID', 400);
});

test('a second GramJS device signs in with the same phone; the first gets updateNewAuthorization', T, async () => {
  const updates = updateCollector(alice.handle);
  alice2 = await world.signInGramjs({ phone: ALICE });
  assert.equal(alice2.userId, alice.userId);
  assert.notDeepEqual(alice2.handle.authKey(), alice.handle.authKey(), 'a new auth key');
  const u = await updates.waitFor(Api.UpdateNewAuthorization);
  assert.equal(u.unconfirmed, true);
  assert.match(u.device ?? '', /^echo-e2e, /);
  assert.equal(u.location, '127.0.0.1');
  // The hash names the new device in account.getAuthorizations.
  const auths = await alice.handle.client.invoke(new Api.account.GetAuthorizations());
  assert.ok(auths.authorizations.some((a) => a.hash.toString() === u.hash.toString() && !a.current));
});

test('QR login: device B exports a token, device A accepts it, B gets updateLoginToken and is signed in', T, async () => {
  qrDevice = await newGramjs(4242);
  const updates = updateCollector(qrDevice);
  const exported = await qrDevice.client.invoke(new Api.auth.ExportLoginToken({ apiId: 4242, apiHash: '0123456789abcdef0123456789abcdef', exceptIds: [] }));
  assert.ok(exported instanceof Api.auth.LoginToken, exported.className);
  assert.ok(exported.expires > Math.floor(Date.now() / 1000));
  await rejectsWith(alice.handle.client.invoke(new Api.auth.AcceptLoginToken({ token: Buffer.alloc(7) })), 'AUTH_TOKEN_INVALID', 400);
  const accepted = await alice.handle.client.invoke(new Api.auth.AcceptLoginToken({ token: exported.token }));
  assert.ok(accepted instanceof Api.Authorization);
  assert.equal(accepted.apiId, 4242);
  await rejectsWith(alice.handle.client.invoke(new Api.auth.AcceptLoginToken({ token: exported.token })), 'AUTH_TOKEN_ALREADY_ACCEPTED', 400);
  await updates.waitFor(Api.UpdateLoginToken);
  const success = await qrDevice.client.invoke(new Api.auth.ExportLoginToken({ apiId: 4242, apiHash: '0123456789abcdef0123456789abcdef', exceptIds: [] }));
  assert.ok(success instanceof Api.auth.LoginTokenSuccess, success.className);
  assert.ok(success.authorization instanceof Api.auth.Authorization);
  assert.equal((success.authorization.user as Api.User).id.toString(), alice.userId.toString());
  const auths = await qrDevice.client.invoke(new Api.account.GetAuthorizations());
  assert.equal(auths.authorizations.length, 3, 'A, A2 and B');
});

test('account.getAuthorizations lists every device with what it said in initConnection', T, async () => {
  const auths = await alice.handle.client.invoke(new Api.account.GetAuthorizations());
  assert.equal(auths.authorizationTtlDays, 180);
  assert.equal(auths.authorizations.length, 3);
  const [current, ...others] = auths.authorizations;
  assert.equal(current!.current, true, 'the current device comes first');
  assert.equal(current!.hash.toString(), '0');
  for (const a of auths.authorizations) {
    assert.equal(a.deviceModel, 'echo-e2e');
    assert.equal(a.systemVersion, process.version);
    assert.equal(a.appVersion, '1.0');
    assert.equal(a.ip, '127.0.0.1');
    assert.ok(a.dateCreated > 0 && a.dateActive >= a.dateCreated);
  }
  assert.deepEqual(others.map((a) => a.apiId).sort(), [12345, 4242]);
  assert.equal(others.find((a) => a.apiId === 4242)!.appName, 'App 4242');
  assert.equal(await alice.handle.client.invoke(new Api.account.SetAuthorizationTTL({ authorizationTtlDays: 30 })), true);
  assert.equal((await alice.handle.client.invoke(new Api.account.GetAuthorizations())).authorizationTtlDays, 30);
  await rejectsWith(alice.handle.client.invoke(new Api.account.SetAuthorizationTTL({ authorizationTtlDays: 0 })), 'TTL_DAYS_INVALID', 400);
});

test('account.resetAuthorization kicks device B out for real', T, async () => {
  const auths = await alice.handle.client.invoke(new Api.account.GetAuthorizations());
  const b = auths.authorizations.find((a) => a.apiId === 4242)!;
  await rejectsWith(alice.handle.client.invoke(new Api.account.ResetAuthorization({ hash: b.hash.add(1) })), 'HASH_INVALID', 400);
  await rejectsWith(alice.handle.client.invoke(new Api.account.ResetAuthorization({ hash: auths.authorizations[0]!.hash })), 'HASH_INVALID', 400);
  // Bob cannot sign out Alice's devices.
  await rejectsWith(bob.handle.client.call({ _: 'account.resetAuthorization', hash: BigInt(b.hash.toString()) as never }), 'HASH_INVALID', 400);
  const connections = qrDevice.connections;
  assert.equal(await alice.handle.client.invoke(new Api.account.ResetAuthorization({ hash: b.hash })), true);
  // Its connection was closed; GramJS reconnects by itself and finds the key signed out.
  await qrDevice.waitForConnections(connections + 1);
  await rejectsWith(qrDevice.client.invoke(new Api.account.GetAuthorizations()), 'AUTH_KEY_UNREGISTERED', 401);
  assert.equal((await alice.handle.client.invoke(new Api.account.GetAuthorizations())).authorizations.length, 2);
});

test('auth.logOut signs the device out: its next call answers 401', T, async () => {
  const out = await alice2.handle.client.invoke(new Api.auth.LogOut());
  assert.ok(out instanceof Api.auth.LoggedOut);
  await rejectsWith(alice2.handle.client.invoke(new Api.account.GetAuthorizations()), 'AUTH_KEY_UNREGISTERED', 401);
  assert.equal((await alice.handle.client.invoke(new Api.account.GetAuthorizations())).authorizations.length, 1);
});

test('auth.resetAuthorizations signs out every other device, GramJS and mtcute alike', T, async () => {
  const a3 = await world.signInGramjs({ phone: ALICE });
  const a4 = await world.signInMtcute({ phone: ALICE });
  assert.equal(a4.userId, alice.userId);
  assert.equal((await alice.handle.client.invoke(new Api.account.GetAuthorizations())).authorizations.length, 3);
  assert.equal(await alice.handle.client.invoke(new Api.auth.ResetAuthorizations()), true);
  await rejectsWith(a3.handle.client.invoke(new Api.account.GetAuthorizations()), 'AUTH_KEY_UNREGISTERED', 401);
  await rejectsWith(a4.handle.client.call({ _: 'account.getAuthorizations' }), 'AUTH_KEY_UNREGISTERED', 401);
  const left = await alice.handle.client.invoke(new Api.account.GetAuthorizations());
  assert.deepEqual(left.authorizations.map((a) => a.current), [true]);
});

test('wrong codes: PHONE_CODE_INVALID, then the hash expires, then FLOOD_WAIT for the phone', T, async () => {
  const h = await newGramjs();
  const send = () => h.client.invoke(new Api.auth.SendCode({ phoneNumber: WRONG, apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef', settings: new Api.CodeSettings({}) }));
  const signIn = (hash: string, code: string) => h.client.invoke(new Api.auth.SignIn({ phoneNumber: WRONG, phoneCodeHash: hash, phoneCode: code }));
  const first = (await send()) as Api.auth.SentCode;
  for (let i = 0; i < 5; i++) await rejectsWith(signIn(first.phoneCodeHash, '54321'), 'PHONE_CODE_INVALID', 400);
  await rejectsWith(signIn(first.phoneCodeHash, FIXED_CODE), 'PHONE_CODE_EXPIRED', 400);
  const second = (await send()) as Api.auth.SentCode;
  for (let i = 0; i < 5; i++) await rejectsWith(signIn(second.phoneCodeHash, '54321'), 'PHONE_CODE_INVALID', 400);
  for (const call of [() => signIn(second.phoneCodeHash, FIXED_CODE), send]) {
    const err = rpcError(await call().then(() => assert.fail('expected FLOOD_WAIT'), (e: unknown) => e));
    assert.equal(err.code, 420);
    assert.ok((err.seconds ?? 0) > 3000, `waits for most of the hour: ${err.seconds}`);
  }
});

test('echod users list / codes / sessions (CLI on the running server\'s data dir)', T, async () => {
  const h = await newGramjs();
  await h.client.invoke(new Api.auth.SendCode({ phoneNumber: PENDING, apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef', settings: new Api.CodeSettings({}) }));
  const codes = await cliJson<{ phone: string; code: string; state: string }[]>(['codes']);
  const pending = codes.find((c) => c.phone === PENDING);
  assert.deepEqual(pending && { code: pending.code, state: pending.state }, { code: FIXED_CODE, state: 'pending' });

  const users = await cliJson<{ id: string; phone: string; firstName: string; kind: string; banned: boolean }[]>(['users', 'list']);
  const byPhone = new Map(users.map((u) => [u.phone, u]));
  assert.equal(byPhone.get(ALICE)?.id, alice.userId.toString());
  assert.equal(byPhone.get(BOB)?.firstName, 'Bob');
  assert.equal(byPhone.get(CAROL)?.firstName, 'Carol');
  assert.deepEqual(users.find((u) => u.id === '777000') && { kind: users.find((u) => u.id === '777000')!.kind }, { kind: 'service' });

  const table = await cli(['users', 'list']);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^ID\s+PHONE\s+NAME/);
  assert.match(table.stdout, /Alice Archer/);

  const shown = await cliJson<{ id: string; devices: { authKeyId: string; deviceModel: string }[] }>(['users', 'show', ALICE]);
  assert.equal(shown.id, alice.userId.toString());
  assert.equal(shown.devices.length, 1);
  assert.equal(shown.devices[0]!.deviceModel, 'echo-e2e');
  const sessions = await cliJson<{ authKeyId: string; userId: string }[]>(['sessions', 'list', '--user', bob.userId.toString()]);
  assert.equal(sessions.length, 1);

  const bad = await cli(['users', 'show', '+1 555 999 9999']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no user with id or phone/);
  assert.equal((await cli(['sessions', 'revoke', 'abc'])).code, 2);
});

test('echod sessions revoke and users ban act on the running server within seconds', T, async () => {
  const sessions = await cliJson<{ authKeyId: string }[]>(['sessions', 'list', '--user', bob.userId.toString()]);
  const revoked = await cli(['sessions', 'revoke', sessions[0]!.authKeyId]);
  assert.equal(revoked.code, 0, revoked.stderr);
  await echod.waitForLog((l) => l.msg === 'device signed out by an administrator' && l.permKeyId === sessions[0]!.authKeyId);
  await rejectsWith(bob.handle.client.call({ _: 'account.getAuthorizations' }), 'AUTH_KEY_UNREGISTERED', 401);

  // Bob signs in again on a new device, then gets banned: signed out, and no new sign-in.
  const again = await world.signInMtcute({ phone: BOB });
  assert.equal(again.userId, bob.userId);
  const banned = await cliJson<{ banned: boolean; devicesSignedOut: number }>(['users', 'ban', bob.userId.toString()]);
  assert.deepEqual(banned, { id: bob.userId.toString(), banned: true, devicesSignedOut: 1 });
  await echod.waitForLogCount((l) => l.msg === 'device signed out by an administrator', 2);
  await rejectsWith(again.handle.client.call({ _: 'account.getAuthorizations' }), 'AUTH_KEY_UNREGISTERED', 401);
  const h = await newGramjs();
  await rejectsWith(
    h.client.invoke(new Api.auth.SendCode({ phoneNumber: BOB, apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef', settings: new Api.CodeSettings({}) })),
    'PHONE_NUMBER_BANNED',
    400,
  );
  assert.equal((await cli(['users', 'unban', bob.userId.toString()])).code, 0);
  const back = await world.signInGramjs({ phone: BOB });
  assert.equal(back.userId, bob.userId);
});
