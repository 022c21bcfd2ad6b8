// Stripped thumbnails (photoStrippedSize, type 'i'; core.telegram.org/api/files#stripped-thumbnails): a
// tiny JPEG with the header every client already knows cut off. Clients rebuild the JPEG as
// STRIPPED_HEADER (height and width patched in) ‖ bytes[3..] ‖ FFD9, so our JPEG must use exactly those
// tables: libjpeg's standard quality-20 quantisation tables, the standard Huffman tables, 4:2:0 sampling,
// baseline. We let sharp encode with those settings and check the result's tables against the header
// before cutting it, so a library change can never produce thumbnails that decode to garbage.
import sharp, { type Metadata, type Sharp } from 'sharp';

/** The fixed JPEG header the stripped format leaves out (JFIF, DQT x2, SOF0, DHT x4, SOS). */
export const STRIPPED_HEADER = Buffer.from(
  'ffd8ffe000104a46494600010100000100010000ffdb004300281c1e231e19282321232d2b28303c64413c37373c7b585d4964918099968f808c8aa0b4e6c3a0aadaad8a8cc8ffcbdaeef5ffffff9bc1fffffffaffe6fdfff8ffdb0043012b2d2d3c353c76414176f8a58ca5f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8ffc00011080000000003012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00',
  'hex',
);
/** Offsets of the low bytes of height and width inside the SOF0 segment of the header. */
const HEIGHT_AT = 164;
const WIDTH_AT = 166;
/** Where the JFIF APP0 segment ends: the tables start here. */
const TABLES_AT = 20;
/** Telegram's stripped thumbnails fit in 40x40. */
export const STRIPPED_MAX_SIDE = 40;
const STRIPPED_QUALITY = 20;

/** Rebuilds the JPEG from stripped bytes, as clients do. */
export function inflateStripped(stripped: Uint8Array): Buffer {
  if (stripped.length < 3 || stripped[0] !== 1) throw new Error('not a stripped thumbnail');
  const header = Buffer.from(STRIPPED_HEADER);
  header[HEIGHT_AT] = stripped[1]!;
  header[WIDTH_AT] = stripped[2]!;
  return Buffer.concat([header, stripped.subarray(3), Buffer.from([0xff, 0xd9])]);
}

/**
 * Cuts a baseline JPEG into the stripped format, provided its tables equal the standard header's; returns
 * undefined when they do not (or when the image is bigger than 255 on a side).
 */
export function stripJpeg(jpeg: Buffer): Buffer | undefined {
  if (jpeg.readUInt16BE(0) !== 0xffd8) return undefined;
  const tables: Buffer[] = [];
  let pos = 2;
  let width = 0;
  let height = 0;
  while (pos + 4 <= jpeg.length) {
    if (jpeg[pos] !== 0xff) return undefined;
    const marker = jpeg[pos + 1]!;
    const length = jpeg.readUInt16BE(pos + 2);
    const segment = jpeg.subarray(pos, pos + 2 + length);
    // APPn and COM segments carry metadata the decoder does not need.
    const isMetadata = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isMetadata) {
      if (marker !== 0xdb && marker !== 0xc0 && marker !== 0xc4 && marker !== 0xda) return undefined;
      if (marker === 0xc0) {
        height = segment.readUInt16BE(5);
        width = segment.readUInt16BE(7);
        if (height > 255 || width > 255) return undefined;
        const patched = Buffer.from(segment);
        patched.writeUInt16BE(0, 5);
        patched.writeUInt16BE(0, 7);
        tables.push(patched);
      } else tables.push(segment);
    }
    pos += 2 + length;
    if (marker === 0xda) break;
  }
  if (!Buffer.concat(tables).equals(STRIPPED_HEADER.subarray(TABLES_AT))) return undefined;
  const end = jpeg.length >= 2 && jpeg.readUInt16BE(jpeg.length - 2) === 0xffd9 ? jpeg.length - 2 : jpeg.length;
  return Buffer.concat([Buffer.from([1, height, width]), jpeg.subarray(pos, end)]);
}

/** A stripped thumbnail of any image sharp can read, or undefined when it cannot be made. */
export async function makeStripped(input: Buffer | Sharp): Promise<Buffer | undefined> {
  const image = Buffer.isBuffer(input) ? sharp(input, { failOn: 'none' }).rotate() : input.clone();
  const jpeg = await image
    .resize(STRIPPED_MAX_SIDE, STRIPPED_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .jpeg({ quality: STRIPPED_QUALITY, chromaSubsampling: '4:2:0', optimiseCoding: false, progressive: false, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false, quantisationTable: 0 })
    .toBuffer();
  return stripJpeg(jpeg);
}
