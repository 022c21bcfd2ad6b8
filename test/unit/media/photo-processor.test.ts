// Photo sizes as Telegram produces them, and the PHOTO_INVALID family of errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { RpcError } from '../../../src/common/rpc-error.js';
import { MESSAGE_PHOTO_SIZES, PROFILE_PHOTO_SIZES, DOCUMENT_THUMB_SIZES, processPhoto } from '../../../src/service/media/photo-processor.js';

async function image(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 240 } } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg().toBuffer();
}

const is = (name: string) => (err: unknown) => err instanceof RpcError && err.errorMessage === name;

test('message photos get every box size below the original plus one at the original size', async () => {
  const p = await processPhoto(await image(1000, 600), MESSAGE_PHOTO_SIZES);
  assert.deepEqual(
    p.sizes.map((s) => [s.type, s.w, s.h]),
    [
      ['s', 100, 60],
      ['m', 320, 192],
      ['x', 800, 480],
      ['y', 1000, 600],
    ],
  );
  for (const s of p.sizes) {
    const meta = await sharp(s.data).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.deepEqual([meta.width, meta.height], [s.w, s.h]);
  }
  assert.equal(p.stripped?.[0], 1);
});

test('a small image has a single size; a huge one stops at w (2560)', async () => {
  const small = await processPhoto(await image(80, 50, 'jpeg'), MESSAGE_PHOTO_SIZES);
  assert.deepEqual(small.sizes.map((s) => [s.type, s.w, s.h]), [['s', 80, 50]]);
  const huge = await processPhoto(await image(3000, 1500), MESSAGE_PHOTO_SIZES);
  assert.deepEqual(huge.sizes.map((s) => s.type), ['s', 'm', 'x', 'y', 'w']);
  assert.deepEqual([huge.sizes[4]!.w, huge.sizes[4]!.h], [2560, 1280]);
});

test('profile photos are square crops a/b/c; document thumbs fit 320', async () => {
  const p = await processPhoto(await image(900, 700), PROFILE_PHOTO_SIZES);
  assert.deepEqual(p.sizes.map((s) => [s.type, s.w, s.h]), [['a', 160, 160], ['b', 320, 320], ['c', 640, 640]]);
  const t = await processPhoto(await image(90, 1200), DOCUMENT_THUMB_SIZES);
  assert.deepEqual(t.sizes.map((s) => [s.type, s.w, s.h]), [['m', 24, 320]]);
});

test('non-images answer PHOTO_INVALID; extreme shapes PHOTO_INVALID_DIMENSIONS', async () => {
  await assert.rejects(processPhoto(Buffer.from('%PDF-1.4 definitely not an image'), MESSAGE_PHOTO_SIZES), is('PHOTO_INVALID'));
  await assert.rejects(processPhoto(Buffer.alloc(0), MESSAGE_PHOTO_SIZES), is('PHOTO_INVALID'));
  const jpeg = await image(200, 200, 'jpeg');
  await assert.rejects(processPhoto(jpeg.subarray(0, 200), MESSAGE_PHOTO_SIZES), is('PHOTO_INVALID'), 'truncated');
  await assert.rejects(processPhoto(await image(2100, 100), MESSAGE_PHOTO_SIZES), is('PHOTO_INVALID_DIMENSIONS'));
  await assert.rejects(processPhoto(await image(6000, 5000), MESSAGE_PHOTO_SIZES), is('PHOTO_INVALID_DIMENSIONS'));
});
