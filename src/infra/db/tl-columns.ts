// TL-encoded columns: entities, media and forward headers are stored as the canonical layer's bytes,
// so a row is decoded with the same codec that writes it to clients and no JSON is ever built.
import { CANONICAL_LAYER, TlReader, TlWriter, decodeObject, encodeObject, writeObject, type TlObject } from '../../tl/index.js';

export function encodeTl(obj: TlObject | undefined): Buffer | null {
  return obj ? encodeObject(obj, CANONICAL_LAYER) : null;
}

export function decodeTl(buf: Uint8Array | null | undefined): TlObject | undefined {
  return buf && buf.length > 0 ? decodeObject(buf) : undefined;
}

/** A bare count followed by boxed objects; null for an empty list. */
export function encodeTlList(items: readonly TlObject[] | undefined): Buffer | null {
  if (!items || items.length === 0) return null;
  const w = new TlWriter(64 + items.length * 24);
  w.int32(items.length);
  for (const item of items) writeObject(w, item, CANONICAL_LAYER);
  return w.finish();
}

export function decodeTlList(buf: Uint8Array | null | undefined): TlObject[] | undefined {
  if (!buf || buf.length === 0) return undefined;
  const r = new TlReader(buf);
  const n = r.count();
  const out: TlObject[] = [];
  for (let i = 0; i < n; i++) out.push(decodeObject(r));
  return out;
}
