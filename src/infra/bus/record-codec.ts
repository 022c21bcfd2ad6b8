// How bus values travel through Kafka: JSON, with the two kinds of value JSON lacks and our records carry
// (TL objects hold bigints and byte strings) written as one-key tagged objects. JSON rather than a binary
// format so records stay readable with Kafka's own tools and do not depend on the Node version (v8.serialize).
// The tags start with a character no TL field name or event field uses.

const BIGINT_TAG = '\u0000n';
const BYTES_TAG = '\u0000b';

export function encodeRecordValue(value: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      // JSON.stringify has already applied Buffer#toJSON to `v`; the holder still has the original.
      const raw = this[key];
      if (typeof raw === 'bigint') return { [BIGINT_TAG]: raw.toString() };
      if (raw instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
      return v;
    }),
  );
}

export function decodeRecordValue(data: Buffer): unknown {
  return JSON.parse(data.toString('utf8'), (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = v as Record<string, unknown>;
      if (typeof tagged[BIGINT_TAG] === 'string') return BigInt(tagged[BIGINT_TAG] as string);
      if (typeof tagged[BYTES_TAG] === 'string') return Buffer.from(tagged[BYTES_TAG] as string, 'base64');
    }
    return v;
  });
}
