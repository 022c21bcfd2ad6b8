import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { DeviceDirectory } from '../../../src/service/authsession/device-directory.js';
import { RevocationWatch } from '../../../src/service/authsession/revocation-watch.js';
import { authorizationOf } from '../../../src/service/authsession/authorization-view.js';
import { DEFAULT_AUTHORIZATION_TTL_DAYS } from '../../../src/service/authsession/limits.js';
import type { ClientInfo } from '../../../src/infra/db/index.js';
import { makeFixture } from './fixture.js';

const info = (deviceModel: string, updatedAt: number, extra: Partial<ClientInfo> = {}): ClientInfo => ({
  layer: 198, apiId: 12345, deviceModel, systemVersion: 'Linux', appVersion: '1.0', systemLangCode: 'en', langPack: '', langCode: 'en', ip: '127.0.0.1', updatedAt, ...extra,
});

async function setup(t: { after(fn: () => unknown): unknown }) {
  const f = await makeFixture();
  t.after(() => f.close());
  const devices = new DeviceDirectory(f.core.db);
  await f.addDevice(1n, 100);
  await f.addDevice(2n, 200);
  await f.addDevice(3n, 300);
  await f.db.authKeys.setUser(1n, 10n);
  await f.db.authKeys.setUser(2n, 10n);
  await f.db.authKeys.setUser(3n, 20n);
  return { f, devices };
}

test('lists signed-in devices per user with the newest client info, including a bound temp key', async (t) => {
  const { f, devices } = await setup(t);
  await f.db.authKeys.saveClientInfo(1n, info('laptop', 150));
  await f.db.authKeys.saveClientInfo(2n, info('phone (old)', 210));
  // Device 2 uses PFS: its newer initConnection went over a temp key bound to it.
  await f.db.authKeys.create({ id: 99n, key: randomBytes(256), kind: 'temp', createdAt: 220, expiresAt: 99999999999 });
  await f.db.authKeys.bindTemp(99n, 2n, 99999999999);
  await f.db.authKeys.saveClientInfo(99n, info('phone', 230, { langPack: 'android' }));

  const mine = await devices.list({ userId: 10n });
  assert.deepEqual(mine.map((d) => [d.permKeyId, d.createdAt, d.client?.deviceModel]), [[1n, 100, 'laptop'], [2n, 200, 'phone']]);
  assert.equal((await devices.list()).length, 3);
  assert.equal((await devices.get(3n))?.client, undefined);

  const current = authorizationOf(mine[0]!, true) as unknown as Record<string, unknown>;
  assert.equal(current.current, true);
  assert.equal(current.hash, 0n, 'the current device has hash 0');
  const other = authorizationOf(mine[1]!, false) as unknown as Record<string, unknown>;
  assert.equal(other.hash, 2n, 'hash = perm auth key id');
  assert.equal(other.platform, 'android');
  assert.equal(other.appName, 'Telegram Android');
  assert.equal(other.dateCreated, 200);
  assert.equal(other.dateActive, 230);
});

test('a revocation by another process reaches the server through the watch, which kicks the device', async (t) => {
  const { f, devices } = await setup(t);
  const watch = new RevocationWatch(devices, f.core.signIns, pino({ level: 'silent' }));
  assert.equal(await devices.revoke(1n, 'admin', 5), true);
  assert.equal(await devices.revoke(1n, 'admin', 6), false, 'already signed out');
  assert.equal(await devices.revoke(12345n, 'admin', 6), false, 'no such key');
  assert.equal((await f.db.authKeys.get(1n))?.userId, null, 'signed out in the database at once');
  // Device 2 is revoked but signs in again before the server looks: the new sign-in stands.
  await devices.revoke(2n, 'admin', 7);
  await f.db.authKeys.setUser(2n, 10n);
  assert.deepEqual(await watch.poll(), [1n]);
  assert.deepEqual(f.signIns, [{ op: 'out', permKeyId: 1n, kick: true }]);
  assert.deepEqual(await watch.poll(), [], 'each note is handled once');
  assert.deepEqual((await devices.list({ userId: 10n })).map((d) => d.permKeyId), [2n]);
});

test('authorization TTL defaults to 180 days and is stored per user', async (t) => {
  const { devices } = await setup(t);
  assert.equal(await devices.authorizationTtl(10n), DEFAULT_AUTHORIZATION_TTL_DAYS);
  await devices.setAuthorizationTtl(10n, 30);
  await devices.setAuthorizationTtl(10n, 90);
  assert.equal(await devices.authorizationTtl(10n), 90);
  assert.equal(await devices.authorizationTtl(20n), DEFAULT_AUTHORIZATION_TTL_DAYS);
});
