import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';
import { openDatabase } from '../../../src/infra/db/index.js';
import { SqlIdGenerator } from '../../../src/service/idgen.js';
import { UserStore } from '../../../src/service/users/user-store.js';
import { LoginCodeStore } from '../../../src/service/authsession/code-store.js';

function io(dataDir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'echo-admin-cwd-'));
  const value: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env: { ECHO_DATA_DIR: dataDir }, cwd, interactive: false, ask: async () => '' };
  return { io: value, out: () => out.join(''), err: () => err.join(''), cleanup: () => rmSync(cwd, { recursive: true, force: true }) };
}

async function withData(t: { after(fn: () => unknown): unknown }) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-admin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = await openDatabase(dir);
  const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely, { user: 1_000_000n }));
  const ann = await users.create({ phone: '15550100001', firstName: 'Ann', lastName: 'Lee', createdAt: 1_700_000_000 });
  // Auth key ids are signed; this one is negative, as half of them are.
  await db.authKeys.create({ id: -5_163_000_000_000_000_001n, key: randomBytes(256), kind: 'perm', createdAt: 1_700_000_100 });
  await db.authKeys.setUser(-5_163_000_000_000_000_001n, ann.id);
  await new LoginCodeStore(db.kysely).create({ hash: 'abc', phone: '15550100002', code: '13579', permKeyId: 1n, now: Date.now(), ttlMs: 60_000 });
  await db.close();
  const run = async (...argv: string[]) => {
    const x = io(dir);
    const code = await main(argv, x.io);
    x.cleanup();
    return { code, out: x.out(), err: x.err() };
  };
  return { dir, ann, run };
}

test('users list/show as tables and JSON', async (t) => {
  const { ann, run } = await withData(t);
  const table = await run('users', 'list');
  assert.equal(table.code, 0);
  assert.match(table.out, /^ID\s+PHONE\s+NAME\s+USERNAME\s+KIND\s+STATE\s+CREATED\n/);
  assert.match(table.out, new RegExp(`${ann.id}\\s+15550100001\\s+Ann Lee\\s+-\\s+user\\s+active\\s+2023-11-14T22:13:20Z`));
  assert.match(table.out, /1 user\n$/);
  const json = JSON.parse((await run('users', 'list', '--json')).out);
  assert.deepEqual(json.map((u: { id: string; phone: string }) => [u.id, u.phone]), [[ann.id.toString(), '15550100001']]);
  for (const key of [ann.id.toString(), '+1 555 010 0001']) {
    const shown = JSON.parse((await run('users', 'show', key, '--json')).out);
    assert.equal(shown.id, ann.id.toString());
    assert.deepEqual(shown.devices.map((d: { authKeyId: string }) => d.authKeyId), ['-5163000000000000001']);
  }
});

test('sessions list/revoke accept negative auth key ids; ban and unban', async (t) => {
  const { ann, run } = await withData(t);
  const listed = JSON.parse((await run('sessions', 'list', '--user', ann.id.toString(), '--json')).out);
  assert.equal(listed.length, 1);
  const revoked = await run('sessions', 'revoke', '-5163000000000000001');
  assert.equal(revoked.code, 0, revoked.err);
  assert.match(revoked.out, /signed out device -5163000000000000001/);
  const again = await run('sessions', 'revoke', '-5163000000000000001');
  assert.equal(again.code, 1);
  assert.match(again.err, /no signed-in device with auth key id -5163000000000000001/);
  assert.equal(JSON.parse((await run('sessions', 'list', '--json')).out).length, 0);
  const ban = await run('users', 'ban', ann.id.toString(), '--json');
  assert.deepEqual(JSON.parse(ban.out), { id: ann.id.toString(), banned: true, devicesSignedOut: 0 });
  assert.match((await run('users', 'list')).out, /banned/);
  assert.equal((await run('users', 'unban', ann.id.toString())).code, 0);
  assert.match((await run('users', 'list')).out, /active/);
});

test('codes lists live codes', async (t) => {
  const { run } = await withData(t);
  const json = JSON.parse((await run('codes', '--json')).out);
  assert.equal(json.length, 1);
  assert.equal(json[0].phone, '15550100002');
  assert.equal(json[0].code, '13579');
  assert.equal(json[0].state, 'pending');
  const table = await run('codes');
  assert.match(table.out, /^PHONE\s+CODE\s+EXPIRES IN/);
  assert.match(table.out, /15550100002\s+13579\s+\d+s\s+0\s+pending\s+abc/);
});

test('usage mistakes exit 2, missing things exit 1, and nothing is created in an empty data dir', async (t) => {
  const { run } = await withData(t);
  const cases: [string[], number, RegExp][] = [
    [['users'], 2, /needs list, show, ban or unban/],
    [['sessions'], 2, /needs list or revoke/],
    [['users', 'frobnicate'], 2, /unknown command "users frobnicate"/],
    [['users', 'show'], 2, /missing argument/],
    [['users', 'ban', 'abc'], 2, /not a numeric id/],
    [['users', 'ban', '99999999999999999999'], 2, /out of range/],
    [['users', 'list', '--user', '5'], 2, /--user only goes with/],
    [['users', 'list', '--limit', '0'], 2, /--limit expects a positive number/],
    [['codes', 'extra'], 2, /unexpected argument/],
    [['users', 'list', '--bogus'], 2, /Unknown option/],
    [['users', 'ban', '42'], 1, /no user with id 42/],
    [['users', 'show', '42'], 1, /no user with id or phone 42/],
  ];
  for (const [argv, code, message] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, code, argv.join(' '));
    assert.match(r.err, message, argv.join(' '));
  }
  const empty = mkdtempSync(join(tmpdir(), 'echo-admin-empty-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  const x = io(join(empty, 'nothing-here'));
  assert.equal(await main(['users', 'list'], x.io), 1);
  assert.match(x.err(), /no database in .*nothing-here/);
  x.cleanup();
});
