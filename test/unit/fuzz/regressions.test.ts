// Concrete inputs the fuzz targets found, kept as plain regression tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TlError, decodeObject, encodeObject, type TlObject } from '../../../src/tl/index.js';

test('regression (tl-mutations): an older layer poll decodes with the canonical required fields and encodes again', () => {
  // messageMediaPoll holding poll#58747131 (layer 179), which has no `hash`: it used to decode without it, and
  // encoding the result threw "TypeError: Cannot convert undefined to a BigInt".
  const bytes = Buffer.from(
    '98e7d64b3171745800000000000000000000000046311f750000000015c4b51c0000000015c4b51c000000002024df7a0200000015c4b51c000000007a0200000015c4b51c00000000',
    'hex',
  );
  const media = decodeObject(bytes) as TlObject & { poll: { _: string; hash: bigint; id: bigint } };
  assert.equal(media.poll._, 'poll');
  assert.equal(media.poll.hash, 0n);
  const again = encodeObject(media);
  assert.equal(again.readUInt32LE(0), 0x773f4e66, 'the canonical messageMediaPoll');
  const back = decodeObject(again) as typeof media;
  assert.equal(back.poll._, 'poll');
  assert.equal(back.poll.hash, 0n);
});

test('regression (tl-mutations): a field whose type changed between layers fails to encode with TlError, not TypeError', () => {
  // account.getUniqueGiftChatThemes#fe74ef9f has offset:int; the canonical #e42ce9c9 has offset:string.
  const bytes = Buffer.from('9fef74fe00000000000000000000000000000000', 'hex');
  const req = decodeObject(bytes);
  assert.equal(req._, 'account.getUniqueGiftChatThemes');
  assert.throws(() => encodeObject(req), (e: unknown) => e instanceof TlError && /does not fit the schema/.test((e as Error).message));
});
