// The gateway/core link's frames and liveness (src/interface/gateway/link/stream-link.ts) over a real loopback
// TCP connection: messages cross in V8 frames, both ends beat while quiet, and an end that hears nothing for
// the silence limit (a peer that hangs or is cut off, with no FIN) closes the link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { FramedLink } from '../../../src/interface/gateway/link/stream-link.js';

type Msg = { t: string; n?: number; big?: bigint; data?: Buffer };

const server = createServer();
const accepted: Socket[] = [];
server.on('connection', (s) => accepted.push(s));
after(() => {
  for (const s of accepted) s.destroy();
  server.close();
});

/** A connected pair: [the dialling end, the accepting end]. */
async function pair(): Promise<[Socket, Socket]> {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const count = accepted.length;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted.length === count) await once(server, 'connection');
  return [client, accepted[accepted.length - 1]!];
}

/** A FramedLink on `socket` that keeps what it receives; `until` waits for `count` messages matching `pred`. */
function collect(socket: Socket): { link: FramedLink<Msg, Msg>; got: Msg[]; until: (pred: (m: Msg) => boolean, count?: number) => Promise<void>; errors: Error[] } {
  const got: Msg[] = [];
  const errors: Error[] = [];
  const waiters: (() => void)[] = [];
  const link = new FramedLink<Msg, Msg>(
    socket,
    (m) => {
      got.push(m);
      for (const w of waiters.splice(0)) w();
    },
    (e) => errors.push(e),
  );
  const until = async (pred: (m: Msg) => boolean, count = 1) => {
    while (got.filter(pred).length < count) await new Promise<void>((r) => waiters.push(r));
  };
  return { link, got, until, errors };
}

test('messages cross whole, bigints and buffers as they are, however the stream splits them', { timeout: 20_000 }, async () => {
  const [a, b] = await pair();
  const left = collect(a);
  const right = collect(b);
  right.link.maxMessageBytes = 1 << 20;
  const data = Buffer.alloc(200_000, 7);
  for (let n = 0; n < 20; n++) left.link.send({ t: 'items', n, big: -(2n ** 63n) + BigInt(n), data });
  await right.until((m) => m.t === 'items', 20);
  assert.deepEqual(right.got.map((m) => m.n), [...Array(20).keys()]);
  assert.equal(right.got[3]!.big, -(2n ** 63n) + 3n);
  assert.ok(Buffer.from(right.got[19]!.data!).equals(data));
  assert.deepEqual(right.errors, []);
  a.destroy();
});

test('a frame longer than the limit closes the link with a LinkError, before it is read', { timeout: 20_000 }, async () => {
  const [a, b] = await pair();
  const right = collect(b);
  const closed = once(b, 'close');
  a.write(Buffer.from([0xff, 0xff, 0xff, 0x7f]));
  await closed;
  assert.match(right.errors[0]!.message, /link message of 2147483647 bytes \(at most 4096 here\)/);
  a.destroy();
});

test('two live ends beat while quiet and the link stays up', { timeout: 20_000 }, async () => {
  const [a, b] = await pair();
  const left = collect(a);
  const right = collect(b);
  const silent: number[] = [];
  // The limit is well above a stall of this busy test process (a stall itself is not judged: see keepAlive).
  const liveness = { beatIntervalMs: 40, silenceLimitMs: 2000 };
  left.link.keepAlive((ms) => silent.push(ms), liveness);
  right.link.keepAlive((ms) => silent.push(ms), liveness);
  // Many silence limits' worth of beats each way, and neither end gave up.
  await Promise.all([left.until((m) => m.t === 'beat', 40), right.until((m) => m.t === 'beat', 40)]);
  assert.deepEqual(silent, []);
  assert.ok(!a.destroyed && !b.destroyed);
  a.destroy();
});

test('an end whose peer falls silent (hung, or cut off without a FIN) closes the link', { timeout: 20_000 }, async () => {
  const [a, b] = await pair();
  const left = collect(a);
  collect(b); // the peer reads but never answers, as a stopped process whose kernel still acknowledges
  let silentFor = 0;
  const closed = once(a, 'close');
  left.link.keepAlive((ms) => (silentFor = ms), { beatIntervalMs: 40, silenceLimitMs: 300 });
  await closed;
  assert.ok(silentFor > 300, `closed after ${silentFor} ms of silence`);
  assert.ok(left.got.length === 0);
  b.destroy();
});
