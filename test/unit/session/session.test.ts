import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MtSession } from '../../../src/mtproto/session/session.js';
import { msgIdFromTime, ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';

const make = () => new MtSession(42n, 7n, new ServerMsgIdGenerator(() => 1_700_000_000_000), 0);

test('replayed client msg_ids are reported as duplicates, and ids below the window as too old', () => {
  const s = make();
  assert.equal(s.registerInbound(1000n), 'new');
  assert.equal(s.registerInbound(1000n), 'duplicate');
  for (let i = 1; i <= 1100; i++) assert.equal(s.registerInbound(1000n + BigInt(i) * 4n), 'new');
  assert.equal(s.registerInbound(1000n), 'too-old');
});

test('ids too old to pass the time check any more are forgotten, and stay refused', () => {
  const s = make();
  const t0 = 1_700_000_000_000;
  const at = (ms: number) => msgIdFromTime(t0 + ms) & ~3n;
  const first = at(0);
  const second = at(1000);
  assert.equal(s.registerInbound(first), 'new');
  assert.equal(s.registerInbound(second), 'new');
  assert.equal(s.oldestRemembered(), undefined, 'nothing forgotten yet');
  // 330 s later (300 s age limit + 30 s future allowance) the first can no longer be valid.
  assert.equal(s.registerInbound(at(330_500)), 'new');
  assert.equal(s.hasSeen(first), false);
  assert.equal(s.hasSeen(second), true, 'still within the horizon');
  assert.equal(s.registerInbound(first), 'too-old');
  assert.equal(s.registerInbound(second), 'duplicate');
  assert.equal(s.oldestRemembered(), at(330_500) - (330n << 32n));
  // An id older than the newest one (but new to the session) is still accepted inside the horizon.
  assert.equal(s.registerInbound(at(200_000)), 'new');
});

test('seqno counts content-related messages only; acked messages are not re-sent', () => {
  const s = make();
  const a = s.enqueue(Buffer.from('a'), true);
  const b = s.enqueue(Buffer.from('b'), false);
  const c = s.enqueue(Buffer.from('c'), true, { response: true, reqMsgId: 5n });
  assert.deepEqual([a.seqNo, b.seqNo, c.seqNo], [1, 2, 3]);
  assert.equal(c.msgId % 4n, 1n);
  assert.equal(s.takeOutbox().length, 3);
  assert.equal(s.answerTo(5n), c);
  s.acknowledge([a.msgId]);
  assert.equal(s.requeueUnacked(), 1);
  const resent = s.takeOutbox();
  assert.equal(resent.length, 1);
  assert.deepEqual(resent[0]!.body, Buffer.from('c'));
  assert.notEqual(resent[0]!.msgId, c.msgId, 're-sent messages get a fresh msg_id');
  assert.equal(resent[0]!.reqMsgId, 5n);
});

test('unacknowledged pushed updates can be taken over by another session; answers and acked updates stay', () => {
  const s = make();
  const answer = s.enqueue(Buffer.from('answer'), true, { response: true, reqMsgId: 4n });
  const acked = s.enqueue(Buffer.from('acked'), true, { update: true });
  s.takeOutbox();
  s.acknowledge([acked.msgId]);
  s.enqueue(Buffer.from('sent, not acked'), true, { update: true });
  s.takeOutbox();
  s.enqueue(Buffer.from('queued'), true, { update: true });
  const taken = s.takeUnackedUpdates().map((b) => Buffer.from(b).toString());
  assert.deepEqual(taken, ['sent, not acked', 'queued']);
  assert.deepEqual(s.outbox, [], 'the queued update left the outbox');
  assert.equal(s.isUnacked(answer.msgId), true);
  assert.deepEqual(s.takeUnackedUpdates(), []);
});

test('updates queued beyond the limit lose the oldest, never answers', () => {
  const s = make();
  s.enqueue(Buffer.from('answer'), true, { response: true, reqMsgId: 4n });
  for (let i = 0; i < 5; i++) s.enqueue(Buffer.from(`u${i}`), true, { update: true });
  assert.equal(s.trimQueuedUpdates(3), 2);
  assert.deepEqual(s.outbox.map((m) => Buffer.from(m.body).toString()), ['answer', 'u2', 'u3', 'u4']);
  assert.deepEqual(s.takeUnackedUpdates().map((b) => Buffer.from(b).toString()), ['u2', 'u3', 'u4']);
});
