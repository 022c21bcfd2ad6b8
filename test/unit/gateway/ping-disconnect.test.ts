// ping_delay_disconnect on a byte-stream connection: the client's silence, not the absence of another ping,
// closes it, and never sooner than 75 s (see MIN_PING_DISCONNECT_MS for why).
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MtprotoConnection } from '../../../src/interface/gateway/mtproto-connection.js';
import type { PacketRouter } from '../../../src/interface/gateway/packet-router.js';

const INTERMEDIATE_TAG = Buffer.from([0xee, 0xee, 0xee, 0xee]);

function open() {
  const io = { ended: false, write() {}, end() { this.ended = true; } };
  const router = { route: async () => {}, connectionClosed: () => {} } as unknown as PacketRouter;
  const conn = new MtprotoConnection(io, router, '127.0.0.1', 'tcp', pino({ level: 'silent' }), () => {});
  conn.onBytes(INTERMEDIATE_TAG);
  return { conn, io };
}

test('a short disconnect_delay does not drop a client that idles between its minute-long pings', (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const { conn, io } = open();
  conn.setPingDisconnect(7);
  mock.timers.tick(60_000);
  assert.equal(conn.closed, false, 'idle for a minute after a 7 s delay');
  // Any bytes from the client (here the start of a frame) count as a sign of life.
  conn.onBytes(Buffer.from([0x10, 0, 0, 0]));
  mock.timers.tick(74_000);
  assert.equal(conn.closed, false, '74 s after the last bytes');
  mock.timers.tick(2_000);
  assert.equal(conn.closed, true, 'silent for 76 s');
  assert.equal(io.ended, true);
});

test('a long disconnect_delay is kept as the client asked', (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const { conn } = open();
  conn.setPingDisconnect(140);
  mock.timers.tick(139_000);
  assert.equal(conn.closed, false);
  mock.timers.tick(2_000);
  assert.equal(conn.closed, true);
});
