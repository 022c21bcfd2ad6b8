// Batches of gateway/core items as one buffer: every item comes back as it went, traffic payloads as views of
// the batch, and a malformed batch (cut short, unknown tag, junk where an object should be) is refused with
// ItemCodecError, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { batchBuffer, decodeItems, encodeItems, ItemCodecError } from '../../../src/interface/gateway/link/item-codec.js';
import type { CoreItem, GatewayItem } from '../../../src/interface/gateway/link/items.js';

const gatewayItems: GatewayItem[] = [
  { t: 'open', conn: 7, remote: '10.1.2.3' },
  { t: 'framing', conn: 7, transport: 'tcp/obfuscated2/intermediate' },
  { t: 'plain', conn: 7, packet: randomBytes(40) },
  { t: 'message', conn: 4_000_000_000, keyId: -0x123456789abcdefn, plain: randomBytes(200) },
  { t: 'keyWanted', keyId: 0x7fffffffffffffffn },
  { t: 'idle', conn: 9 },
  { t: 'limitHit', limit: 'drain_timeout' },
  { t: 'closed', conn: 7 },
];
const coreItems: CoreItem[] = [
  { t: 'key', keyId: 5n, key: randomBytes(256) },
  { t: 'key', keyId: 6n, key: null },
  { t: 'send', conn: 1, keyId: -1n, plain: randomBytes(1000) },
  { t: 'raw', conn: 2, packet: randomBytes(60), keyed: true },
  { t: 'raw', conn: 2, packet: Buffer.alloc(0), keyed: false },
  { t: 'transportError', conn: 3, code: -404, reason: 'unknown auth key' },
  { t: 'close', conn: 3, reason: 'bye' },
  { t: 'pingDisconnect', conn: 4, seconds: 75 },
  { t: 'signedIn', conn: 4, signedIn: true },
];

test('every item comes back as it went, in order, both ways', () => {
  assert.deepEqual(decodeItems(encodeItems(gatewayItems)), gatewayItems);
  assert.deepEqual(decodeItems(encodeItems(coreItems)), coreItems);
  assert.deepEqual(decodeItems(encodeItems([])), []);
});

test('message payloads are views of the batch, not copies', () => {
  const batch = encodeItems([{ t: 'message', conn: 1, keyId: 2n, plain: Buffer.from('0123456789abcdef') }]);
  const [item] = decodeItems<GatewayItem>(batch);
  assert.ok(item?.t === 'message');
  assert.equal(item.plain.buffer, batch.buffer);
  assert.equal(item.plain.toString(), '0123456789abcdef');
});

test('a batch handed over as a plain Uint8Array is read in place', () => {
  const batch = encodeItems(coreItems);
  const view = new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength);
  assert.deepEqual(decodeItems(batchBuffer(view)), coreItems);
  assert.throws(() => batchBuffer('not bytes'), ItemCodecError);
});

test('malformed batches are refused with ItemCodecError', () => {
  const good = encodeItems(gatewayItems);
  // Cut anywhere: refused, or (cut between two items) the items before the cut.
  for (let cut = 1; cut < good.length; cut++) {
    let items: GatewayItem[] | undefined;
    try {
      items = decodeItems<GatewayItem>(good.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof ItemCodecError, `cut at ${cut}: ${(err as Error).message}`);
    }
    if (items) assert.deepEqual(items, gatewayItems.slice(0, items.length), `cut at ${cut}`);
  }
  assert.throws(() => decodeItems(Buffer.from([9, 0, 0, 0])), /unknown item tag 9/);
  // A V8 item whose bytes are junk, and one that is a valid value but not an item.
  assert.throws(() => decodeItems(Buffer.from([0, 3, 0, 0, 0, 0xff, 0x00, 0x12])), ItemCodecError);
  const notAnItem = Buffer.from([0xff, 0x0f, 0x49, 0x54]); // V8: version 15, int32 42
  const head = Buffer.alloc(5);
  head.writeUInt32LE(notAnItem.length, 1);
  assert.throws(() => decodeItems(Buffer.concat([head, notAnItem])), /without a type/);
  // A length past the end.
  const long = Buffer.alloc(17);
  long[0] = 1;
  long.writeUInt32LE(1000, 13);
  assert.throws(() => decodeItems(long), /cut short/);
});
