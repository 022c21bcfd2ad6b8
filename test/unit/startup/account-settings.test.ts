// account.* settings of the start-up: the global privacy rules Echo can and cannot honour, push token
// checks, and the store of contact sign-up preferences and push tokens over a real SQLite database.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { AccountSettingsStore } from '../../../src/service/account/settings-store.js';
import { EFFECTIVE_GLOBAL_PRIVACY, globalPrivacyError, tokenError, TOKEN_MAX_LENGTH } from '../../../src/bff/startup/account-settings.js';
import type { Obj } from '../../../src/tl/index.js';

const dirs: string[] = [];
const dbs: Database[] = [];
after(async () => {
  for (const db of dbs) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function store(): Promise<{ settings: AccountSettingsStore; db: Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-startup-'));
  dirs.push(dir);
  const db = await openDatabase(dir);
  dbs.push(db);
  return { settings: new AccountSettingsStore(db.kysely, () => 1_700_000_000_000), db };
}

async function signedInDevice(db: Database, permKeyId: bigint, userId: bigint | null): Promise<void> {
  await db.kysely.insertInto('auth_keys').values({ auth_key_id: permKeyId, auth_key: Buffer.alloc(256, 1), kind: 'perm', created_at: 1, expires_at: null, perm_auth_key_id: null, user_id: userId }).execute();
}

const errorOf = (e: { errorMessage: string; code: number } | undefined) => (e ? `${e.code} ${e.errorMessage}` : undefined);

test('global privacy: what Echo does passes, the rest gets Telegram errors', () => {
  const s = (fields: Omit<Obj<'globalPrivacySettings'>, '_'>): Obj<'globalPrivacySettings'> => ({ _: 'globalPrivacySettings', ...fields });
  assert.equal(globalPrivacyError(s({})), undefined);
  assert.equal(globalPrivacyError(EFFECTIVE_GLOBAL_PRIVACY), undefined);
  assert.equal(globalPrivacyError(s({ keepArchivedUnmuted: true, hideReadMarks: true })), undefined);
  assert.equal(globalPrivacyError(s({ noncontactPeersPaidStars: 0n })), undefined);
  assert.equal(globalPrivacyError(s({ disallowedGifts: { _: 'disallowedGiftsSettings' } })), undefined);
  assert.equal(errorOf(globalPrivacyError(s({ archiveAndMuteNewNoncontactPeers: true }))), '400 AUTOARCHIVE_NOT_AVAILABLE');
  assert.equal(errorOf(globalPrivacyError(s({ newNoncontactPeersRequirePremium: true }))), '403 PREMIUM_ACCOUNT_REQUIRED');
  assert.equal(errorOf(globalPrivacyError(s({ noncontactPeersPaidStars: 10n }))), '403 PREMIUM_ACCOUNT_REQUIRED');
  assert.equal(errorOf(globalPrivacyError(s({ displayGiftsButton: true }))), '403 PREMIUM_ACCOUNT_REQUIRED');
  assert.equal(errorOf(globalPrivacyError(s({ disallowedGifts: { _: 'disallowedGiftsSettings', disallowUnlimitedStargifts: true } }))), '403 PREMIUM_ACCOUNT_REQUIRED');
  // The decoder only hands over globalPrivacySettings here; the check stands for anything else all the same.
  assert.equal(errorOf(globalPrivacyError({ _: 'inputPeerSelf' } as unknown as Obj<'globalPrivacySettings'>)), '400 SETTINGS_INVALID');
});

test('push tokens: types, emptiness, length and the web push JSON are checked', () => {
  assert.equal(tokenError(2, 'fcm-token', undefined), undefined);
  assert.equal(tokenError(7, '1234567890', undefined), undefined);
  assert.equal(tokenError(13, 'huawei', Buffer.alloc(256)), undefined);
  assert.equal(errorOf(tokenError(0, 'x', undefined)), '400 TOKEN_TYPE_INVALID');
  assert.equal(errorOf(tokenError(14, 'x', undefined)), '400 TOKEN_TYPE_INVALID');
  assert.equal(errorOf(tokenError(1.5, 'x', undefined)), '400 TOKEN_TYPE_INVALID');
  assert.equal(errorOf(tokenError(2, '', undefined)), '400 TOKEN_EMPTY');
  assert.equal(errorOf(tokenError(2, '   ', undefined)), '400 TOKEN_EMPTY');
  assert.equal(errorOf(tokenError(2, 'x'.repeat(TOKEN_MAX_LENGTH + 1), undefined)), '400 TOKEN_INVALID');
  assert.equal(errorOf(tokenError(2, 'x', Buffer.alloc(257))), '400 TOKEN_INVALID');
  const web = (o: unknown) => tokenError(10, typeof o === 'string' ? o : JSON.stringify(o), undefined);
  assert.equal(web({ endpoint: 'https://push.example/abc', keys: { p256dh: 'BKey', auth: 'secret' } }), undefined);
  assert.equal(errorOf(web('not json')), '400 WEBPUSH_TOKEN_INVALID');
  assert.equal(errorOf(web('null')), '400 WEBPUSH_TOKEN_INVALID');
  assert.equal(errorOf(web({ endpoint: 'http://insecure.example', keys: { p256dh: 'k', auth: 'a' } })), '400 WEBPUSH_TOKEN_INVALID');
  assert.equal(errorOf(web({ endpoint: 'https://push.example', keys: { auth: 'a' } })), '400 WEBPUSH_KEY_INVALID');
  assert.equal(errorOf(web({ endpoint: 'https://push.example', keys: { p256dh: 'k' } })), '400 WEBPUSH_AUTH_INVALID');
});

test('contact sign-up notifications: not silent until set, then as set', async () => {
  const { settings } = await store();
  assert.equal(await settings.contactSignUpSilent(1000n), false);
  await settings.setContactSignUpSilent(1000n, true);
  assert.equal(await settings.contactSignUpSilent(1000n), true);
  assert.equal(await settings.contactSignUpSilent(1001n), false, 'per user');
  await settings.setContactSignUpSilent(1000n, false);
  assert.equal(await settings.contactSignUpSilent(1000n), false);
});

test('push devices: one token per device and type, replaced on re-registration, usable only while signed in', async () => {
  const { settings, db } = await store();
  await signedInDevice(db, 11n, 1000n);
  await signedInDevice(db, 12n, 1000n);
  await signedInDevice(db, 13n, null);
  const base = { userId: 1000n, appSandbox: false, noMuted: false, otherUids: [] as bigint[] };
  await settings.registerDevice({ ...base, permKeyId: 11n, tokenType: 2, token: 'old' });
  await settings.registerDevice({ ...base, permKeyId: 11n, tokenType: 2, token: 'new', noMuted: true, secret: Buffer.from('k'), otherUids: [2000n] });
  await settings.registerDevice({ ...base, permKeyId: 11n, tokenType: 7, token: '99' });
  await settings.registerDevice({ ...base, permKeyId: 12n, tokenType: 2, token: 'other-phone' });
  // A device that has signed out since: its token must not be used.
  await settings.registerDevice({ ...base, permKeyId: 13n, tokenType: 2, token: 'signed-out' });

  const devices = await settings.devicesOf(1000n);
  assert.deepEqual(
    devices.map((d) => [d.permKeyId, d.tokenType, d.token]),
    [
      [11n, 2, 'new'],
      [11n, 7, '99'],
      [12n, 2, 'other-phone'],
    ],
  );
  assert.equal(devices[0]!.noMuted, true);
  assert.deepEqual(devices[0]!.secret, Buffer.from('k'));
  assert.deepEqual(devices[0]!.otherUids, [2000n]);
  assert.equal(devices[1]!.secret, undefined);

  assert.equal(await settings.unregisterDevice(1000n, 2, 'new'), 1);
  assert.equal(await settings.unregisterDevice(1000n, 2, 'new'), 0, 'already gone');
  assert.equal(await settings.unregisterDevice(2000n, 2, 'other-phone'), 0, "another user cannot remove someone's token");
  assert.deepEqual((await settings.devicesOf(1000n)).map((d) => d.token), ['99', 'other-phone']);

  await settings.setContactSignUpSilent(1000n, true);
  await settings.forgetUser(1000n);
  assert.deepEqual(await settings.devicesOf(1000n), []);
  assert.equal(await settings.contactSignUpSilent(1000n), false);
});
