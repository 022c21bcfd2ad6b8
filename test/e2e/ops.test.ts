// Issue 6, operations, against a real echod: metrics after real clients, health checks, the admin API
// (ban and revoke reach the running server at once), logs, backup and restore while running, and a
// graceful SIGTERM that still answers the requests it had accepted. Tests run in order and share state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2eWorld } from '../support/e2e.js';
import { startEchod, echodCliPath, inheritedEnv, repoRoot, type EchodProcess, type LogLine } from '../support/echod.js';
import { Api, createGramjsClient, connectGramjs, type EchoTarget } from '../support/gramjs.js';
import { testPhone, type GramjsAccount } from '../support/accounts.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { EchoClient, RpcFailure } from '../../src/client/mtproto-client.js';
import type { TlObject } from '../../src/tl/index.js';

const T = { timeout: 90_000 };
const TOKEN = 'e2e-admin-token-0123456789';
const ALICE = testPhone(6001);
const BOB = testPhone(6002);

let echod: EchodProcess;
let target: EchoTarget;
let work: string;
let world: E2eWorld;
/** Every auth key a client used in this file: none may ever show up in a log. */
const authKeys: Buffer[] = [];
let copyLogs: LogLine[] = [];
let alice: GramjsAccount;
let bob: GramjsAccount;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'echo-ops-e2e-'));
  world = await E2eWorld.start({ env: { ECHO_ADMIN_TOKEN: TOKEN } });
  ({ echod, target } = world);
});

after(async () => {
  await world?.close();
  rmSync(work, { recursive: true, force: true });
});

const adminUrl = (e: EchodProcess, path: string) => `http://127.0.0.1:${e.adminPort}${path}`;

async function admin(e: EchodProcess, path: string, opts: { method?: string; token?: string | null } = {}) {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const res = await fetch(adminUrl(e, path), { method: opts.method ?? 'GET', headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
}

async function scrape(e: EchodProcess): Promise<string> {
  const res = await fetch(adminUrl(e, '/metrics'));
  assert.equal(res.status, 200);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `no sample ${series} in:\n${text.split('\n').filter((l) => l.startsWith(series.split('{')[0]!)).join('\n')}`);
  return Number(line.slice(series.length + 1));
}

function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = inheritedEnv();
  env.ECHO_DATA_DIR = dataDir;
  return new Promise((resolve) => {
    execFile(process.execPath, [echodCliPath(), ...args], { cwd: repoRoot(), env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function echoClient(e: EchodProcess): Promise<EchoClient> {
  const config = await e.clientConfig();
  const parts = readRsaPublicKey(config.publicKey);
  const client = await EchoClient.open({ host: '127.0.0.1', port: e.tcpPorts[0]!, transport: 'intermediate' });
  world.defer(async () => client.close());
  const session = await client.createAuthKey({ n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint });
  authKeys.push(session.authKey.key);
  return client;
}

const getConfig = { _: 'help.getConfig' } as TlObject;

test('/metrics shows the connection, the handshake and the help.getConfig call of a GramJS client', T, async () => {
  const handle = createGramjsClient(target);
  world.defer(() => handle.close());
  await connectGramjs(handle);
  await handle.client.invoke(new Api.help.GetConfig());
  authKeys.push(handle.authKey()!);
  const text = await scrape(echod);
  assert.ok(value(text, 'echo_connections{transport="tcp"}') >= 1);
  assert.ok(value(text, 'echo_connections_opened_total{transport="tcp"}') >= 1);
  assert.ok(value(text, 'echo_handshakes_total{result="ok"}') >= 1);
  assert.ok(value(text, 'echo_handshake_duration_seconds_count') >= 1);
  assert.ok(value(text, 'echo_rpc_calls_total{method="help.getConfig",error="none"}') >= 1);
  assert.ok(value(text, 'echo_rpc_duration_seconds_count{method="help.getConfig"}') >= 1);
  assert.ok(value(text, 'echo_db_query_duration_seconds_count{engine="sqlite",op="insert"}') >= 1, 'the auth key was stored');
  assert.ok(value(text, 'echo_sessions') >= 1);
  assert.match(text, /^echo_nodejs_eventloop_lag_seconds \d/m);
  assert.match(text, /^echo_process_resident_memory_bytes \d/m);
  assert.ok(!/user_?id|auth_?key_?id/i.test(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')), 'no per-user labels');
});

test('/healthz and /readyz answer 200 while the node serves', T, async () => {
  const health = await fetch(adminUrl(echod, '/healthz'));
  assert.equal(health.status, 200);
  const ready = await fetch(adminUrl(echod, '/readyz'));
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', engines: { database: 'ok' } });
});

test('a failed RPC is logged as one info line with method and error name, and counted', T, async () => {
  const client = await echoClient(echod);
  await assert.rejects(client.invoke({ _: 'contacts.getContacts', hash: 0n } as TlObject), (err: unknown) => err instanceof RpcFailure && err.errorMessage === 'AUTH_KEY_UNREGISTERED');
  const line = await echod.waitForLog((l) => l.msg === 'RPC failed' && l.method === 'contacts.getContacts');
  assert.equal(line.level, 'info');
  assert.equal(line.error, 'AUTH_KEY_UNREGISTERED');
  assert.equal(line.code, 401);
  assert.ok(value(await scrape(echod), 'echo_rpc_calls_total{method="contacts.getContacts",error="AUTH_KEY_UNREGISTERED"}') >= 1);
  client.close();
  await echod.waitForLog((l) => l.msg === 'connection closed by peer' && l.reason === 'peer closed' && typeof l.remote === 'string');
  const opened = echod.logs.filter((l) => l.msg === 'connection opened');
  assert.ok(opened.length >= 2 && opened.every((l) => l.transport === 'tcp' && l.remote === '127.0.0.1'), JSON.stringify(opened));
});

test('the admin API needs the bearer token; stats count what the clients did', T, async () => {
  assert.equal((await admin(echod, '/admin/stats', { token: null })).status, 401);
  assert.equal((await admin(echod, '/admin/stats', { token: 'not-the-token-at-all' })).status, 401);
  alice = await world.signUpGramjs({ phone: ALICE, firstName: 'Alice' });
  authKeys.push(alice.handle.authKey()!);
  const stats = await admin(echod, '/admin/stats');
  assert.equal(stats.status, 200);
  assert.ok(stats.body.users.active >= 1);
  assert.ok(stats.body.signedInDevices >= 1);
  assert.ok(stats.body.authKeys.perm >= 3);
  assert.ok(stats.body.live.connections >= 1);
  const shown = await admin(echod, `/admin/users/${alice.userId}`);
  assert.equal(shown.body.firstName, 'Alice');
  assert.equal(shown.body.devices.length, 1);
  const listed = await admin(echod, `/admin/sessions?user=${alice.userId}`);
  assert.deepEqual(listed.body.sessions.map((s: any) => s.authKeyId), [shown.body.devices[0].authKeyId]);
});

test('a ban through the admin API disconnects the user at once and the device is signed out', T, async () => {
  const banned = await admin(echod, `/admin/users/${alice.userId}/ban`, { method: 'POST' });
  assert.deepEqual(banned.body, { id: alice.userId.toString(), banned: true, devicesSignedOut: 1 });
  await echod.waitForLog((l) => l.msg === 'connection closed by server' && l.reason === 'signed out');
  // GramJS reconnects by itself; the device is no longer signed in.
  await assert.rejects(alice.handle.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })), (err: any) => err.errorMessage === 'AUTH_KEY_UNREGISTERED');
  assert.equal((await admin(echod, `/admin/sessions?user=${alice.userId}`)).body.sessions.length, 0);
  assert.equal((await admin(echod, `/admin/users/${alice.userId}`)).body.banned, true);
});

test('revoking a session through the admin API kicks that device', T, async () => {
  bob = await world.signUpGramjs({ phone: BOB, firstName: 'Bob' });
  authKeys.push(bob.handle.authKey()!);
  const [device] = (await admin(echod, `/admin/sessions?user=${bob.userId}`)).body.sessions;
  const kicks = echod.countLogs((l) => l.msg === 'connection closed by server' && l.reason === 'signed out');
  assert.deepEqual((await admin(echod, `/admin/sessions/${device.authKeyId}/revoke`, { method: 'POST' })).body, { authKeyId: device.authKeyId, revoked: true });
  await echod.waitForLogCount((l) => l.msg === 'connection closed by server' && l.reason === 'signed out', kicks + 1);
  await assert.rejects(bob.handle.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })), (err: any) => err.errorMessage === 'AUTH_KEY_UNREGISTERED');
  assert.equal((await admin(echod, `/admin/sessions/${device.authKeyId}/revoke`, { method: 'POST' })).status, 404);
  await bob.handle.close();
});

test('a backup taken while echod runs restores into a fresh data dir where a saved client session still works', T, async () => {
  // A device signed in at backup time, saved the way an app keeps its session.
  const carol = await world.signUpGramjs({ phone: testPhone(6003), firstName: 'Carol' });
  authKeys.push(carol.handle.authKey()!);
  const saved = carol.handle.saveSession();
  await carol.handle.close();

  const file = join(work, 'echo-backup.tar.gz');
  const made = await cli(['backup', file], echod.dataDir);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /backup written to/);
  assert.ok(existsSync(file));

  const refused = await cli(['restore', file, '--force'], echod.dataDir);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /echod \(pid \d+\) is running on .*stop it before restoring/);

  const fresh = join(work, 'restored');
  const restored = await cli(['restore', file], fresh);
  assert.equal(restored.code, 0, restored.stderr);

  const copy = await startEchod({ dataDir: fresh });
  world.defer(() => copy.dispose());
  const copyTarget = { ...(await copy.clientConfig()), httpPort: copy.httpPort };
  assert.equal(copyTarget.publicKey, target.publicKey, 'the server key came along');
  const again = createGramjsClient(copyTarget, { session: saved });
  world.defer(() => again.close());
  await connectGramjs(again);
  const [me] = await again.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
  assert.equal((me as Api.User).firstName, 'Carol');
  assert.equal(copy.countLogs((l) => l.msg === 'auth key created'), 0, 'the client reused its restored key');

  // The copy runs without ECHO_ADMIN_TOKEN: its admin API is off, its metrics are not.
  const off = await admin(copy, '/admin/stats');
  assert.equal(off.status, 403);
  assert.match(off.body.error, /ECHO_ADMIN_TOKEN/);
  assert.equal((await fetch(adminUrl(copy, '/metrics'))).status, 200);
  await again.close();
  await copy.stop();
  copyLogs = copy.logs;
});

test('SIGTERM: requests accepted before it are all answered before the connection closes', T, async () => {
  const client = await echoClient(echod);
  await client.invoke(getConfig);
  const ids: bigint[] = [];
  for (let i = 0; i < 40; i++) ids.push(client.send(getConfig, { quickAck: true }));
  // A quick ack is sent as the server decrypts a request, right before it starts the call.
  for (let i = 0; i < ids.length; i++) await client.next((e) => e.type === 'quickAck');
  await echod.stop();
  for (const id of ids) {
    const answer = await client.resultOf(id, 1000);
    assert.equal(answer._, 'rpc_result');
    assert.equal((answer.result as TlObject)._, 'config');
  }
  await client.waitClosed(1000);
  const logs = echod.logs;
  const stop = logs.find((l) => l.msg === 'stopped accepting connections; finishing in-flight RPCs');
  const close = logs.find((l) => l.msg === 'connection closed by server' && l.reason === 'server shutting down');
  // By time, not by line order: with gateway processes (ECHO_WORKERS) the close is logged by another process,
  // whose lines may reach the shared stdout before the main process's buffered ones.
  assert.ok(stop && close && String(close.time) >= String(stop.time), 'connections close after in-flight RPCs');
  assert.ok(logs.some((l) => l.msg === 'echod stopped'));
  assert.ok(!existsSync(join(echod.dataDir, 'echod.pid')), 'the pid file is removed on a clean stop');
});

test('no auth key bytes appear anywhere in the logs of this run', T, () => {
  const all: LogLine[] = [...echod.previousLogs.flat(), ...echod.logs, ...copyLogs];
  assert.ok(all.length > 20 && copyLogs.length > 0, `${all.length} lines`);
  const text = all.map((l) => JSON.stringify(l)).join('\n');
  assert.ok(authKeys.length >= 5);
  for (const key of authKeys) {
    assert.equal(key.length, 256);
    for (const part of [key, key.subarray(0, 16), key.subarray(88, 120)]) {
      assert.ok(!text.includes(part.toString('hex')), 'hex of an auth key');
      assert.ok(!text.includes(part.toString('base64').slice(0, 20)), 'base64 of an auth key');
    }
  }
});
