import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MtSession } from '../../../src/mtproto/session/session.js';
import { ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';

const make = () => new MtSession(42n, 7n, new ServerMsgIdGenerator(() => 1_700_000_000_000), 0);

test('replayed client msg_ids are reported as duplicates, and ids below the window as too old', () => {
  const s = make();
  assert.equal(s.registerInbound(1000n), 'new');
  assert.equal(s.registerInbound(1000n), 'duplicate');
  for (let i = 1; i <= 1100; i++) assert.equal(s.registerInbound(1000n + BigInt(i) * 4n), 'new');
  assert.equal(s.registerInbound(1000n), 'too-old');
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
