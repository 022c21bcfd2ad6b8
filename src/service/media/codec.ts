// Small persistence helpers for media rows: ids, stored sizes, TL-encoded attribute lists.
import { decodeObject, encodeObject, type TlObject, type TlType } from '../../tl/index.js';

/** A rendered size as stored in a row: the blob key lives in the `photos` bucket. */
export interface StoredSize {
  type: string;
  w: number;
  h: number;
  size: number;
  key: string;
  /** videoSize only. */
  videoStartTs?: number;
}

/**
 * Photo and document ids grow with time (milliseconds in the high bits, randomness below), like Telegram's:
 * photos.getUserPhotos' max_id and clients' caches rely on newer ids being larger.
 */
export function timeOrderedId(nowMs: number, random: (n: number) => Buffer): bigint {
  const low = BigInt(random(3).readUIntBE(0, 3) & 0xfffff);
  return (BigInt(Math.floor(nowMs)) << 20n) | low;
}

/** A Vector<DocumentAttribute> as length-prefixed boxed objects (each decodable on its own). */
export function encodeAttributes(attributes: readonly TlType<'DocumentAttribute'>[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attributes) {
    const body = encodeObject(a);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    parts.push(len, body);
  }
  return Buffer.concat(parts);
}

/**
 * The generic decoder answers any constructor; a stored list only ever holds what encodeAttributes wrote, so
 * anything else means a damaged row and is left out rather than shown to clients.
 */
function isDocumentAttribute(obj: TlObject): obj is TlType<'DocumentAttribute'> {
  return obj._.startsWith('documentAttribute');
}

export function decodeAttributes(data: Uint8Array): TlType<'DocumentAttribute'>[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: TlType<'DocumentAttribute'>[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const attribute = decodeObject(buf.subarray(pos + 4, pos + 4 + len));
    if (isDocumentAttribute(attribute)) out.push(attribute);
    pos += 4 + len;
  }
  return out;
}

export function parseSizes(json: string): StoredSize[] {
  return JSON.parse(json) as StoredSize[];
}

/** storage.FileType for a MIME type, as upload.file reports it. */
export function storageFileType(mime: string): TlType<'storage.FileType'> {
  switch (mime.toLowerCase()) {
    case 'image/jpeg':
      return { _: 'storage.fileJpeg' };
    case 'image/png':
      return { _: 'storage.filePng' };
    case 'image/gif':
      return { _: 'storage.fileGif' };
    case 'image/webp':
      return { _: 'storage.fileWebp' };
    case 'application/pdf':
      return { _: 'storage.filePdf' };
    case 'audio/mpeg':
    case 'audio/mp3':
      return { _: 'storage.fileMp3' };
    case 'video/quicktime':
      return { _: 'storage.fileMov' };
    case 'video/mp4':
      return { _: 'storage.fileMp4' };
    default:
      return { _: 'storage.fileUnknown' };
  }
}
