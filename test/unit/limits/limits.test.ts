// The limits' pieces with injected clocks and fake streams: memory a session may hold, the RPC flood table,
// and the connection caps and back-pressure of the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_OUTBOX, MAX_UNACKED_BYTES, MtSession } from '../../../src/mtproto/session/session.js';
import { ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';
import { RpcFloodLimits } from '../../../src/bff/flood-limits.js';
import type { RpcContext } from '../../../src/bff/context.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { ConnectionLimits, type LimitedStream } from '../../../src/interface/gateway/connection-limits.js';
import type { TlObject } from '../../../src/tl/index.js';

test('a session that is never acknowledged holds at most MAX_UNACKED_BYTES of answers and forgets their requests', () => {
  const s = new MtSession(1n, 2n, new ServerMsgIdGenerator(() => 1_700_000_000_000), 0);
  const part = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 40; i++) s.enqueue(part, true, { response: true, reqMsgId: BigInt(i) * 4n });
  s.takeOutbox();
  assert.equal(s.requeueUnacked(), MAX_UNACKED_BYTES / part.length);
  assert.equal(s.wasAnswered(0n), false, 'the oldest answers are forgotten with their bodies');
  assert.equal(s.wasAnswered(39n * 4n), true);
});

test('a session without a connection queues at most MAX_OUTBOX messages, dropping the oldest', () => {
  const s = new MtSession(1n, 2n, new ServerMsgIdGenerator(() => 1_700_000_000_000), 0);
  for (let i = 0; i < MAX_OUTBOX + 10; i++) s.enqueue(Uint8Array.of(i & 0xff, 0, 0, 0), false);
  const out = s.takeOutbox();
  assert.equal(out.length, MAX_OUTBOX);
  assert.equal(out[0]!.body[0], 10);
});

function ctxOf(userId: bigint | undefined, keyId = 9n): RpcContext {
  return {
    authKey: { authKey: { id: keyId, key: Buffer.alloc(0) }, kind: 'perm', permKeyId: keyId, userId, layer: 229 },
    sessionId: 1n,
    msgId: 4n,
    layer: 229,
    connection: { id: 1, remoteAddress: '127.0.0.1', transport: 'tcp' },
    now: () => 0,
  };
}

const floodWait = (fn: () => void): number => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RpcError && err.code === 420);
    return Number(err.errorMessage.slice('FLOOD_WAIT_'.length));
  }
  return 0;
};

test('RPC flood limits: a group over its burst answers FLOOD_WAIT_X with the seconds until a token; per user; other groups free', () => {
  let now = 1_000_000;
  const hits: string[] = [];
  const limits = new RpcFloodLimits({ search: { burst: 2, perSecond: 0.25 } }, () => now, (g) => hits.push(g));
  const search = { _: 'messages.search' } as TlObject;
  const alice = ctxOf(1n);
  assert.equal(floodWait(() => limits.check(search, alice)), 0);
  assert.equal(floodWait(() => limits.check(search, alice)), 0);
  assert.equal(floodWait(() => limits.check(search, alice)), 4);
  now += 1000;
  assert.equal(floodWait(() => limits.check(search, alice)), 3, 'a refused call takes nothing');
  assert.equal(floodWait(() => limits.check(search, ctxOf(2n))), 0, 'another user has their own bucket');
  assert.equal(floodWait(() => limits.check({ _: 'messages.getHistory' } as TlObject, alice)), 0, 'another group');
  assert.equal(floodWait(() => limits.check({ _: 'help.getConfig' } as TlObject, alice)), 0, 'not in the table');
  now += 3000;
  assert.equal(floodWait(() => limits.check(search, alice)), 0);
  assert.deepEqual(hits, ['rpc_search', 'rpc_search']);
});

test('RPC flood limits: a deep history page and a big import cost more; an unknown group in the config is named', () => {
  const limits = new RpcFloodLimits({ history: { burst: 10, perSecond: 1 }, contacts_import: { burst: 100, perSecond: 1 } }, () => 0);
  const alice = ctxOf(1n);
  assert.equal(floodWait(() => limits.check({ _: 'messages.getHistory', addOffset: 5000 } as TlObject, alice)), 0);
  assert.equal(floodWait(() => limits.check({ _: 'messages.getHistory', addOffset: 5000 } as TlObject, alice)), 2, '6 + 6 > 10');
  const contacts = Array.from({ length: 80 }, () => ({}));
  assert.equal(floodWait(() => limits.check({ _: 'contacts.importContacts', contacts } as TlObject, alice)), 0);
  assert.equal(floodWait(() => limits.check({ _: 'contacts.importContacts', contacts } as TlObject, alice)), 60);
  assert.equal(floodWait(() => limits.check({ _: 'contacts.importContacts', contacts: Array.from({ length: 1000 }, () => ({})) } as TlObject, ctxOf(2n))), 0, 'capped at the burst');
  assert.throws(() => new RpcFloodLimits({ serach: { burst: 1, perSecond: 1 } }, () => 0), /unknown method group "serach"; known: search, history/);
});

const CAPS = { connectionsPerAddress: 2, connections: 3, firstFrameMs: 60_000, handshakeMs: 60_000, unauthorizedIdleMs: 60_000, idleMs: 60_000, outboundHigh: 100, outboundMax: 1000, drainMs: 60_000 };

test('RPC flood limits: secret chat requests are rate limited, and encrypted sends share the send group', () => {
  const limits = new RpcFloodLimits({ send: { burst: 2, perSecond: 1 } }, () => 0);
  const alice = ctxOf(1n);
  for (let i = 0; i < 20; i++) assert.equal(floodWait(() => limits.check({ _: 'messages.requestEncryption' } as TlObject, alice)), 0);
  assert.equal(floodWait(() => limits.check({ _: 'messages.requestEncryption' } as TlObject, alice)), 5);
  assert.equal(floodWait(() => limits.check({ _: 'messages.sendEncrypted' } as TlObject, alice)), 0);
  assert.equal(floodWait(() => limits.check({ _: 'messages.sendMessage' } as TlObject, alice)), 0);
  assert.equal(floodWait(() => limits.check({ _: 'messages.sendEncryptedFile' } as TlObject, alice)), 1);
});

test('connection caps: per address and in all; a released slot is free again', () => {
  const hits: string[] = [];
  const limits = new ConnectionLimits(CAPS, { isSignedIn: () => false, metrics: { limitHit: (l) => hits.push(l) } });
  assert.equal(limits.admit('a'), true);
  assert.equal(limits.admit('a'), true);
  assert.equal(limits.admit('a'), false);
  assert.equal(limits.admit('b'), true);
  assert.equal(limits.admit('c'), false);
  limits.release('a');
  assert.equal(limits.admit('c'), true);
  assert.equal(limits.open, 3);
  assert.deepEqual(hits, ['connections_per_address', 'connections_total']);
});

test('back-pressure: above the high mark reading pauses and resumes on drain; above the max the stream is dropped', () => {
  const limits = new ConnectionLimits(CAPS, { isSignedIn: () => false });
  let buffered = 0;
  const calls: string[] = [];
  let drain = () => {};
  const stream: LimitedStream = {
    buffered: () => buffered,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    onDrain: (l) => (drain = l),
    setIdleTimeout: () => {},
    destroy: () => calls.push('destroy'),
  };
  const conn = { id: 1, closed: false, framesReceived: 1, hasAuthKey: true, close: (reason: string) => { conn.closed = true; calls.push(`close: ${reason}`); } };
  const watch = limits.watch(conn, stream);
  buffered = 50;
  watch.afterWrite();
  buffered = 500;
  watch.afterWrite();
  watch.afterWrite();
  buffered = 0;
  drain();
  buffered = 2000;
  watch.afterWrite();
  watch.stop();
  assert.deepEqual(calls, ['pause', 'resume', 'close: outgoing buffer 2000 bytes over 1000', 'destroy']);
});
