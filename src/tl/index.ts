// The TL module's public face: the only import other modules use (see docs/architecture.md).
// Objects are canonical-layer shaped everywhere inside Echo; the layer only matters at the edge,
// when encoding for a client that declared an older layer.

import { TlError, TlReader, TlWriter } from './runtime.js';
import { registerLayerFallback as registerFallbackByName, type EncodeContext, type EncoderEntry, type LayerFallback } from './codec-support.js';
import {
  CANONICAL_ENCODERS,
  CANONICAL_LAYER as GENERATED_CANONICAL_LAYER,
  LAYER_RUNS,
  METHOD_NAMES,
  RESULT_DECODERS,
  RESULT_ENCODERS,
  SCHEMA_LAYERS,
  decodeAny,
  writeAny,
} from './generated/codec.js';
import type { TlConstructors, TlMethodResults, TlMethods, TlObject, TlTypes } from './generated/types.js';

export { TlError, TlReader, TlWriter };
export type { LayerFallback, TlConstructors, TlMethodResults, TlMethods, TlObject, TlTypes };

/** The newest layer: the shape of every object inside Echo. */
export const CANONICAL_LAYER: number = GENERATED_CANONICAL_LAYER;
/** Layers with their own schema file, ascending; any layer in between uses the closest older file. */
export const SUPPORTED_LAYERS: readonly number[] = SCHEMA_LAYERS;

export type PredicateName = keyof TlConstructors;
export type MethodName = keyof TlMethods;
export type TypeName = keyof TlTypes;
export type Obj<P extends PredicateName> = TlConstructors[P];
export type Req<M extends MethodName> = TlMethods[M];
export type Res<M extends MethodName> = TlMethodResults[M];
export type TlType<T extends TypeName> = TlTypes[T];

/**
 * What to send instead of `predicate` to a layer that lacks it (see codec-support.ts), typed by the
 * predicate: the codec calls `fn` only with objects whose `_` is `predicate`, which is what the one
 * conversion to the name-keyed registry's signature relies on.
 */
export function registerLayerFallback<P extends PredicateName>(predicate: P, fn: (obj: Obj<P>, layer: number) => TlObject | undefined): void {
  registerFallbackByName(predicate, fn as LayerFallback);
}

const oldest = SCHEMA_LAYERS[0]!;

/** The schema layer used for a client on `layer`: the largest schema file not newer than it (clamped). */
export function schemaLayerFor(layer: number): number {
  if (!(layer > oldest)) return oldest;
  if (layer >= GENERATED_CANONICAL_LAYER) return GENERATED_CANONICAL_LAYER;
  let best = oldest;
  for (const l of SCHEMA_LAYERS) {
    if (l > layer) break;
    best = l;
  }
  return best;
}

const canonicalContext: EncodeContext = { layer: GENERATED_CANONICAL_LAYER, map: CANONICAL_ENCODERS };
const contexts = new Map<number, EncodeContext>([[GENERATED_CANONICAL_LAYER, canonicalContext]]);

/** Encoders for one schema layer, built on first use: canonical ones overridden where the layer differs. */
function contextFor(layer: number): EncodeContext {
  if (layer === GENERATED_CANONICAL_LAYER) return canonicalContext;
  const schemaLayer = schemaLayerFor(layer);
  let c = contexts.get(schemaLayer);
  if (!c) {
    const map = new Map<string, EncoderEntry | null>(CANONICAL_ENCODERS);
    for (const [name, from, to, entry] of LAYER_RUNS) if (from <= schemaLayer && schemaLayer <= to) map.set(name, entry);
    c = { layer: schemaLayer, map };
    contexts.set(schemaLayer, c);
  }
  return c;
}

/** Boxed encoding of `obj` for a client on `layer`; nested objects follow the same layer. */
export function encodeObject(obj: TlObject | Uint8Array, layer: number = GENERATED_CANONICAL_LAYER): Buffer {
  const w = new TlWriter();
  writeObject(w, obj, layer);
  return w.finish();
}

/** Like encodeObject, appending to an existing writer. A Uint8Array is written as is. */
export function writeObject(w: TlWriter, obj: TlObject | Uint8Array, layer: number = GENERATED_CANONICAL_LAYER): void {
  try {
    writeAny(w, obj, contextFor(layer));
  } catch (e) {
    // A field of the wrong JavaScript type (a number where the schema has a string, say) makes the writer throw
    // a TypeError; to callers it is the same as any other object that does not fit the schema.
    throw asTlError(e, 'object does not fit the schema');
  }
}

function asTlError(e: unknown, what = 'malformed TL data'): TlError {
  if (e instanceof TlError) return e;
  return new TlError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
}

function readerOf(r: TlReader | Uint8Array): TlReader {
  return r instanceof TlReader ? r : new TlReader(r);
}

/** Any boxed constructor or method of any supported layer, in the canonical shape of its predicate. */
export function decodeObject(r: TlReader | Uint8Array): TlObject {
  const reader = readerOf(r);
  try {
    return decodeAny(reader, 0);
  } catch (e) {
    throw asTlError(e);
  }
}

/** Encodes what `method` returns (an object, or a bare value such as `Vector<long>` or `Bool`). */
export function encodeResult<M extends MethodName>(method: M, value: Res<M>, layer: number = GENERATED_CANONICAL_LAYER): Buffer {
  const f = RESULT_ENCODERS.get(method);
  if (!f) throw new TlError(`unknown method ${method}`);
  const w = new TlWriter();
  try {
    f(w, value, contextFor(layer));
  } catch (e) {
    throw asTlError(e, 'result does not fit the schema');
  }
  return w.finish();
}

/**
 * A `Vector<T>` result already encoded for `layer`: for the few methods whose result type changed between
 * layers (a vector in old layers, an object in new ones), so a handler can answer an old client in its
 * own shape. The session layer sends a Uint8Array result as it is.
 */
export function encodeVectorResult(items: readonly (TlObject | Uint8Array)[], layer: number = GENERATED_CANONICAL_LAYER): Buffer {
  const w = new TlWriter();
  w.uint32(0x1cb5c415);
  w.int32(items.length);
  for (const item of items) writeObject(w, item, layer);
  return w.finish();
}

/** Decodes the result of `method` (which must not be gzip_packed: unpack it first). */
export function decodeResult<M extends MethodName>(method: M, r: TlReader | Uint8Array): Res<M> {
  const f = RESULT_DECODERS.get(method);
  if (!f) throw new TlError(`unknown method ${method}`);
  const reader = readerOf(r);
  try {
    return f(reader, 0) as Res<M>;
  } catch (e) {
    throw asTlError(e);
  }
}

/** Constructor id of a predicate or method in `layer`, or undefined where that layer lacks it. */
export function constructorId(name: string, layer: number = GENERATED_CANONICAL_LAYER): number | undefined {
  return contextFor(layer).map.get(name)?.id;
}

export function isMethod(name: string): boolean {
  return METHOD_NAMES.has(name);
}

/** Every method name of every supported layer. */
export const methodNames: ReadonlySet<string> = METHOD_NAMES;
