import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClientMsgId, msgIdFromTime, msgIdSeconds, ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';

test('server msg_ids are odd, strictly increasing, 1 mod 4 for responses and 3 mod 4 otherwise', () => {
  let clock = 1_700_000_000_000;
  const gen = new ServerMsgIdGenerator(() => clock);
  const ids: bigint[] = [];
  for (let i = 0; i < 1000; i++) {
    ids.push(gen.next(i % 2 === 0));
    if (i === 500) clock -= 5000; // the clock going backwards must not break monotonicity
  }
  for (let i = 0; i < ids.length; i++) {
    assert.equal(ids[i]! % 4n, i % 2 === 0 ? 1n : 3n);
    if (i > 0) assert.ok(ids[i]! > ids[i - 1]!, `id ${i} not increasing`);
  }
  assert.equal(msgIdSeconds(ids[0]!), 1_700_000_000);
});

test('client msg_id checks give the bad_msg_notification codes of the docs', () => {
  const now = 1_700_000_000_000;
  const good = msgIdFromTime(now) & ~3n;
  assert.equal(checkClientMsgId(good, now), 0);
  assert.equal(checkClientMsgId(good | 1n, now), 18);
  assert.equal(checkClientMsgId(msgIdFromTime(now - 301_000) & ~3n, now), 16);
  assert.equal(checkClientMsgId(msgIdFromTime(now + 31_000) & ~3n, now), 17);
  assert.equal(checkClientMsgId(msgIdFromTime(now + 29_000) & ~3n, now), 0);
});
