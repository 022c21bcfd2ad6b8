// The admin listener in process, over a real database: health, metrics, and the token-guarded admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { Metrics } from '../../../src/infra/metrics/index.js';
import { AdminServer } from '../../../src/interface/admin/admin-server.js';
import { AdminService } from '../../../src/service/admin/index.js';
import { DeviceDirectory } from '../../../src/service/authsession/device-directory.js';
import { UserStore } from '../../../src/service/users/user-store.js';
import { SqlIdGenerator } from '../../../src/service/idgen.js';

const TOKEN = 'test-token-0123456789abcdef';

interface Fixture {
  base: string;
  db: Database;
  users: UserStore;
  signedOut: bigint[];
  notReady: string[];
}

async function start(t: { after(fn: () => unknown): unknown }, token: string | null = TOKEN): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-admin-'));
  const db = await openDatabase(dir);
  const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely, { user: 1_000_000n }));
  const devices = new DeviceDirectory(db.kysely);
  const signedOut: bigint[] = [];
  const notReady: string[] = [];
  const admin = new AdminService({
    db: db.kysely,
    users,
    devices,
    // What the running server does: the DB write plus (here recorded) the kick.
    signOut: async (permKeyId) => {
      const d = await devices.get(permKeyId);
      if (!d || d.userId === null) return false;
      await db.kysely.updateTable('auth_keys').set({ user_id: null }).where('auth_key_id', '=', permKeyId).execute();
      signedOut.push(permKeyId);
      return true;
    },
    live: { connections: () => 4, sessions: () => 6 },
  });
  const server = new AdminServer({ metrics: new Metrics({ defaultMetrics: false }), admin, token, readiness: async () => [...notReady], log: pino({ level: 'silent' }) });
  const port = await server.listen('127.0.0.1', 0);
  t.after(async () => {
    await server.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { base: `http://127.0.0.1:${port}`, db, users, signedOut, notReady };
}

async function call(f: Fixture, path: string, opts: { method?: string; token?: string | null } = {}) {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const res = await fetch(f.base + path, { method: opts.method ?? 'GET', headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as any) : undefined };
}

async function seed(f: Fixture) {
  const alice = await f.users.create({ phone: '15550000001', firstName: 'Alice', createdAt: 1_700_000_000 });
  const bob = await f.users.create({ phone: '15550000002', firstName: 'Bob', createdAt: 1_700_000_001 });
  const key = (id: bigint, user: bigint | null) => ({ auth_key_id: id, auth_key: Buffer.alloc(256, 1), kind: 'perm' as const, created_at: 1_700_000_000, user_id: user });
  await f.db.kysely.insertInto('auth_keys').values([key(11n, alice.id), key(12n, alice.id), key(-13n, bob.id), key(14n, null)]).execute();
  await f.db.kysely.insertInto('auth_keys').values({ auth_key_id: 15n, auth_key: Buffer.alloc(256, 2), kind: 'temp', created_at: 1_700_000_000, expires_at: 1_900_000_000, perm_auth_key_id: 11n }).execute();
  return { alice, bob };
}

test('metrics and health checks need no token; readiness reports its reasons with 503', async (t) => {
  const f = await start(t);
  const metrics = await call(f, '/metrics', { token: null });
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(metrics.text, /# TYPE echo_rpc_calls_total counter/);
  assert.deepEqual((await call(f, '/healthz', { token: null })).json, { status: 'ok' });
  const ready = await call(f, '/readyz', { token: null });
  assert.equal(ready.status, 200);
  f.notReady.push('database (sqlite): disk I/O error');
  const notReady = await call(f, '/readyz', { token: null });
  assert.equal(notReady.status, 503);
  assert.deepEqual(notReady.json, { status: 'not ready', reasons: ['database (sqlite): disk I/O error'] });
  assert.equal((await call(f, '/metrics', { method: 'POST', token: null })).status, 405);
  assert.equal((await call(f, '/nothing', { token: null })).status, 404);
});

test('without a configured token the admin API answers 403 with the setting to use', async (t) => {
  const f = await start(t, null);
  for (const token of [null, TOKEN, '']) {
    const res = await call(f, '/admin/stats', { token });
    assert.equal(res.status, 403);
    assert.match(res.json.error, /ECHO_ADMIN_TOKEN/);
  }
  assert.equal((await call(f, '/healthz', { token: null })).status, 200);
});

test('a missing or wrong bearer token gets 401', async (t) => {
  const f = await start(t);
  for (const token of [null, 'wrong', TOKEN + 'x', TOKEN.slice(0, -1)]) {
    const res = await call(f, '/admin/stats', { token });
    assert.equal(res.status, 401, String(token));
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  }
  const basic = await fetch(f.base + '/admin/stats', { headers: { Authorization: `Basic ${Buffer.from('a:' + TOKEN).toString('base64')}` } });
  assert.equal(basic.status, 401);
});

test('users: list with paging, show by id or phone, 404 and 400 for bad ids and parameters', async (t) => {
  const f = await start(t);
  const { alice, bob } = await seed(f);
  const all = await call(f, '/admin/users');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json.users.map((u: any) => u.firstName), ['Alice', 'Bob']);
  assert.equal(all.json.users[0].id, alice.id.toString());
  const page = await call(f, '/admin/users?limit=1&offset=1');
  assert.deepEqual(page.json.users.map((u: any) => u.id), [bob.id.toString()]);
  for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'offset=-1', 'limit=1.5']) assert.equal((await call(f, `/admin/users?${q}`)).status, 400, q);

  const shown = await call(f, `/admin/users/${alice.id}`);
  assert.equal(shown.status, 200);
  assert.equal(shown.json.phone, '15550000001');
  assert.deepEqual(shown.json.devices.map((d: any) => d.authKeyId), ['11', '12']);
  assert.equal((await call(f, '/admin/users/+1%20555%20000%200002')).json.id, bob.id.toString());
  assert.equal((await call(f, '/admin/users/999')).status, 404);
  assert.equal((await call(f, '/admin/users/%E0%A4%A')).status, 400);
  assert.equal((await call(f, '/admin/users/1/ban', { method: 'GET' })).status, 405);
});

test('ban signs every device of the user out at once; unban clears the flag; both 404 for unknown users', async (t) => {
  const f = await start(t);
  const { alice } = await seed(f);
  const banned = await call(f, `/admin/users/${alice.id}/ban`, { method: 'POST' });
  assert.equal(banned.status, 200);
  assert.deepEqual(banned.json, { id: alice.id.toString(), banned: true, devicesSignedOut: 2 });
  assert.deepEqual(f.signedOut, [11n, 12n]);
  assert.equal((await f.users.byId(alice.id))!.banned, true);
  const unbanned = await call(f, `/admin/users/${alice.id}/unban`, { method: 'POST' });
  assert.deepEqual(unbanned.json, { id: alice.id.toString(), banned: false, devicesSignedOut: 0 });
  assert.equal((await f.users.byId(alice.id))!.banned, false);
  assert.equal((await call(f, '/admin/users/4242/ban', { method: 'POST' })).status, 404);
  assert.equal((await call(f, '/admin/users/abc/ban', { method: 'POST' })).status, 400);
  assert.equal((await call(f, '/admin/users/99999999999999999999/ban', { method: 'POST' })).status, 400);
});

test('sessions: list (all or one user), revoke by perm auth key id, 404 for keys not signed in', async (t) => {
  const f = await start(t);
  const { bob } = await seed(f);
  const all = await call(f, '/admin/sessions');
  assert.deepEqual(all.json.sessions.map((s: any) => s.authKeyId).sort(), ['-13', '11', '12']);
  const ofBob = await call(f, `/admin/sessions?user=${bob.id}`);
  assert.deepEqual(ofBob.json.sessions.map((s: any) => s.authKeyId), ['-13']);
  assert.equal((await call(f, '/admin/sessions?user=x')).status, 400);
  const revoked = await call(f, '/admin/sessions/-13/revoke', { method: 'POST' });
  assert.deepEqual(revoked.json, { authKeyId: '-13', revoked: true });
  assert.deepEqual(f.signedOut, [-13n]);
  assert.equal((await call(f, '/admin/sessions/-13/revoke', { method: 'POST' })).status, 404, 'already signed out');
  assert.equal((await call(f, '/admin/sessions/14/revoke', { method: 'POST' })).status, 404, 'never signed in');
  assert.equal((await call(f, '/admin/sessions/15/revoke', { method: 'POST' })).status, 404, 'a temp key is not a device');
});

test('stats count users, auth keys, signed-in devices and the live state', async (t) => {
  const f = await start(t);
  const { bob } = await seed(f);
  await f.users.update(bob.id, { banned: true });
  const stats = await call(f, '/admin/stats');
  assert.deepEqual(stats.json, {
    users: { total: 2, active: 1, banned: 1, deleted: 0 },
    authKeys: { perm: 4, temp: 1 },
    signedInDevices: 3,
    live: { connections: 4, sessions: 6 },
  });
});
