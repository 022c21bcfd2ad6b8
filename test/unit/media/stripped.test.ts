// The stripped thumbnail format: what we produce must rebuild, with the clients' own header, into a JPEG
// of the right size and colour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { strippedPhotoToJpg } from 'telegram/Utils.js';
import { inflateStripped, makeStripped, stripJpeg, STRIPPED_HEADER } from '../../../src/service/media/stripped.js';

async function image(width: number, height: number, rgb = { r: 200, g: 30, b: 90 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: rgb } }).png().toBuffer();
}

test('the stripped header is the one GramJS rebuilds thumbnails with', () => {
  const rebuilt = strippedPhotoToJpg(Buffer.from([1, 0, 0]));
  assert.deepEqual(rebuilt.subarray(0, STRIPPED_HEADER.length), STRIPPED_HEADER);
});

test('makeStripped: version 1, height and width at most 40, and the client rebuilds a decodable JPEG', async () => {
  const stripped = (await makeStripped(await image(640, 480)))!;
  assert.ok(stripped, 'a stripped thumbnail was made');
  assert.equal(stripped[0], 1);
  assert.equal(stripped[1], 30, 'height');
  assert.equal(stripped[2], 40, 'width');
  assert.ok(stripped.length < 1000, `small: ${stripped.length} bytes`);
  const jpeg = strippedPhotoToJpg(stripped);
  assert.deepEqual(jpeg, inflateStripped(stripped));
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 40);
  assert.equal(info.height, 30);
  // The colour survives quality-20 compression roughly.
  assert.ok(Math.abs(data[0]! - 200) < 20 && Math.abs(data[1]! - 30) < 20 && Math.abs(data[2]! - 90) < 20, `pixel ${[...data.subarray(0, 3)]}`);
});

test('portrait and tiny images keep their aspect ratio', async () => {
  const tall = (await makeStripped(await image(100, 400)))!;
  assert.deepEqual([tall[1], tall[2]], [40, 10]);
  const tiny = (await makeStripped(await image(5, 3)))!;
  assert.deepEqual([tiny[1], tiny[2]], [3, 5]);
});

test('stripJpeg refuses JPEGs whose tables differ from the standard header', async () => {
  const otherQuality = await sharp(await image(40, 40)).jpeg({ quality: 90 }).toBuffer();
  assert.equal(stripJpeg(otherQuality), undefined);
  const progressive = await sharp(await image(40, 40)).jpeg({ quality: 20, progressive: true }).toBuffer();
  assert.equal(stripJpeg(progressive), undefined);
  assert.equal(stripJpeg(Buffer.from('not a jpeg at all')), undefined);
  assert.throws(() => inflateStripped(Buffer.from([2, 1, 1])));
});
