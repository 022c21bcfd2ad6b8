// gzip_packed#3072cfa1 bodies from clients. The spec says gzip (RFC 1952), but clients differ: mtcute
// packs requests with zlib's deflate() (an RFC 1950 stream), and a raw deflate stream (RFC 1951) is
// what is left once either header is stripped. Telegram accepts all three, so Echo does too, each
// under the same inflated-size cap (a small packet must not inflate into gigabytes).
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** Inflated size cap for gzip_packed: guards against compression bombs. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

export type PackedFormat = 'gzip' | 'zlib' | 'deflate';

/** The stream's format by its header: gzip magic, else a valid zlib header (CM 8, FCHECK), else raw. */
export function packedFormat(data: Uint8Array): PackedFormat {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  if (data.length >= 2) {
    const cmf = data[0]!;
    const flg = data[1]!;
    // CM = 8 (deflate), CINFO <= 7 (window up to 32 KiB), no preset dictionary, header a multiple of 31.
    if ((cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0) return 'zlib';
  }
  return 'deflate';
}

/** The inflated bytes; throws (a zlib error, or RangeError past `maxBytes`) on bad or oversized data. */
export function inflatePacked(data: Uint8Array, maxBytes: number = MAX_INFLATED_BYTES): Buffer {
  const opts = { maxOutputLength: maxBytes };
  switch (packedFormat(data)) {
    case 'gzip':
      return gunzipSync(data, opts);
    case 'zlib':
      return inflateSync(data, opts);
    case 'deflate':
      return inflateRawSync(data, opts);
  }
}
