import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { MAX_INFLATED_BYTES, inflatePacked, packedFormat } from '../../../src/mtproto/session/packed.js';
import { encodeObject, decodeObject } from '../../../src/tl/index.js';

const request = encodeObject({ _: 'messages.sendMessage', peer: { _: 'inputPeerSelf' }, message: 'hello '.repeat(100), randomId: 7n } as any);

test('gzip (RFC 1952), zlib (RFC 1950, as mtcute packs) and raw deflate (RFC 1951) all inflate to the request', () => {
  for (const [format, packed] of [
    ['gzip', gzipSync(request)],
    ['zlib', deflateSync(request)],
    ['deflate', deflateRawSync(request)],
  ] as const) {
    assert.equal(packedFormat(packed), format);
    const inflated = inflatePacked(packed);
    assert.deepEqual(inflated, request, format);
    assert.equal((decodeObject(inflated) as any).message, 'hello '.repeat(100));
  }
});

test('every zlib compression level and window size is recognised as zlib', () => {
  for (let level = 0; level <= 9; level++) {
    for (const windowBits of [9, 12, 15]) {
      const packed = deflateSync(request, { level, windowBits });
      assert.equal(packedFormat(packed), 'zlib', `level ${level} window ${windowBits}`);
      assert.deepEqual(inflatePacked(packed), request);
    }
  }
});

test('the inflate cap holds for each format: a bomb is refused, not inflated', () => {
  const huge = Buffer.alloc(MAX_INFLATED_BYTES + 1);
  for (const packed of [gzipSync(huge, { level: 9 }), deflateSync(huge, { level: 9 }), deflateRawSync(huge, { level: 9 })]) {
    assert.ok(packed.length < 64 * 1024, 'the bomb is small on the wire');
    assert.throws(() => inflatePacked(packed), RangeError);
  }
  const exact = Buffer.alloc(MAX_INFLATED_BYTES);
  assert.equal(inflatePacked(deflateSync(exact)).length, MAX_INFLATED_BYTES);
  assert.throws(() => inflatePacked(deflateSync(Buffer.alloc(1025)), 1024), RangeError);
});

test('garbage, truncated streams and an empty body throw instead of answering junk', () => {
  assert.throws(() => inflatePacked(Buffer.from('not compressed at all')));
  assert.throws(() => inflatePacked(gzipSync(request).subarray(0, 20)));
  assert.throws(() => inflatePacked(deflateSync(request).subarray(0, 20)));
  assert.throws(() => inflatePacked(Buffer.alloc(0)));
});
