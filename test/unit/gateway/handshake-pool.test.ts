// The handshake thread pool: whole exchanges run on worker threads and give the same keys as the client computes;
// a thread that dies fails only the exchanges it held, and a new thread takes its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { HandshakePool, type HandshakeRunner, type HandshakeSlot } from '../../../src/interface/gateway/handshake-runner.js';
import { decodeObject, encodeObject, type TlObject } from '../../../src/tl/index.js';
import { DC_ID, RSA_KEY, makeClient } from '../handshake/helpers.js';
import type { ClientHandshake } from '../../../src/mtproto/handshake/client-handshake.js';

const log = pino({ level: 'silent' });
const crashingWorker = new URL('./crashing-handshake-worker.js', import.meta.url);

/** One client request through the runner, as the packet router sends it (bytes), the reply decoded back. */
async function send(runner: HandshakeRunner, slot: HandshakeSlot, request: TlObject) {
  const body = encodeObject(request);
  const step = await runner.step(slot, decodeObject(body), body);
  return { ...step, reply: step.reply ? decodeObject(step.reply) : undefined };
}

async function runExchange(runner: HandshakeRunner, slot: HandshakeSlot, client: ClientHandshake) {
  let request: TlObject | undefined = client.start();
  for (let i = 0; i < 5 && request; i++) {
    const step = await send(runner, slot, request);
    assert.equal(step.error, undefined, step.error);
    const c = client.handle(step.reply!);
    assert.equal(c.error, undefined, c.error);
    if (c.completed) return { server: step.completed!, client: c.completed };
    request = c.request;
  }
  throw new Error('exchange did not finish');
}

test('HandshakePool: two threads create keys that match the client side, concurrently', async () => {
  const pool = new HandshakePool({ rsaKeys: [RSA_KEY], dcId: DC_ID }, { size: 2, log });
  try {
    const exchanges = await Promise.all(
      Array.from({ length: 4 }, (_, i) => runExchange(pool, pool.open(), makeClient({ random: (n) => randomBytes(n), innerData: i % 2 ? 'dc' : 'plain' }))),
    );
    for (const { server, client } of exchanges) {
      assert.ok(Buffer.isBuffer(server.authKey));
      assert.deepEqual(server.authKey, client.authKey);
      assert.equal(server.authKeyId, client.authKeyId);
      assert.equal(server.serverSalt, client.serverSalt);
      assert.equal(server.kind, 'perm');
    }
    assert.equal(new Set(exchanges.map((e) => e.server.authKeyId)).size, 4);
  } finally {
    await pool.close();
  }
});

test('HandshakePool: a thread that crashes fails its exchanges cleanly and is replaced', async () => {
  // Replaced at once even when it dies young (the default waits a second then, against a crash loop at start).
  const pool = new HandshakePool({ rsaKeys: [RSA_KEY], dcId: DC_ID }, { size: 1, log, workerUrl: crashingWorker, earlyExitRespawnDelayMs: 0 });
  try {
    // An exchange half way through (resPQ received) on the thread that is about to die.
    const client = makeClient({ random: (n) => randomBytes(n) });
    const halfway = pool.open();
    const res = await send(pool, halfway, client.start());
    assert.equal(res.reply?._, 'resPQ');
    const next = client.handle(res.reply!).request!;

    const doomed = pool.open();
    await assert.rejects(pool.step(doomed, { _: 'req_pq_multi' } as TlObject, Buffer.alloc(0)), /handshake worker exited/);
    // The exchange that lived on the dead thread cannot go on (its state is gone) and says so.
    await assert.rejects(send(pool, halfway, next), /handshake worker restarted/);
    // The replacement serves new exchanges to the end.
    const done = await runExchange(pool, pool.open(), makeClient({ random: (n) => randomBytes(n) }));
    assert.deepEqual(done.server.authKey, done.client.authKey);
    assert.equal(pool.started, 2);
  } finally {
    await pool.close();
  }
});

test('HandshakePool: a thread that cannot start is retried after a pause, and steps fail meanwhile instead of hanging', async () => {
  const pool = new HandshakePool({ rsaKeys: [RSA_KEY], dcId: DC_ID }, { size: 1, log, workerUrl: new URL('./no-such-handshake-worker.js', import.meta.url), earlyExitRespawnDelayMs: 60_000 });
  try {
    const slot = pool.open();
    const body = encodeObject(makeClient({ random: (n) => randomBytes(n) }).start());
    await assert.rejects(pool.step(slot, decodeObject(body), body), /handshake worker (exited|restarted)/);
    await assert.rejects(pool.step(pool.open(), decodeObject(body), body), /handshake worker restarted/);
    assert.equal(pool.started, 1, 'no respawn before the pause is over');
  } finally {
    await pool.close();
  }
});
