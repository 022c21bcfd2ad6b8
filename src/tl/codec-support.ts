// Hand-written pieces the generated codec (src/tl/generated/codec.ts) calls: errors, the depth limit
// and the per-layer fallback registry. Kept apart so the generated file is pure tables and functions.

import { TlError } from './runtime.js';

/** Deepest nesting of boxed objects a decoder accepts; real API objects stay far below it. */
export const MAX_DEPTH = 64;

export interface TlObjectLike {
  _: string;
  [key: string]: unknown;
}

/** How one predicate is boxed-encoded: its id and the function writing its fields. */
export interface EncoderEntry {
  id: number;
  fn: (w: import('./runtime.js').TlWriter, o: any, c: EncodeContext) => void;
}

/**
 * Encoding state for one schema layer: predicate -> encoder, or null where the layer lacks the predicate.
 * Passed down to nested objects so they are encoded for the same layer.
 */
export interface EncodeContext {
  layer: number;
  map: Map<string, EncoderEntry | null>;
}

export type LayerFallback = (obj: TlObjectLike, layer: number) => TlObjectLike | undefined;

const fallbacks = new Map<string, LayerFallback>();

/**
 * Registers what to send instead of `predicate` to clients whose layer lacks it (an older equivalent,
 * an `...Unsupported` constructor). Returning undefined makes the encoding fail with a TlError.
 */
export function registerLayerFallback(predicate: string, fn: LayerFallback): void {
  fallbacks.set(predicate, fn);
}

/** A replacement for `obj` that the layer has (following at most a few fallbacks), or a TlError. */
export function layerReplacement(obj: TlObjectLike, c: EncodeContext): { entry: EncoderEntry; obj: TlObjectLike } {
  let cur = obj;
  for (let hop = 0; hop < 4; hop++) {
    const fb = fallbacks.get(cur._);
    const next = fb ? fb(cur, c.layer) : undefined;
    if (next === undefined || next === null) break;
    const entry = c.map.get(next._);
    if (entry) return { entry, obj: next };
    if (entry === undefined) throw new TlError(`fallback for ${cur._} returned unknown predicate ${String(next._)}`);
    cur = next;
  }
  throw new TlError(`${obj._} does not exist in layer ${c.layer} and no fallback replaced it`);
}

export function unknownPredicate(o: unknown): never {
  if (o === null || typeof o !== 'object') throw new TlError(`expected a TL object, got ${o === null ? 'null' : typeof o}`);
  throw new TlError(`unknown TL predicate ${String((o as { _?: unknown })._)}`);
}

export function unknownId(id: number): never {
  throw new TlError(`unknown TL constructor 0x${(id >>> 0).toString(16).padStart(8, '0')}`);
}

export function wrongType(id: number, type: string): never {
  throw new TlError(`constructor 0x${(id >>> 0).toString(16).padStart(8, '0')} is not a ${type}`);
}

export function tooDeep(): never {
  throw new TlError(`TL object nested deeper than ${MAX_DEPTH} levels`);
}

export function badLength(n: number, remaining: number): never {
  throw new TlError(`length ${n} does not fit in ${remaining} remaining bytes`);
}
