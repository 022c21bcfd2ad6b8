import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlainMessageError, encodePlainMessage, isPlainMessage, parsePlainMessage } from '../../../src/mtproto/plain-message.js';

const body = Buffer.from('f18e7ebe' + '11'.repeat(16), 'hex');

test('plain message: encode then parse round-trips msg_id and body', () => {
  const packet = encodePlainMessage(0x65c53d50000672d4n, body);
  assert.equal(packet.length, 20 + body.length);
  assert.deepEqual(packet.subarray(0, 8), Buffer.alloc(8));
  assert.equal(packet.readInt32LE(16), body.length);
  assert.deepEqual(parsePlainMessage(packet), { msgId: 0x65c53d50000672d4n, body });
  assert.ok(isPlainMessage(packet));
});

test('plain message: up to 15 trailing bytes (padded intermediate transport) are ignored', () => {
  const packet = Buffer.concat([encodePlainMessage(4n, body), Buffer.alloc(15, 0xaa)]);
  assert.deepEqual(parsePlainMessage(packet).body, body);
});

test('plain message: malformed packets are refused', () => {
  const good = encodePlainMessage(4n, body);
  const withLength = (n: number): Buffer => {
    const b = Buffer.from(good);
    b.writeInt32LE(n, 16);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['shorter than the header', good.subarray(0, 19), /too short/],
    ['empty', Buffer.alloc(0), /too short/],
    ['non-zero auth_key_id', Buffer.concat([Buffer.of(1), good.subarray(1)]), /non-zero auth_key_id/],
    ['zero length', withLength(0), /invalid body length/],
    ['negative length', withLength(-4), /invalid body length/],
    ['length not a multiple of 4', withLength(18), /invalid body length/],
    ['truncated body', good.subarray(0, good.length - 4), /truncated/],
    ['length larger than the packet', withLength(1 << 30), /truncated/],
    ['16 unexplained trailing bytes', Buffer.concat([good, Buffer.alloc(16)]), /trailing/],
  ];
  for (const [name, packet, reason] of cases) {
    assert.throws(() => parsePlainMessage(packet), (e: unknown) => e instanceof PlainMessageError && reason.test(e.message), name);
  }
  assert.equal(isPlainMessage(Buffer.alloc(7)), false);
});

test('plain message: msg_id keeps its full 64 bits', () => {
  const packet = encodePlainMessage(-2n, body);
  assert.equal(parsePlainMessage(packet).msgId, -2n);
});
