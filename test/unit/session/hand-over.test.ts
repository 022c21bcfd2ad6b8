// A device's unacknowledged updates follow it between nodes (src/interface/session/hand-over.ts): two session
// layers ("nodes") on one key store, wired to each other as RoutedPusher wires them over Redis, and one device
// (a perm key signed in, one MTProto session) moving from node B to node A and back. What the device is sent is
// read off its connections, decrypted as a client would.
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
import { ArrivalWindows, inQueuedOrder } from '../../../src/interface/session/hand-over.js';
import { SaltSchedule } from '../../../src/mtproto/session/salts.js';
import { ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';
import { RpcDispatcher } from '../../../src/bff/registry.js';
import { ClientSession } from '../../../src/client/client-session.js';
import { encodeObject, type TlObject } from '../../../src/tl/index.js';

test('arrival windows: a device is given each event once while its window is open, and is forgotten after', () => {
  const windows = new ArrivalWindows(1000);
  assert.equal(windows.give(1n, 'e1', 0), true, 'a device that did not arrive is not tracked');
  assert.equal(windows.give(1n, 'e1', 0), true);
  windows.open(1n, 0);
  assert.equal(windows.give(1n, 'e1', 10), true);
  assert.equal(windows.give(1n, 'e1', 20), false, 'given already');
  assert.equal(windows.give(2n, 'e1', 20), true, 'another device');
  assert.equal(windows.give(1n, undefined, 20), true, 'a push without an id is never held back');
  windows.open(1n, 500);
  assert.equal(windows.give(1n, 'e1', 1400), false, 'a new arrival keeps what the device was given');
  windows.open(2n, 600);
  assert.equal(windows.give(1n, 'e1', 1500), true, 'the window closed');
  assert.equal(windows.size, 1, 'only the device whose window is open is kept');
  windows.open(2n, 700);
  windows.forget(2n, ['e1']);
  assert.equal(windows.give(2n, 'e1', 800), true, 'an event handed away is new to the device again');
  assert.deepEqual(inQueuedOrder([{ msgId: 12n }, { msgId: 4n }, { msgId: 8n }]).map((m) => m.msgId), [4n, 8n, 12n]);
});

const typing = (date: number): TlObject => ({ _: 'updateShort', update: { _: 'updateUserTyping', userId: 77n, action: { _: 'sendMessageTypingAction' } }, date }) as TlObject;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Two session layers ("nodes") on one key store and salt schedule, wired to each other as RoutedPusher wires
 * them over Redis, but each step when the test says so (handOver): arrivals wait in a list. One signed-in
 * device, whose connections record the typing updates (by date) they were sent.
 */
async function world(t: { after(fn: () => Promise<void>): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-hand-over-'));
  const db = await openDatabase(dir);
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const now = () => Date.now();
  const userId = 1_000_077n;
  // The nodes share the salt schedule's secret (a handshake salt is known only to the node that made the key).
  const salts = new SaltSchedule(randomBytes(32));
  const node = () => {
    const rpc = new RpcDispatcher();
    rpc.register('help.getNearestDc', async () => ({ _: 'nearestDc', country: 'NL', thisDc: 2, nearestDc: 2 }));
    return new SessionService({ keys: new AuthKeyRegistry(db.authKeys), salts, rpc, log: pino({ level: 'silent' }), now, random: randomBytes, msgIds: new ServerMsgIdGenerator(now) });
  };
  const a = node();
  const b = node();
  // As RoutedPusher does over Redis, but each step when the test says so: arrivals wait in a list.
  const arrivals: { device: bigint; user: bigint; on: SessionService; others: SessionService }[] = [];
  a.onDeviceArrival((device, user) => arrivals.push({ device, user, on: a, others: b }));
  b.onDeviceArrival((device, user) => arrivals.push({ device, user, on: b, others: a }));
  const handOver = () => {
    for (const { device, user, on, others } of arrivals.splice(0)) on.adoptDevice(device, user, others.releaseDevice(device, user));
  };

  const keyBytes = randomBytes(256);
  const salt = 0x1234n;
  const setup = new AuthKeyRegistry(db.authKeys);
  const ctx = await setup.add(keyBytes, 'perm', Math.floor(now() / 1000), undefined, salt, now() + 60_000);
  await setup.setUser(ctx.authKey.id, userId);
  const device = ctx.authKey.id;
  const client = new ClientSession(keyBytes, salts.current(device, now()), randomBytes, now);
  let nextConn = 1;
  /** A connection of the device; `dates` lists the typing updates (by date) it was sent, `msgIds` their msg_ids. */
  const connect = (on: SessionService, sessionId = client.sessionId) => {
    const dates: number[] = [];
    const msgIds: bigint[] = [];
    const conn: ConnectionHandle & { dates: number[] } = {
      id: nextConn++,
      remoteAddress: '127.0.0.1',
      transport: 'tcp/intermediate',
      closed: false,
      dates,
      sendPacket: (packet: Buffer) => {
        for (const m of client.decrypt(packet)) {
          if ((m.body as { _: string })._ !== 'updateShort') continue;
          dates.push((m.body as unknown as { date: number }).date);
          msgIds.push(m.msgId);
        }
      },
      sendQuickAck: () => {},
      failWithTransportError: () => assert.fail('transport error'),
      close: () => {},
      setPingDisconnect: () => {},
    };
    const send = (body: TlObject, contentRelated = true) => on.handlePacket(conn, client.encrypt(client.message(encodeObject(body), contentRelated), { sessionId }), false);
    return { conn, send, ackAll: () => send({ _: 'msgs_ack', msgIds: msgIds.splice(0) } as TlObject, false) };
  };
  const closeConn = (on: SessionService, conn: ConnectionHandle & { closed: boolean }) => {
    conn.closed = true;
    on.connectionClosed(conn);
  };

  /** The device signs in to another account (on another node: the key store has it, a node that knows the key does not yet). */
  const switchAccount = (to: bigint) => setup.setUser(ctx.authKey.id, to);
  return { a, b, handOver, arrivals, userId, connect, closeConn, switchAccount };
}

test('a device moving between nodes: what its old node held reaches it once on the new node; the old node re-sends nothing', async (t) => {
  const { a, b, handOver, arrivals, userId, connect, closeConn } = await world(t);
  // The device works on node B, then its connection drops.
  const onB = connect(b);
  await onB.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  closeConn(b, onB.conn);
  // Pushed to node B meanwhile (its route entry lives on through the offline grace).
  b.pushToUser(userId, typing(1), undefined, 'e1');
  b.pushToUser(userId, typing(2), undefined, 'e2');

  // The device comes back on node A, resuming its session without a call (a ping only, as mtcute does).
  const onA = connect(a);
  await onA.send({ _: 'ping', pingId: 1n } as TlObject);
  assert.equal(arrivals.length, 1, 'node A announces the device');
  // A push routed to both nodes while the hand-over is on its way: node A gives it first.
  a.pushToUser(userId, typing(3), undefined, 'e3');
  b.pushToUser(userId, typing(3), undefined, 'e3');
  handOver();
  await tick();
  assert.deepEqual(onA.conn.dates.sort(), [1, 2, 3], 'node A sent what node B held, and e3 once');
  // Node B holds nothing for the device any more: later pushes there are not queued for it.
  b.pushToUser(userId, typing(4), undefined, 'e4');
  a.pushToUser(userId, typing(4), undefined, 'e4');
  await tick();
  assert.deepEqual(onA.conn.dates.sort(), [1, 2, 3, 4]);

  // The client acknowledges everything on node A, leaves, and comes back to node B with its old session.
  await onA.ackAll();
  closeConn(a, onA.conn);
  const backOnB = connect(b);
  await backOnB.send({ _: 'ping', pingId: 2n } as TlObject);
  handOver();
  await tick();
  assert.deepEqual(backOnB.conn.dates, [], 'node B re-sends none of the updates it held for the session');
  // And node B is the device's node again: a push there reaches it, once.
  b.pushToUser(userId, typing(5), undefined, 'e5');
  await tick();
  assert.deepEqual(backOnB.conn.dates, [5]);
});

test('handed over to a download session: the updates wait for the device\'s next session on that node', async (t) => {
  const { a, b, handOver, userId, connect, closeConn } = await world(t);
  const onB = connect(b);
  await onB.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  closeConn(b, onB.conn);
  b.pushToUser(userId, typing(1), undefined, 'e1');
  // The device's first connection to node A is a download session (its own session id, a file part first).
  const download = connect(a, 0x5eedn);
  await download.send({ _: 'upload.saveFilePart', fileId: 1n, filePart: 0, bytes: Buffer.alloc(0) } as TlObject);
  handOver();
  await tick();
  assert.deepEqual(download.conn.dates, [], 'a download session is not where the device reads updates');
  // Its main session comes back on node A without a call: it gets them.
  const main = connect(a);
  await main.send({ _: 'ping', pingId: 1n } as TlObject);
  handOver();
  await tick();
  assert.deepEqual(main.conn.dates, [1]);
});

test('parked for the device on one node, they go with it when it subscribes on another', async (t) => {
  const { a, b, handOver, userId, connect, closeConn } = await world(t);
  const onB = connect(b);
  await onB.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  closeConn(b, onB.conn);
  b.pushToUser(userId, typing(1), undefined, 'e1');
  const download = connect(a, 0x5eedn);
  await download.send({ _: 'upload.saveFilePart', fileId: 1n, filePart: 0, bytes: Buffer.alloc(0) } as TlObject);
  handOver();
  // The main session comes back on node B after all, with a call.
  const backOnB = connect(b);
  await backOnB.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  await tick();
  assert.deepEqual(backOnB.conn.dates, [1]);
  assert.deepEqual(download.conn.dates, []);
});

test('a device signed in to another account since: what its old node held for the first one is not handed to it', async (t) => {
  const { a, b, handOver, userId, connect, closeConn, switchAccount } = await world(t);
  const onB = connect(b);
  await onB.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  closeConn(b, onB.conn);
  b.pushToUser(userId, typing(1), undefined, 'e1');
  await switchAccount(userId + 1n);
  const onA = connect(a);
  await onA.send({ _: 'help.getNearestDc' } as TlObject);
  handOver();
  await tick();
  assert.deepEqual(onA.conn.dates, [], 'nothing of the first account reaches the device');
  // And node B dropped them: the device coming back there is not sent them either.
  closeConn(a, onA.conn);
  const backOnB = connect(b);
  await backOnB.send({ _: 'ping', pingId: 1n } as TlObject);
  await tick();
  assert.deepEqual(backOnB.conn.dates, []);
});
