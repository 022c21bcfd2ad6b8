import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { AccountEvents } from '../../../src/service/events.js';
import { createLogger } from '../../../src/infra/log.js';
import { PasswordService } from '../../../src/service/password/index.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import type { Obj, TlType } from '../../../src/tl/index.js';
import { seededRandom } from '../crypto/helpers.js';
import { P, big, bytes256, clientProof, verifierFor } from './srp-client.js';

const dirs: string[] = [];
const dbs: Database[] = [];
after(async () => {
  for (const db of dbs) await db.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

type Algo = Obj<'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow'>;
type InputCheck = TlType<'InputCheckPasswordSRP'>;
const EMPTY: InputCheck = { _: 'inputCheckPasswordEmpty' };
const ALICE = 1000001n;
const BOB = 1000002n;

async function setup(seed: string) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-pw-'));
  dirs.push(dir);
  const db = await openDatabase(dir);
  dbs.push(db);
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const kv = new MemoryKeyValueStore(now);
  const random = seededRandom(seed);
  const events = new AccountEvents(createLogger('silent'));
  const service = new PasswordService({ db: db.kysely, kv, now, random, secret: (label) => Buffer.from(`secret ${label}`), events });
  after(() => kv.close());

  /** Settings that set `password` on top of the server's new_algo, extending salt1 as clients do. */
  async function newSettings(userId: bigint, password: string, extra: Partial<Obj<'account.passwordInputSettings'>> = {}) {
    const pw = await service.getPassword(userId);
    const algo = pw.newAlgo as Algo;
    const newAlgo: Algo = { ...algo, salt1: Buffer.concat([algo.salt1, random(32)]) };
    return {
      _: 'account.passwordInputSettings' as const,
      newAlgo,
      newPasswordHash: verifierFor(password, newAlgo.salt1, newAlgo.salt2),
      hint: '',
      ...extra,
    };
  }

  /** A fresh account.getPassword and the proof of `password` for it. */
  async function proof(userId: bigint, password: string): Promise<Obj<'inputCheckPasswordSRP'>> {
    const pw = await service.getPassword(userId);
    assert.equal(pw.hasPassword, true);
    const algo = pw.currentAlgo as Algo;
    const { A, M1 } = clientProof(password, algo.salt1, algo.salt2, pw.srpB!, big(random(256)));
    return { _: 'inputCheckPasswordSRP', srpId: pw.srpId!, A, M1 };
  }

  async function setPassword(userId: bigint, password: string, extra: Partial<Obj<'account.passwordInputSettings'>> = {}) {
    await service.updateSettings(userId, EMPTY, await newSettings(userId, password, extra));
  }

  return { service, clock, kv, events, random, newSettings, proof, setPassword };
}

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RpcError && e.errorMessage === message, `expected ${message}`);
}

test('without a password: account.password offers new_algo with the server prefix, and no SRP exchange', async () => {
  const { service } = await setup('no-password');
  assert.equal(await service.hasPassword(ALICE), false);
  const pw = await service.getPassword(ALICE);
  assert.equal(pw.hasPassword, undefined);
  assert.equal(pw.currentAlgo, undefined);
  assert.equal(pw.srpB, undefined);
  assert.equal(pw.srpId, undefined);
  const algo = pw.newAlgo as Algo;
  assert.equal(algo._, 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow');
  assert.deepEqual(algo.salt1, service.salt1Prefix(ALICE));
  assert.equal(algo.salt1.length, 8);
  assert.equal(algo.salt2.length, 16);
  assert.equal(algo.g, 3);
  assert.equal(big(algo.p), P);
  assert.deepEqual(pw.newSecureAlgo._, 'securePasswordKdfAlgoPBKDF2HMACSHA512iter100000');
  assert.equal(pw.secureRandom.length, 256);
  // The prefix is stable per user (checked later without state) and differs between users.
  assert.deepEqual(((await service.getPassword(ALICE)).newAlgo as Algo).salt1, algo.salt1);
  assert.notDeepEqual(service.salt1Prefix(BOB), algo.salt1);
});

test('set a password: account.password then has current_algo, srp_B, srp_id and the hint; a proof checks', async () => {
  const { service, setPassword, proof } = await setup('set');
  await setPassword(ALICE, 'secret', { hint: 'h' });
  assert.equal(await service.hasPassword(ALICE), true);
  assert.equal(await service.hasPassword(BOB), false);
  const pw = await service.getPassword(ALICE);
  assert.equal(pw.hint, 'h');
  assert.equal((pw.currentAlgo as Algo).salt1.length, 40);
  assert.ok(big(pw.srpB!) < P);
  await service.checkProof(ALICE, await proof(ALICE, 'secret'));
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'Secret')), 'PASSWORD_HASH_INVALID');
  await rejects(service.checkProof(ALICE, EMPTY), 'PASSWORD_HASH_INVALID');
});

test('each account.getPassword makes a new srp_id and srp_B', async () => {
  const { service, setPassword } = await setup('fresh');
  await setPassword(ALICE, 'secret');
  const one = await service.getPassword(ALICE);
  const two = await service.getPassword(ALICE);
  assert.notEqual(one.srpId, two.srpId);
  assert.notDeepEqual(one.srpB, two.srpB);
});

test('srp_id is single-use, per user, and expires', async () => {
  const { service, setPassword, proof, clock } = await setup('srp-id');
  await setPassword(ALICE, 'secret');
  await setPassword(BOB, 'secret');
  const p = await proof(ALICE, 'secret');
  await service.checkProof(ALICE, p);
  await rejects(service.checkProof(ALICE, p), 'SRP_ID_INVALID');
  await rejects(service.checkProof(ALICE, { ...p, srpId: p.srpId + 1n }), 'SRP_ID_INVALID');
  await rejects(service.checkProof(BOB, await proof(ALICE, 'secret')), 'SRP_ID_INVALID');
  const late = await proof(ALICE, 'secret');
  clock.now += 5 * 60 * 1000 + 1;
  await rejects(service.checkProof(ALICE, late), 'SRP_ID_INVALID');
});

test('a wrong proof also uses up its srp_id', async () => {
  const { service, setPassword, proof } = await setup('wrong-uses-id');
  await setPassword(ALICE, 'secret');
  const p = await proof(ALICE, 'secret');
  await rejects(service.checkProof(ALICE, { ...p, M1: Buffer.alloc(32) }), 'PASSWORD_HASH_INVALID');
  await rejects(service.checkProof(ALICE, p), 'SRP_ID_INVALID');
});

test('an exchange started before the password changed answers SRP_PASSWORD_CHANGED', async () => {
  const { service, setPassword, proof, newSettings } = await setup('changed');
  await setPassword(ALICE, 'secret');
  const stale = await proof(ALICE, 'secret');
  await service.updateSettings(ALICE, await proof(ALICE, 'secret'), await newSettings(ALICE, 'secret'));
  await rejects(service.checkProof(ALICE, stale), 'SRP_PASSWORD_CHANGED');
});

test('change the password with a proof of the current one; the old one stops working', async () => {
  const { service, setPassword, proof, newSettings } = await setup('change');
  await setPassword(ALICE, 'old', { hint: 'first' });
  await rejects(service.updateSettings(ALICE, EMPTY, await newSettings(ALICE, 'new')), 'PASSWORD_HASH_INVALID');
  await rejects(service.updateSettings(ALICE, await proof(ALICE, 'wrong'), await newSettings(ALICE, 'new')), 'PASSWORD_HASH_INVALID');
  await service.updateSettings(ALICE, await proof(ALICE, 'old'), await newSettings(ALICE, 'new', { hint: 'second' }));
  assert.equal((await service.getPassword(ALICE)).hint, 'second');
  await service.checkProof(ALICE, await proof(ALICE, 'new'));
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'old')), 'PASSWORD_HASH_INVALID');
});

test('remove the password with a proof (empty new_password_hash)', async () => {
  const { service, setPassword, proof, newSettings } = await setup('remove');
  await setPassword(ALICE, 'secret');
  const removal = { ...(await newSettings(ALICE, 'unused')), newPasswordHash: Buffer.alloc(0) };
  await rejects(service.updateSettings(ALICE, await proof(ALICE, 'nope'), removal), 'PASSWORD_HASH_INVALID');
  assert.equal(await service.hasPassword(ALICE), true);
  await service.updateSettings(ALICE, await proof(ALICE, 'secret'), removal);
  assert.equal(await service.hasPassword(ALICE), false);
  assert.equal((await service.getPassword(ALICE)).hasPassword, undefined);
  // Also with passwordKdfAlgoUnknown, as some clients send.
  await setPassword(ALICE, 'secret');
  await service.updateSettings(ALICE, await proof(ALICE, 'secret'), { _: 'account.passwordInputSettings', newAlgo: { _: 'passwordKdfAlgoUnknown' }, newPasswordHash: Buffer.alloc(0), hint: '' });
  assert.equal(await service.hasPassword(ALICE), false);
});

test('setting a password when there is none needs inputCheckPasswordEmpty', async () => {
  const { service, newSettings, setPassword, proof } = await setup('set-empty');
  await setPassword(BOB, 'other');
  const bobProof = await proof(BOB, 'other');
  await rejects(service.updateSettings(ALICE, bobProof, await newSettings(ALICE, 'secret')), 'PASSWORD_HASH_INVALID');
  assert.equal(await service.hasPassword(ALICE), false);
});

test('bad new settings are refused before the proof is spent', async () => {
  const { service, newSettings, setPassword, proof } = await setup('bad-settings');
  const good = await newSettings(ALICE, 'secret');
  const algo = good.newAlgo as Algo;
  const withAlgo = (patch: Partial<Algo>): Algo => ({ ...algo, ...patch });
  const cases: [string, Obj<'account.passwordInputSettings'>][] = [
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ salt1: Buffer.concat([Buffer.alloc(8), algo.salt1.subarray(8)]) }) }],
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ salt1: algo.salt1.subarray(0, 4) }) }],
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ salt1: Buffer.concat([algo.salt1, Buffer.alloc(200)]) }) }],
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ salt2: Buffer.alloc(4) }) }],
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ g: 2 }) }],
    ['NEW_SALT_INVALID', { ...good, newAlgo: withAlgo({ p: bytes256(P - 2n) }) }],
    ['NEW_SETTINGS_INVALID', { ...good, newAlgo: { _: 'passwordKdfAlgoUnknown' } }],
    ['NEW_SETTINGS_INVALID', { ...good, newPasswordHash: bytes256(1n) }],
    ['NEW_SETTINGS_INVALID', { ...good, newPasswordHash: bytes256(P - 1n) }],
    ['NEW_SETTINGS_INVALID', { ...good, newPasswordHash: bytes256(P) }],
    ['NEW_SETTINGS_INVALID', { ...good, newPasswordHash: Buffer.alloc(257, 1) }],
    ['NEW_SETTINGS_INVALID', { ...good, hint: 'x'.repeat(129) }],
    ['EMAIL_INVALID', { ...good, email: 'not an email' }],
    ['NEW_SETTINGS_EMPTY', { _: 'account.passwordInputSettings' }],
    ['NEW_SETTINGS_EMPTY', { ...good, newPasswordHash: Buffer.alloc(0) }],
    ['PASSWORD_EMPTY', { _: 'account.passwordInputSettings', email: 'a@example.com' }],
  ];
  for (const [error, settings] of cases) await rejects(service.updateSettings(ALICE, EMPTY, settings), error);
  assert.equal(await service.hasPassword(ALICE), false);

  // With a password set, the srp_id of a refused change is still good for the next try.
  await setPassword(ALICE, 'secret');
  const p = await proof(ALICE, 'secret');
  await rejects(service.updateSettings(ALICE, p, { ...(await newSettings(ALICE, 'x')), newAlgo: withAlgo({ g: 2 }) }), 'NEW_SALT_INVALID');
  await service.updateSettings(ALICE, p, await newSettings(ALICE, 'next'));
  await service.checkProof(ALICE, await proof(ALICE, 'next'));
});

test('a salt1 exactly the server prefix (not extended) is accepted', async () => {
  const { service } = await setup('unextended');
  const pw = await service.getPassword(ALICE);
  const algo = pw.newAlgo as Algo;
  await service.updateSettings(ALICE, EMPTY, { _: 'account.passwordInputSettings', newAlgo: algo, newPasswordHash: verifierFor('pw', algo.salt1, algo.salt2), hint: '' });
  assert.equal(await service.hasPassword(ALICE), true);
});

test('recovery email: stored unconfirmed, shown by getPasswordSettings, kept on change, changeable alone', async () => {
  const { service, setPassword, proof, newSettings } = await setup('email');
  await setPassword(ALICE, 'secret', { email: 'alice@example.com' });
  const pw = await service.getPassword(ALICE);
  assert.equal(pw.hasRecovery, undefined);
  assert.equal(pw.emailUnconfirmedPattern, undefined);
  assert.deepEqual(await service.getSettings(ALICE, await proof(ALICE, 'secret')), { _: 'account.passwordSettings', email: 'alice@example.com' });
  await rejects(service.getSettings(ALICE, await proof(ALICE, 'wrong')), 'PASSWORD_HASH_INVALID');
  await rejects(service.getSettings(ALICE, EMPTY), 'PASSWORD_HASH_INVALID');

  await service.updateSettings(ALICE, await proof(ALICE, 'secret'), await newSettings(ALICE, 'second'));
  assert.equal((await service.getSettings(ALICE, await proof(ALICE, 'second'))).email, 'alice@example.com');

  await service.updateSettings(ALICE, await proof(ALICE, 'second'), { _: 'account.passwordInputSettings', email: 'new@example.com' });
  assert.equal((await service.getSettings(ALICE, await proof(ALICE, 'second'))).email, 'new@example.com');
  await service.updateSettings(ALICE, await proof(ALICE, 'second'), { _: 'account.passwordInputSettings', email: '' });
  assert.deepEqual(await service.getSettings(ALICE, await proof(ALICE, 'second')), { _: 'account.passwordSettings' });
  // The password itself did not change with the email.
  await service.checkProof(ALICE, await proof(ALICE, 'second'));
});

test('password recovery is never available: PASSWORD_EMPTY without a password, PASSWORD_RECOVERY_NA with one', async () => {
  const { service, setPassword } = await setup('recovery');
  await rejects(service.requestRecovery(ALICE), 'PASSWORD_EMPTY');
  await setPassword(ALICE, 'secret', { email: 'alice@example.com' });
  await rejects(service.requestRecovery(ALICE), 'PASSWORD_RECOVERY_NA');
});

test('five wrong proofs per 10 minutes, then FLOOD_WAIT until the window ends, even for the right one', async () => {
  const { service, setPassword, proof, clock } = await setup('flood');
  await setPassword(ALICE, 'secret');
  await setPassword(BOB, 'secret');
  for (let i = 0; i < 5; i++) await rejects(service.checkProof(ALICE, await proof(ALICE, `guess${i}`)), 'PASSWORD_HASH_INVALID');
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'secret')), 'FLOOD_WAIT_600');
  clock.now += 4 * 60 * 1000;
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'secret')), 'FLOOD_WAIT_360');
  // The limit is per user.
  await service.checkProof(BOB, await proof(BOB, 'secret'));
  clock.now += 6 * 60 * 1000;
  await service.checkProof(ALICE, await proof(ALICE, 'secret'));
});

test('a correct proof clears the count of wrong ones', async () => {
  const { service, setPassword, proof } = await setup('flood-reset');
  await setPassword(ALICE, 'secret');
  for (let i = 0; i < 4; i++) await rejects(service.checkProof(ALICE, await proof(ALICE, 'bad')), 'PASSWORD_HASH_INVALID');
  await service.checkProof(ALICE, await proof(ALICE, 'secret'));
  for (let i = 0; i < 5; i++) await rejects(service.checkProof(ALICE, await proof(ALICE, 'bad')), 'PASSWORD_HASH_INVALID');
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'bad')), 'FLOOD_WAIT_600');
});

test('wrong current passwords in updatePasswordSettings count toward the same limit', async () => {
  const { service, setPassword, proof, newSettings } = await setup('flood-update');
  await setPassword(ALICE, 'secret');
  for (let i = 0; i < 5; i++) await rejects(service.updateSettings(ALICE, await proof(ALICE, 'bad'), await newSettings(ALICE, 'x')), 'PASSWORD_HASH_INVALID');
  await rejects(service.checkProof(ALICE, await proof(ALICE, 'secret')), 'FLOOD_WAIT_600');
});

test('deleting the account deletes its password', async () => {
  const { service, setPassword, events } = await setup('deleted');
  await setPassword(ALICE, 'secret');
  await events.emit('userDeleted', { userId: ALICE });
  assert.equal(await service.hasPassword(ALICE), false);
});
