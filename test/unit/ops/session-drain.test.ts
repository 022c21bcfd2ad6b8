// Graceful shutdown depends on the session layer knowing which RPCs are still running: an RPC in flight
// when shutdown begins must still be answered on its connection before that connection is closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { openDatabase } from '../../../src/infra/db/index.js';
import { AuthKeyRegistry } from '../../../src/interface/session/auth-keys.js';
import { SessionService } from '../../../src/interface/session/session-service.js';
import type { ConnectionHandle } from '../../../src/interface/session/connection.js';
import { SaltSchedule } from '../../../src/mtproto/session/salts.js';
import { ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';
import { RpcDispatcher } from '../../../src/bff/registry.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { ClientSession } from '../../../src/client/client-session.js';
import { encodeObject, type TlObject } from '../../../src/tl/index.js';
import { Metrics } from '../../../src/infra/metrics/index.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function fixture(t: { after(fn: () => unknown): unknown }) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-drain-'));
  const db = await openDatabase(dir);
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const keys = new AuthKeyRegistry(db.authKeys);
  const rpc = new RpcDispatcher();
  const metrics = new Metrics({ defaultMetrics: false });
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const now = () => Date.now();
  const sessions = new SessionService({ keys, salts: new SaltSchedule(randomBytes(32)), rpc, log, now, random: randomBytes, msgIds: new ServerMsgIdGenerator(now), metrics });
  const keyBytes = randomBytes(256);
  const salt = 0x1234n;
  await keys.add(keyBytes, 'perm', Math.floor(now() / 1000), undefined, salt, now() + 60_000);
  const client = new ClientSession(keyBytes, salt, randomBytes, now);
  const sent: Buffer[] = [];
  const conn: ConnectionHandle = {
    id: 1,
    remoteAddress: '127.0.0.1',
    transport: 'tcp/intermediate',
    closed: false,
    sendPacket: (p) => sent.push(p),
    sendQuickAck: () => {},
    failWithTransportError: () => assert.fail('transport error'),
    close: () => assert.fail('closed'),
    setPingDisconnect: () => {},
  };
  const call = async (obj: TlObject) => {
    const msg = client.message(encodeObject(obj));
    await sessions.handlePacket(conn, client.encrypt(msg), false);
    return msg.msgId;
  };
  const results = () => sent.flatMap((p) => client.decrypt(p)).filter((m) => m.body._ === 'rpc_result');
  return { sessions, rpc, metrics, lines, call, results };
}

test('an RPC running when shutdown starts is counted, waited for, and answered', async (t) => {
  const f = await fixture(t);
  const gate = deferred<void>();
  f.rpc.register('help.getNearestDc', async () => {
    await gate.promise;
    return { _: 'nearestDc', country: 'NL', thisDc: 2, nearestDc: 2 };
  });
  assert.equal(await f.sessions.whenIdle(1000), true, 'idle at once when nothing runs');
  const msgId = await f.call({ _: 'help.getNearestDc' });
  assert.equal(f.sessions.inFlightRpcs, 1);
  let idle: boolean | undefined;
  const waiting = f.sessions.whenIdle(60_000).then((v) => (idle = v));
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, undefined, 'still waiting while the handler runs');
  assert.equal(f.results().length, 0);
  gate.resolve();
  assert.equal(await waiting, true);
  assert.equal(f.sessions.inFlightRpcs, 0);
  await new Promise((r) => setImmediate(r));
  const [answer] = f.results();
  assert.equal((answer!.body as any).reqMsgId, msgId);
  assert.equal((answer!.body as any).result._, 'nearestDc');
  const text = await f.metrics.registry.metrics();
  assert.match(text, /echo_rpc_calls_total\{method="help.getNearestDc",error="none"\} 1/);
  assert.match(text, /echo_rpc_duration_seconds_count\{method="help.getNearestDc"\} 1/);
});

test('whenIdle gives up after its bound when a handler never finishes', async (t) => {
  const f = await fixture(t);
  f.rpc.register('help.getNearestDc', () => new Promise(() => {}));
  await f.call({ _: 'help.getNearestDc' });
  assert.equal(await f.sessions.whenIdle(5), false);
  assert.equal(f.sessions.inFlightRpcs, 1);
});

test('a failed RPC logs one info line with method and error name and is counted by error', async (t) => {
  const f = await fixture(t);
  f.rpc.register('help.getNearestDc', () => {
    throw new RpcError(420, 'FLOOD_WAIT_31');
  });
  await f.call({ _: 'help.getNearestDc' });
  await f.sessions.whenIdle(1000);
  const line = f.lines.find((l) => l.msg === 'RPC failed');
  assert.ok(line, JSON.stringify(f.lines));
  assert.equal(line.level, 30);
  assert.equal(line.method, 'help.getNearestDc');
  assert.equal(line.error, 'FLOOD_WAIT_31');
  assert.equal(line.code, 420);
  const text = await f.metrics.registry.metrics();
  assert.match(text, /echo_rpc_calls_total\{method="help.getNearestDc",error="FLOOD_WAIT_X"\} 1/);
});
