// The model the code generator (and the TL tests) work from: the service schema plus every API layer,
// reconciled into one canonical schema, per-layer differences and one decoder definition per id.
// Pure: callers read the files and pass their text.

import { parseTl, type TlDef, type TlParam, type TlTypeExpr } from './parser.js';

export interface SchemaSet {
  canonicalLayer: number;
  /** Layers with a schema file, ascending. */
  layers: number[];
  /** mtproto.tl + mtproto-extra.tl, after the renames described in `buildSchemaSet`. */
  service: TlDef[];
  /** Per layer: API predicate/method name -> definition. */
  layerDefs: Map<number, Map<string, TlDef>>;
  /** Name -> definition of the canonical layer and the service schema. */
  canonical: Map<string, TlDef>;
  /** Name -> newest definition, for names that only older layers have. */
  oldOnly: Map<string, TlDef>;
  /** Constructor id -> the definition its decoder follows (see `mergeSameId`). */
  decoders: Map<number, TlDef>;
  /** Things the generator chose to resolve one way; printed, never fatal. */
  notes: string[];
}

/** Identity of a definition for dedupe: two definitions with equal keys serialize identically. */
const keyCache = new WeakMap<TlDef, string>();

export function defKey(def: TlDef): string {
  let k = keyCache.get(def);
  if (k === undefined) {
    k = computeKey(def);
    keyCache.set(def, k);
  }
  return k;
}

function computeKey(def: TlDef): string {
  return `${def.name}#${def.id.toString(16)} ${def.params.map((p) => `${p.name}:${p.cond ? `${p.cond.field}.${p.cond.bit}?` : ''}${typeText(p.type)}`).join(' ')}`;
}

export function typeText(t: TlTypeExpr): string {
  switch (t.kind) {
    case 'nat':
      return '#';
    case 'prim':
      return t.name;
    case 'vector':
      return `${t.boxed ? 'Vector' : 'vector'}<${typeText(t.elem)}>`;
    case 'boxed':
      return t.name;
    case 'bare':
      return t.byType ? `%${t.name}` : t.name;
    case 'generic':
      return t.bang ? `!${t.name}` : t.name;
  }
}

export const isTrueFlag = (p: TlParam): boolean => p.type.kind === 'prim' && p.type.name === 'true';

/**
 * TDLib's layer files open with private helper declarations, some reusing the id of a real method
 * (`invokeWithBusinessConnectionPrefix#dd289f8e`). Within one file the later declaration wins.
 */
function dedupeFile(defs: TlDef[], notes: Set<string>): TlDef[] {
  const byId = new Map<number, TlDef>();
  for (const d of defs) {
    const prev = byId.get(d.id);
    if (prev && prev.name !== d.name) notes.add(`${prev.name} shares id 0x${d.id.toString(16)} with ${d.name}; keeping ${d.name}`);
    if (prev) byId.delete(d.id);
    byId.set(d.id, d);
  }
  return [...byId.values()];
}

function mapType(t: TlTypeExpr, f: (t: TlTypeExpr) => TlTypeExpr): TlTypeExpr {
  const m = f(t);
  if (m.kind === 'vector') return { ...m, elem: mapType(m.elem, f) };
  return m;
}

/**
 * Service-schema adjustments:
 * - names that clash with the API (`message`, type `Message`) get the prefix `mt_`, since both share one
 *   `_` namespace here (the ids are unaffected: they were computed from the original text);
 * - `string` fields carry binary data there (pq, encrypted_data, g_a, packed_data...), so they are
 *   treated as `bytes` (same wire format), except rpc_error's human-readable error_message.
 */
function adjustService(defs: TlDef[], apiNames: Set<string>, apiTypes: Set<string>, notes: string[]): TlDef[] {
  const renameName = (n: string) => (apiNames.has(n) ? `mt_${n}` : n);
  const renameType = (n: string) => (apiTypes.has(n) ? `mt_${n}` : n);
  const fix = (t: TlTypeExpr): TlTypeExpr => {
    if (t.kind === 'boxed' && t.name !== 'Object') return { kind: 'boxed', name: renameType(t.name) };
    if (t.kind === 'bare') return { ...t, name: t.byType ? renameType(t.name) : renameName(t.name) };
    return t;
  };
  return defs.map((d) => {
    const name = renameName(d.name);
    if (name !== d.name) notes.push(`service ${d.name} renamed ${name} (clashes with the API schema)`);
    const params = d.params.map((p) => {
      let type = mapType(p.type, fix);
      if (p.name !== 'error_message') {
        type = mapType(type, (t) => (t.kind === 'prim' && t.name === 'string' ? { kind: 'prim', name: 'bytes' } : t));
      }
      return { ...p, type };
    });
    const type = mapType(d.type, fix);
    return { ...d, name, params, type, typeText: typeText(type) };
  });
}

/**
 * One decoder per id. The same id can carry slightly different definitions across layers: only
 * `flags.N?true` fields differ then (those do not enter the id). The newest definition is used, with
 * true-flags that only older layers define added, so an old client's flag is not lost.
 */
function mergeSameId(versions: TlDef[], notes: string[]): TlDef {
  const newest = versions[versions.length - 1]!;
  let params = newest.params;
  for (const old of versions.slice(0, -1)) {
    if (defKey(old) === defKey(newest)) continue;
    const strip = (d: TlDef) => d.params.filter((p) => !isTrueFlag(p)).map((p) => `${p.name}:${typeText(p.type)}`).join(' ');
    if (old.name !== newest.name || strip(old) !== strip(newest)) {
      notes.push(`id 0x${newest.id.toString(16)}: ${old.name} differs from ${newest.name} beyond true-flags; decoding follows the newest`);
      continue;
    }
    for (const p of old.params) {
      if (!isTrueFlag(p) || params.some((q) => q.name === p.name)) continue;
      // A bit that the newest definition gives to a real field must not be read as a flag.
      if (params.some((q) => q.cond && !isTrueFlag(q) && q.cond.field === p.cond!.field && q.cond.bit === p.cond!.bit)) continue;
      params = [...params, p];
    }
  }
  return params === newest.params ? newest : { ...newest, params };
}

export function buildSchemaSet(serviceTexts: string[], layerTexts: Map<number, string>): SchemaSet {
  const noteSet = new Set<string>();
  const layers = [...layerTexts.keys()].sort((a, b) => a - b);
  if (layers.length === 0) throw new Error('no API layer schema given');
  const canonicalLayer = layers[layers.length - 1]!;
  const layerDefs = new Map<number, Map<string, TlDef>>();
  const apiNames = new Set<string>();
  const apiTypes = new Set<string>();
  for (const layer of layers) {
    const defs = dedupeFile(parseTl(layerTexts.get(layer)!), noteSet);
    const byName = new Map<string, TlDef>();
    for (const d of defs) {
      byName.set(d.name, d);
      apiNames.add(d.name);
      if (d.kind === 'constructor') apiTypes.add(d.typeText);
    }
    layerDefs.set(layer, byName);
  }
  const notes: string[] = [];
  const service = adjustService(serviceTexts.flatMap((t) => parseTl(t)), apiNames, apiTypes, notes);

  const canonical = new Map<string, TlDef>(layerDefs.get(canonicalLayer)!);
  for (const d of service) canonical.set(d.name, d);
  const oldOnly = new Map<string, TlDef>();
  for (const layer of layers) {
    for (const [name, d] of layerDefs.get(layer)!) if (!canonical.has(name)) oldOnly.set(name, d);
  }

  // Oldest to newest, so mergeSameId sees the newest last; the canonical layer and service come last of all.
  const versionsById = new Map<number, TlDef[]>();
  const add = (d: TlDef) => {
    const list = versionsById.get(d.id);
    if (!list) return void versionsById.set(d.id, [d]);
    if (list[list.length - 1] === d) return;
    const k = defKey(d);
    const at = list.findIndex((x) => defKey(x) === k);
    if (at >= 0) list.splice(at, 1);
    list.push(d);
  };
  for (const layer of layers) for (const d of layerDefs.get(layer)!.values()) add(d);
  for (const d of service) add(d);
  const decoders = new Map<number, TlDef>();
  for (const [id, versions] of versionsById) decoders.set(id, mergeSameId(versions, notes));

  return { canonicalLayer, layers, service, layerDefs, canonical, oldOnly, decoders, notes: [...noteSet, ...notes] };
}

/** The definition a client on schema layer `layer` uses for `name`, or undefined when it has none. */
export function defForLayer(set: SchemaSet, name: string, layer: number): TlDef | undefined {
  const d = set.layerDefs.get(layer)?.get(name);
  if (d) return d;
  return set.service.find((s) => s.name === name);
}
