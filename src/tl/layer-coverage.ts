// Build-time check (run by scripts/gen-tl.ts): every TL object Echo's source builds can be encoded for
// every supported layer. Echo builds objects in the canonical (newest) shape; an older client gets them
// through that layer's encoder. Where the layer has no such constructor, only a hand-written fallback
// (registerLayerFallback) knows what to send instead, so a missing one fails the build, naming the
// predicate and the layers, instead of failing at run time for the first client on that layer.
// Pure: callers pass the schema set and the source texts.

import type { TlDef } from './parser.js';
import type { SchemaSet } from './schema-set.js';

export interface SourceText {
  /** Path shown in messages, e.g. `src/bff/messages.ts`. */
  path: string;
  text: string;
}

/** Object literals naming their predicate: `{ _: 'updateShort', ... }`. */
const BUILT = /\b_\s*:\s*['"]([A-Za-z_][\w.]*)['"]/g;
const FALLBACK = /registerLayerFallback\(\s*['"]([A-Za-z_][\w.]*)['"]/g;

/** Predicate -> files whose source builds it as an object literal. */
export function builtPredicates(sources: readonly SourceText[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sources) {
    for (const m of s.text.matchAll(BUILT)) {
      const files = out.get(m[1]!) ?? [];
      if (!files.includes(s.path)) files.push(s.path);
      out.set(m[1]!, files);
    }
  }
  return out;
}

/** Predicates with a registerLayerFallback call somewhere in the sources. */
export function fallbackPredicates(sources: readonly SourceText[]): Set<string> {
  const out = new Set<string>();
  for (const s of sources) for (const m of s.text.matchAll(FALLBACK)) out.add(m[1]!);
  return out;
}

/** `[158, 159, 160, 163]` -> `158..160, 163` (runs of consecutive schema files). */
function layerRuns(all: readonly number[], picked: readonly number[]): string {
  const set = new Set(picked);
  const runs: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  for (const l of all) {
    if (set.has(l)) {
      start ??= l;
      prev = l;
      continue;
    }
    if (start !== undefined) runs.push(start === prev ? `${start}` : `${start}..${prev}`);
    start = undefined;
  }
  if (start !== undefined) runs.push(start === prev ? `${start}` : `${start}..${prev}`);
  return runs.join(', ');
}

/**
 * Why `layer` needs a fallback for constructor `def`, or undefined when it does not: the layer lacks the
 * constructor although a client on it can be sent that type, because the layer knows the type (another
 * constructor of it) or has a method whose canonical result is that type and returns something else there.
 */
function gapReason(set: SchemaSet, def: TlDef, layer: number, methodsReturning: readonly TlDef[]): string | undefined {
  const defs = set.layerDefs.get(layer)!;
  if (defs.has(def.name)) return undefined;
  for (const d of defs.values()) if (d.kind === 'constructor' && d.typeText === def.typeText) return `has other ${def.typeText} constructors`;
  for (const m of methodsReturning) {
    const old = defs.get(m.name);
    if (old && old.typeText !== m.typeText) return `answers ${m.name} with ${old.typeText}`;
  }
  return undefined;
}

/** Problems found, one line each; empty when every built object can be encoded for every layer. */
export function checkLayerCoverage(set: SchemaSet, sources: readonly SourceText[]): string[] {
  const built = builtPredicates(sources);
  const fallbacks = fallbackPredicates(sources);
  const canonicalApi = set.layerDefs.get(set.canonicalLayer)!;
  const problems: string[] = [];
  for (const [name, files] of [...built].sort(([a], [b]) => a.localeCompare(b))) {
    if (fallbacks.has(name)) continue;
    const where = files.join(', ');
    const def = set.canonical.get(name);
    if (!def) {
      const last = [...set.layers].reverse().find((l) => set.layerDefs.get(l)!.has(name));
      problems.push(
        last === undefined
          ? `${name} (${where}): no schema layer defines it`
          : `${name} (${where}): canonical layer ${set.canonicalLayer} no longer has it (last in layer ${last}); build the layer-${set.canonicalLayer} equivalent, or register a fallback to it`,
      );
      continue;
    }
    if (def.kind !== 'constructor' || !canonicalApi.has(name)) continue; // methods are sent by Echo's client; the service schema has no layers
    const methodsReturning = [...canonicalApi.values()].filter((m) => m.kind === 'method' && m.typeText === def.typeText);
    const gaps = new Map<number, string>();
    for (const layer of set.layers) {
      const reason = gapReason(set, def, layer, methodsReturning);
      if (reason) gaps.set(layer, reason);
    }
    if (gaps.size === 0) continue;
    const reasons = [...new Set(gaps.values())].join('; ');
    problems.push(`${name} (${where}): layers ${layerRuns(set.layers, [...gaps.keys()])} lack it (a layer there ${reasons})`);
  }
  return problems;
}

/** The build's error text for `problems`. */
export function coverageReport(problems: readonly string[]): string {
  return [
    `Echo builds TL objects that some supported layers cannot receive, and no layer fallback says what to send them instead:`,
    ...problems.map((p) => `  - ${p}`),
    `Register one per predicate with registerLayerFallback('<predicate>', (obj, layer) => ...) from src/tl/index.js,`,
    `next to the code building it: return the equivalent that layer has, or undefined where there is none`,
    `(encoding for that layer then fails with a TlError: a push is skipped for that client, an RPC answers an error).`,
  ].join('\n');
}
