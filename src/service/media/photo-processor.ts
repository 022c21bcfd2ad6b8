// Turns an uploaded image into Telegram's photo sizes (core.telegram.org/api/files#image-thumbnail-types):
// box sizes s/m/x/y/w for message photos, square crops a/b/c for profile photos, always with a stripped
// 'i' thumbnail. sharp decodes and encodes on libuv's thread pool, so big images do not block the loop.
import sharp, { type Metadata, type Sharp } from 'sharp';
import { RpcError } from '../../common/rpc-error.js';
import { makeStripped } from './stripped.js';

export interface SizeSpec {
  type: string;
  max: number;
  /** Square centre crop (profile photos) instead of fitting inside a box. */
  crop?: boolean;
}

export const MESSAGE_PHOTO_SIZES: readonly SizeSpec[] = [
  { type: 's', max: 100 },
  { type: 'm', max: 320 },
  { type: 'x', max: 800 },
  { type: 'y', max: 1280 },
  { type: 'w', max: 2560 },
];
export const PROFILE_PHOTO_SIZES: readonly SizeSpec[] = [
  { type: 'a', max: 160, crop: true },
  { type: 'b', max: 320, crop: true },
  { type: 'c', max: 640, crop: true },
];
export const DOCUMENT_THUMB_SIZES: readonly SizeSpec[] = [{ type: 'm', max: 320 }];

export const JPEG_QUALITY = 87;
/** Telegram's photo limits: 10 MB, width + height <= 10000, aspect ratio <= 20. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_DIMENSION_SUM = 10000;
const MAX_RATIO = 20;

export interface RenderedSize {
  type: string;
  w: number;
  h: number;
  data: Buffer;
}

export interface ProcessedPhoto {
  width: number;
  height: number;
  sizes: RenderedSize[];
  stripped?: Buffer;
}

/** Reads the image's dimensions or answers PHOTO_INVALID / PHOTO_INVALID_DIMENSIONS. */
export async function inspectImage(input: Buffer | string): Promise<{ width: number; height: number; format: string }> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { failOn: 'error' }).metadata();
  } catch {
    throw RpcError.badRequest('PHOTO_INVALID');
  }
  if (!meta.width || !meta.height || !meta.format) throw RpcError.badRequest('PHOTO_INVALID');
  // EXIF orientations 5-8 swap the sides once rotated.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  if (width + height > MAX_DIMENSION_SUM || Math.max(width, height) / Math.min(width, height) > MAX_RATIO) throw RpcError.badRequest('PHOTO_INVALID_DIMENSIONS');
  return { width, height, format: meta.format };
}

/**
 * Renders the sizes of `specs`. Box sizes: every size smaller than the image, then one at the image's own
 * size (the largest a client can download). Crops: every size, at most the image's shorter side.
 */
export async function processPhoto(input: Buffer | string, specs: readonly SizeSpec[]): Promise<ProcessedPhoto> {
  const { width, height } = await inspectImage(input);
  const base = sharp(input, { failOn: 'none' }).rotate();
  const longest = Math.max(width, height);
  const sizes: RenderedSize[] = [];
  try {
    for (const spec of specs) {
      let pipeline = base.clone().flatten({ background: '#ffffff' }).toColourspace('srgb');
      if (spec.crop) {
        const side = Math.min(spec.max, width, height);
        pipeline = pipeline.resize(side, side, { fit: 'cover', position: 'centre' });
      } else if (spec.max < longest) {
        pipeline = pipeline.resize(spec.max, spec.max, { fit: 'inside' });
      }
      const { data, info } = await pipeline.jpeg({ quality: JPEG_QUALITY, mozjpeg: false }).toBuffer({ resolveWithObject: true });
      sizes.push({ type: spec.type, w: info.width, h: info.height, data });
      if (!spec.crop && spec.max >= longest) break;
    }
  } catch {
    throw RpcError.badRequest('PHOTO_INVALID');
  }
  const stripped = await makeStripped(base).catch(() => undefined);
  return { width, height, sizes, stripped };
}
