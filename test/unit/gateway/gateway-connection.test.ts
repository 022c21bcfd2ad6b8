// The core's view of a connection held by a gateway: packets are handled one after another in arrival order,
// and a client that sends faster than the core handles is stopped at the bound a socket has in one process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { GatewayConnection } from '../../../src/interface/gateway/link/gateway-connection.js';
import { MAX_QUEUED_BYTES, MAX_QUEUED_FRAMES } from '../../../src/interface/gateway/packet-queue.js';
import type { CoreItem } from '../../../src/interface/gateway/link/items.js';

const log = pino({ level: 'silent' });

function connection() {
  const posted: CoreItem[] = [];
  let closedFor = 0;
  const conn = new GatewayConnection(11, 3, '127.0.0.1', (item) => posted.push(item), log, () => closedFor++);
  return { conn, posted, closedCount: () => closedFor };
}

test('packets are handled in arrival order, one at a time', async () => {
  const { conn } = connection();
  const order: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  conn.handle(10, async () => {
    await gate;
    order.push(1);
  });
  let second!: () => void;
  const done = new Promise<void>((r) => (second = r));
  conn.handle(10, async () => {
    order.push(2);
    second();
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'the second waits for the first');
  release();
  await done;
  assert.deepEqual(order, [1, 2]);
});

test(`more than ${MAX_QUEUED_FRAMES} packets waiting: -429 to the gateway, the connection is gone for the core`, () => {
  const { conn, posted, closedCount } = connection();
  const never = new Promise<void>(() => undefined);
  for (let i = 0; i <= MAX_QUEUED_FRAMES; i++) conn.handle(16, () => never);
  assert.equal(conn.closed, true);
  assert.equal(closedCount(), 1);
  assert.deepEqual(posted, [{ t: 'transportError', conn: 3, code: -429, reason: 'too many frames in flight' }]);
  // Nothing more goes out for it.
  conn.sendPlaintext(1n, Buffer.alloc(8));
  assert.equal(posted.length, 1);
});

test('more bytes waiting than a socket may queue: -429 as well', () => {
  const { conn, posted } = connection();
  const never = new Promise<void>(() => undefined);
  conn.handle(MAX_QUEUED_BYTES - 10, () => never);
  assert.equal(conn.closed, false);
  conn.handle(11, () => never);
  assert.equal(conn.closed, true);
  assert.equal(posted[0]?.t, 'transportError');
});
