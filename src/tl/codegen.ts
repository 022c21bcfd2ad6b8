// Turns a SchemaSet into TypeScript: `types.ts` (the typed object maps) and `codec.ts` (straight-line
// encoders/decoders and their tables). Generated code avoids closures and reflection on the hot path:
// one function per definition, field reads into locals, one object literal per decoded object.

import type { TlDef, TlParam, TlTypeExpr } from './parser.js';
import { snakeToCamel } from './parser.js';
import { defKey, isTrueFlag, typeText, type SchemaSet } from './schema-set.js';
import { TYPE_COERCIONS } from './coercions.js';

const VECTOR_ID = 0x1cb5c415;

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const ident = (s: string) => s.replace(/[^\w]/g, '$');
const q = (s: string) => JSON.stringify(s);

interface GenState {
  set: SchemaSet;
  /** Type name -> ids (with decoder function names) of every predicate that ever had that type. */
  typeMembers: Map<string, Map<number, string>>;
  /** Type name -> ids of other types' predicates its fields accept, decoded then renamed (coercions.ts). */
  typeCoercions: Map<string, Map<number, { fn: string; target: string }>>;
  decoderName: Map<number, string>;
  /** defKey -> encoder function name. */
  encoderName: Map<string, string>;
  /** Name -> the definition used for bare references and types (canonical, else newest old). */
  primary: Map<string, TlDef>;
  /** Type name -> its constructors (primary definitions), for `%Type` bare references. */
  typeCtors: Map<string, TlDef[]>;
  vecDecoders: Map<string, string>;
  vecEncoders: Map<string, string>;
  typeDispatchers: Set<string>;
  out: string[];
}

export interface GeneratedFiles {
  [file: string]: string;
}

export function generate(set: SchemaSet): GeneratedFiles {
  const primary = new Map<string, TlDef>([...set.oldOnly, ...set.canonical]);
  const typeCtors = new Map<string, TlDef[]>();
  for (const d of primary.values()) {
    if (d.kind !== 'constructor') continue;
    const list = typeCtors.get(d.typeText) ?? [];
    list.push(d);
    typeCtors.set(d.typeText, list);
  }
  const decoderName = new Map<number, string>();
  for (const [id, d] of set.decoders) decoderName.set(id, `d_${ident(d.name)}_${(id >>> 0).toString(16)}`);

  // Every type a predicate name was ever declared with, so a field typed with the current type also
  // accepts that predicate's ids from other layers.
  const typesOfName = new Map<string, Set<string>>();
  const noteType = (d: TlDef) => {
    if (d.kind !== 'constructor') return;
    const s = typesOfName.get(d.name) ?? new Set<string>();
    s.add(d.typeText);
    typesOfName.set(d.name, s);
  };
  for (const layer of set.layers) for (const d of set.layerDefs.get(layer)!.values()) noteType(d);
  for (const d of set.service) noteType(d);
  const typeMembers = new Map<string, Map<number, string>>();
  for (const [id, d] of set.decoders) {
    if (d.kind !== 'constructor') continue;
    for (const t of typesOfName.get(d.name) ?? [d.typeText]) {
      const m = typeMembers.get(t) ?? new Map<number, string>();
      m.set(id, decoderName.get(id)!);
      typeMembers.set(t, m);
    }
  }

  const st: GenState = {
    set,
    typeMembers,
    typeCoercions: coercedMembers(set, primary, decoderName),
    decoderName,
    encoderName: new Map(),
    primary,
    typeCtors,
    vecDecoders: new Map(),
    vecEncoders: new Map(),
    typeDispatchers: new Set(),
    out: [],
  };
  return { 'codec.ts': genCodec(st), 'types.ts': genTypes(st) };
}

/**
 * The ids each coercible type also accepts (see coercions.ts). A source is only a rename of its target:
 * every version of the source must carry the target's fields, or the build fails here.
 */
function coercedMembers(set: SchemaSet, primary: Map<string, TlDef>, decoderName: Map<number, string>): Map<string, Map<number, { fn: string; target: string }>> {
  const fieldsOf = (d: TlDef) => d.params.filter((p) => p.type.kind !== 'nat').map((p) => `${p.name}:${typeText(p.type)}`).join(' ');
  const out = new Map<string, Map<number, { fn: string; target: string }>>();
  for (const [type, table] of Object.entries(TYPE_COERCIONS)) {
    const m = new Map<number, { fn: string; target: string }>();
    for (const [id, d] of set.decoders) {
      const target = d.kind === 'constructor' ? table[d.name] : undefined;
      if (target === undefined) continue;
      const t = primary.get(target);
      if (!t || t.typeText !== type) throw new Error(`coercion ${d.name} -> ${target}: ${target} is not a ${type}`);
      if (fieldsOf(t) !== fieldsOf(d)) throw new Error(`coercion ${d.name} -> ${target}: fields differ (${fieldsOf(d)} / ${fieldsOf(t)})`);
      m.set(id, { fn: decoderName.get(id)!, target });
    }
    out.set(type, m);
  }
  return out;
}

// ---------------------------------------------------------------- decoding

function bareTarget(st: GenState, t: Extract<TlTypeExpr, { kind: 'bare' }>): TlDef {
  if (t.byType) {
    const ctors = st.typeCtors.get(t.name) ?? [];
    if (ctors.length !== 1) throw new Error(`%${t.name} needs exactly one constructor, has ${ctors.length}`);
    return ctors[0]!;
  }
  const d = st.primary.get(t.name);
  if (!d) throw new Error(`bare reference to unknown constructor ${t.name}`);
  return d;
}

function typeDispatcher(st: GenState, type: string): string {
  st.typeDispatchers.add(type);
  return `t_${ident(type)}`;
}

function vecKey(t: Extract<TlTypeExpr, { kind: 'vector' }>): string {
  return ident(`${t.boxed ? 'V' : 'v'}_${typeText(t.elem)}`);
}

/** A JS expression that reads one value of type `t` from `r` (object depth in `d`). */
function decodeExpr(st: GenState, t: TlTypeExpr): string {
  switch (t.kind) {
    case 'nat':
      return 'r.int32()';
    case 'prim':
      switch (t.name) {
        case 'int':
          return 'r.int32()';
        case 'long':
          return 'r.int64()';
        case 'double':
          return 'r.double()';
        case 'string':
          return 'r.string()';
        case 'bytes':
          return 'r.bytes()';
        case 'int128':
          return 'r.int128()';
        case 'int256':
          return 'r.int256()';
        case 'Bool':
          return 'r.bool()';
        case 'true':
          return 'true';
      }
      break;
    case 'boxed':
      return t.name === 'Object' ? 'decodeObjectField(r, d)' : `${typeDispatcher(st, t.name)}(r, d)`;
    case 'generic':
      return 'decodeAny(r, d)';
    case 'bare': {
      const target = bareTarget(st, t);
      const id = st.set.decoders.get(target.id) ? target.id : undefined;
      if (id === undefined) throw new Error(`no decoder for bare ${target.name}`);
      return `${st.decoderName.get(id)}(r, d + 1)`;
    }
    case 'vector': {
      const key = vecKey(t);
      if (!st.vecDecoders.has(key)) {
        st.vecDecoders.set(key, ''); // reserve before recursing
        const elem = decodeExpr(st, t.elem);
        st.vecDecoders.set(
          key,
          `function dv_${key}(r: R, d: number): any[] {\n  const n = ${t.boxed ? 'r.vectorLength()' : 'r.count()'};\n  const a = new Array(n);\n  for (let i = 0; i < n; i++) a[i] = ${elem};\n  return a;\n}`,
        );
      }
      return `dv_${key}(r, d)`;
    }
  }
  throw new Error(`cannot decode ${typeText(t)}`);
}

const flagMask = (bit: number) => `0x${(2 ** bit).toString(16)}`;

function genDecoder(st: GenState, def: TlDef, fnName: string): string {
  const lines: string[] = [`function ${fnName}(r: R, d: number): any {`];
  const fields: string[] = [`_: ${q(def.name)}`];
  const flagVar = (name: string) => `f_${ident(name)}`;
  const params = def.params;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const local = `p${i}`;
    if (p.type.kind === 'nat') {
      lines.push(`  const ${flagVar(p.name)} = r.int32();`);
      continue;
    }
    const cond = p.cond ? `(${flagVar(p.cond.field)} & ${flagMask(p.cond.bit)}) !== 0` : undefined;
    if (isTrueFlag(p)) {
      fields.push(`${q(snakeToCamel(p.name))}: ${cond}`);
      continue;
    }
    const next = params[i + 1];
    if (p.name === 'bytes' && p.type.kind === 'prim' && p.type.name === 'int' && !p.cond && next && next.type.kind === 'boxed' && next.type.name === 'Object' && !next.cond) {
      // mt_message: `bytes` is the length of `body`, so the body is read within those bytes only
      // (a body that is not a known object, e.g. a vector result, is then kept as raw bytes).
      lines.push(`  const ${local} = r.int32();`);
      lines.push(`  if (${local} < 0 || ${local} > r.remaining) badLength(${local}, r.remaining);`);
      lines.push(`  const p${i + 1} = decodeObjectField(new TlReader(r.buf, r.pos, r.pos + ${local}), d);`);
      lines.push(`  r.pos += ${local};`);
      fields.push(`${q(snakeToCamel(p.name))}: ${local}`, `${q(snakeToCamel(next.name))}: p${i + 1}`);
      i++;
      continue;
    }
    const expr = decodeExpr(st, p.type);
    lines.push(`  const ${local} = ${cond ? `${cond} ? ${expr} : undefined` : expr};`);
    fields.push(`${q(snakeToCamel(p.name))}: ${local}`);
  }
  // An older layer's definition lacks fields the canonical one requires: the decoded object gets their empty
  // value, so it has the canonical shape everything inside Echo (encoders included) relies on.
  const canon = st.set.canonical.get(def.name);
  if (canon && canon !== def) {
    for (const p of canon.params) {
      if (p.cond || p.type.kind === 'nat' || params.some((o) => o.name === p.name)) continue;
      const dflt = defaultFor(p.type);
      if (dflt) fields.push(`${q(snakeToCamel(p.name))}: ${dflt}`);
    }
  }
  lines.push(`  return { ${fields.join(', ')} };`, '}');
  return lines.join('\n');
}

// ---------------------------------------------------------------- encoding

/** A statement writing value `v` of type `t`. */
function encodeStmt(st: GenState, t: TlTypeExpr, v: string): string {
  switch (t.kind) {
    case 'prim':
      switch (t.name) {
        case 'int':
          return `w.int32(${v});`;
        case 'long':
          return `w.int64(${v});`;
        case 'double':
          return `w.double(${v});`;
        case 'string':
          return `w.string(${v});`;
        case 'bytes':
          return `w.bytes(${v});`;
        case 'int128':
          return `w.int128(${v});`;
        case 'int256':
          return `w.int256(${v});`;
        case 'Bool':
          return `w.bool(${v});`;
        case 'true':
          return '';
      }
      break;
    case 'boxed':
      return t.name === 'Object' ? `writeAny(w, ${v}, c);` : `writeBoxed(w, ${v}, c);`;
    case 'generic':
      return `writeAny(w, ${v}, c);`;
    case 'bare':
      return `${encoderFor(st, bareTarget(st, t))}(w, ${v}, c);`;
    case 'vector': {
      // Boxed elements all go through writeBoxed, so one writer per vector kind serves every type.
      const key = t.elem.kind === 'boxed' && t.elem.name !== 'Object' ? (t.boxed ? 'V_boxed' : 'v_boxed') : vecKey(t);
      if (!st.vecEncoders.has(key)) {
        st.vecEncoders.set(key, '');
        const elem = encodeStmt(st, t.elem, 'v[i]');
        st.vecEncoders.set(
          key,
          `function ev_${key}(w: W, v: any[], c: Ctx): void {\n  ${t.boxed ? `w.uint32(${hex(VECTOR_ID)});\n  ` : ''}const n = v.length;\n  w.int32(n);\n  for (let i = 0; i < n; i++) ${elem}\n}`,
        );
      }
      return `ev_${key}(w, ${v}, c);`;
    }
    case 'nat':
      break;
  }
  throw new Error(`cannot encode ${typeText(t)}`);
}

function defaultFor(t: TlTypeExpr): string | undefined {
  if (t.kind === 'vector') return '[]';
  if (t.kind !== 'prim') return undefined;
  switch (t.name) {
    case 'int':
    case 'double':
      return '0';
    case 'long':
      return '0n';
    case 'string':
      return "''";
    case 'bytes':
      return 'EMPTY';
    case 'int128':
      return 'ZERO16';
    case 'int256':
      return 'ZERO32';
    case 'Bool':
      return 'false';
    default:
      return undefined;
  }
}

function encoderFor(st: GenState, def: TlDef): string {
  const key = defKey(def);
  let name = st.encoderName.get(key);
  if (!name) {
    name = `e_${ident(def.name)}_${(def.id >>> 0).toString(16)}`;
    let n = 1;
    const taken = new Set(st.encoderName.values());
    while (taken.has(name)) name = `e_${ident(def.name)}_${(def.id >>> 0).toString(16)}_${n++}`;
    st.encoderName.set(key, name);
    st.out.push(""); // reserve the slot first: generating the body may emit encoders it references
    const at = st.out.length - 1;
    st.out[at] = genEncoder(st, def, name, !st.set.canonical.has(def.name) || defKey(st.set.canonical.get(def.name)!) !== key);
  }
  return name;
}

function genEncoder(st: GenState, def: TlDef, fnName: string, old: boolean): string {
  const lines: string[] = [`function ${fnName}(w: W, o: any, c: Ctx): void {`];
  const natFields = def.params.filter((p) => p.type.kind === 'nat');
  for (const nat of natFields) {
    const parts = def.params
      .filter((p) => p.cond && p.cond.field === nat.name)
      .map((p) => `(${isTrueFlag(p) ? `o.${snakeToCamel(p.name)}` : `o.${snakeToCamel(p.name)} != null`} ? ${flagMask(p.cond!.bit)} : 0)`);
    lines.push(`  const f_${ident(nat.name)} = ${parts.length ? parts.join(' | ') : '0'};`);
  }
  const params = def.params;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p.type.kind === 'nat') {
      lines.push(`  w.int32(f_${ident(p.name)});`);
      continue;
    }
    if (isTrueFlag(p)) continue;
    const v = `o.${snakeToCamel(p.name)}`;
    const next = params[i + 1];
    if (p.name === 'bytes' && p.type.kind === 'prim' && p.type.name === 'int' && !p.cond && next && next.type.kind === 'boxed' && next.type.name === 'Object' && !next.cond) {
      // The body length is whatever the body turns out to be, patched in after writing it.
      lines.push(`  const at = w.pos;`, `  w.int32(0);`, `  writeAny(w, o.${snakeToCamel(next.name)}, c);`, `  w.finish().writeInt32LE(w.pos - at - 4, at);`);
      i++;
      continue;
    }
    if (!p.cond) {
      const dflt = old ? defaultFor(p.type) : undefined;
      lines.push(`  ${encodeStmt(st, p.type, dflt ? `(${v} ?? ${dflt})` : v)}`);
      continue;
    }
    const cond = p.cond;
    const shared = params.some((o) => o !== p && o.cond && o.cond.field === cond.field && o.cond.bit === cond.bit);
    if (shared) {
      // Fields sharing a bit travel together: once any of them sets it, all must be written.
      const dflt = defaultFor(p.type);
      lines.push(`  if ((f_${ident(cond.field)} & ${flagMask(cond.bit)}) !== 0) ${encodeStmt(st, p.type, dflt ? `(${v} ?? ${dflt})` : v)}`);
    } else {
      lines.push(`  if (${v} != null) ${encodeStmt(st, p.type, v)}`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

// ---------------------------------------------------------------- codec.ts

function genCodec(st: GenState): string {
  const { set } = st;
  const decoderFns: string[] = [];
  for (const [id, def] of set.decoders) decoderFns.push(genDecoder(st, def, st.decoderName.get(id)!));

  // Canonical encoders (API of the canonical layer, service schema, then names only old layers have).
  const canonEntries: string[] = [];
  for (const [name, def] of set.canonical) canonEntries.push(`  [${q(name)}, { id: ${hex(def.id)}, fn: ${encoderFor(st, def)} }],`);
  for (const name of set.oldOnly.keys()) canonEntries.push(`  [${q(name)}, null],`);

  // Per predicate, runs of consecutive layers whose definition differs from canonical.
  const runs: string[] = [];
  const apiNames = new Set<string>([...set.layerDefs.get(set.canonicalLayer)!.keys(), ...set.oldOnly.keys()]);
  for (const name of apiNames) {
    const canon = set.layerDefs.get(set.canonicalLayer)!.get(name);
    const canonKey = canon ? defKey(canon) : undefined;
    let run: { from: number; to: number; status: string; def?: TlDef } | undefined;
    const flush = () => {
      if (!run) return;
      const target = run.def ? `{ id: ${hex(run.def.id)}, fn: ${encoderFor(st, run.def)} }` : 'null';
      runs.push(`  [${q(name)}, ${run.from}, ${run.to}, ${target}],`);
      run = undefined;
    };
    for (const layer of set.layers) {
      const d = set.layerDefs.get(layer)!.get(name);
      const k = d ? defKey(d) : '';
      if (k === canonKey) {
        flush();
        continue;
      }
      if (run && run.status === k) {
        run.to = layer;
        continue;
      }
      flush();
      run = d ? { from: layer, to: layer, status: k, def: d } : { from: layer, to: layer, status: k };
    }
    flush();
  }

  // Method results.
  const resultDec: string[] = [];
  const resultEnc: string[] = [];
  const primHelpers = new Set<string>();
  for (const [name, def] of [...set.oldOnly, ...set.canonical]) {
    if (def.kind !== 'method') continue;
    const t = def.type;
    let dec: string;
    let enc: string;
    if (t.kind === 'boxed' && t.name !== 'Object') {
      dec = typeDispatcher(st, t.name);
      enc = 'writeBoxed';
    } else if (t.kind === 'vector') {
      dec = `dv_${vecKey(t)}`;
      decodeExpr(st, t);
      enc = encodeStmt(st, t, 'v').replace(/\(.*$/, '');
    } else if (t.kind === 'prim') {
      primHelpers.add(t.name);
      dec = `rp_${t.name}`;
      enc = `wp_${t.name}`;
    } else {
      dec = 'decodeAny';
      enc = 'writeAny';
    }
    resultDec.push(`  [${q(name)}, ${dec}],`);
    resultEnc.push(`  [${q(name)}, ${enc}],`);
  }
  const primFns = [...primHelpers].flatMap((p) => {
    const t: TlTypeExpr = { kind: 'prim', name: p as 'int' };
    return [`function rp_${p}(r: R, d: number): any {\n  return ${decodeExpr(st, t)};\n}`, `function wp_${p}(w: W, v: any, c: Ctx): void {\n  ${encodeStmt(st, t, 'v')}\n}`];
  });

  // Type dispatchers (after everything that may reference one has been generated).
  const dispatchers: string[] = [];
  const done = new Set<string>();
  const pendingTypes = () => [...st.typeDispatchers].filter((t) => !done.has(t));
  for (let todo = pendingTypes(); todo.length; todo = pendingTypes()) {
    for (const type of todo) {
      done.add(type);
      const members = st.typeMembers.get(type) ?? new Map<number, string>();
      const cases = [...members].map(([id, fn]) => `    case ${hex(id)}: return ${fn}(r, d + 1);`);
      for (const [id, { fn, target }] of st.typeCoercions.get(type) ?? []) {
        if (!members.has(id)) cases.push(`    case ${hex(id)}: { const o = ${fn}(r, d + 1); o._ = ${q(target)}; return o; }`);
      }
      dispatchers.push(
        `function t_${ident(type)}(r: R, d: number): any {\n  if (d >= MAX_DEPTH) tooDeep();\n  const id = r.uint32();\n  switch (id) {\n${cases.join('\n')}\n    default: return wrongType(id, ${q(type)});\n  }\n}`,
      );
    }
  }

  const methods = [...set.oldOnly.values(), ...set.canonical.values()].filter((d) => d.kind === 'method').map((d) => q(d.name));
  const decoderTable = [...set.decoders.keys()].map((id) => `  [${hex(id)}, ${st.decoderName.get(id)}],`);

  return `// GENERATED by scripts/gen-tl.ts from schema/ — do not edit.
/* eslint-disable */
import { TlReader, type TlWriter } from '../runtime.js';
import {
  MAX_DEPTH, badLength, layerReplacement, tooDeep, unknownId, unknownPredicate, wrongType,
  type EncodeContext as Ctx, type EncoderEntry,
} from '../codec-support.js';

type R = TlReader;
type W = TlWriter;
type DecodeFn = (r: R, d: number) => any;
type EncodeFn = (w: W, v: any, c: Ctx) => void;

const EMPTY = Buffer.alloc(0);
const ZERO16 = Buffer.alloc(16);
const ZERO32 = Buffer.alloc(32);

export const CANONICAL_LAYER = ${set.canonicalLayer};
export const SCHEMA_LAYERS: readonly number[] = ${JSON.stringify(set.layers)};

/** Any boxed object of any supported layer or the service schema. */
export function decodeAny(r: R, d: number): any {
  if (d >= MAX_DEPTH) tooDeep();
  const id = r.uint32();
  const f = DECODERS.get(id);
  if (f === undefined) unknownId(id);
  return f(r, d + 1);
}

/**
 * A field of type \`Object\`: a boxed object, or (rpc_result carrying a Vector result, which has no
 * self-describing element type) the remaining bytes, left for decodeResult(method, bytes).
 */
function decodeObjectField(r: R, d: number): any {
  if (r.remaining >= 4 && r.buf.readUInt32LE(r.pos) === ${hex(VECTOR_ID)}) return r.raw(r.remaining);
  return decodeAny(r, d);
}

export function writeBoxed(w: W, o: any, c: Ctx): void {
  const e = o == null ? undefined : c.map.get(o._);
  if (e) {
    w.uint32(e.id);
    e.fn(w, o, c);
  } else if (e === null) {
    const rep = layerReplacement(o, c);
    w.uint32(rep.entry.id);
    rep.entry.fn(w, rep.obj, c);
  } else {
    unknownPredicate(o);
  }
}

/** \`Object\` and \`!X\` fields: an object, or bytes encoded elsewhere (an rpc_result's result). */
export function writeAny(w: W, o: any, c: Ctx): void {
  if (o instanceof Uint8Array) w.raw(o);
  else writeBoxed(w, o, c);
}

// ---- decoders (one per constructor id of every layer)
${decoderFns.join('\n')}

// ---- vector decoders
${[...st.vecDecoders.values()].join('\n')}

// ---- type dispatchers: only the constructors of the expected type are accepted
${dispatchers.join('\n')}

// ---- encoders (canonical definitions, then older definitions that differ)
${st.out.join('\n')}

// ---- vector encoders
${[...st.vecEncoders.values()].join('\n')}

${primFns.join('\n')}

export const DECODERS = new Map<number, DecodeFn>([
${decoderTable.join('\n')}
]);

export const CANONICAL_ENCODERS = new Map<string, EncoderEntry | null>([
${canonEntries.join('\n')}
]);

/** [predicate, first layer, last layer, encoder or null = absent]: where layers differ from canonical. */
export const LAYER_RUNS: readonly (readonly [string, number, number, EncoderEntry | null])[] = [
${runs.join('\n')}
];

export const RESULT_DECODERS = new Map<string, DecodeFn>([
${resultDec.join('\n')}
]);

export const RESULT_ENCODERS = new Map<string, EncodeFn>([
${resultEnc.join('\n')}
]);

export const METHOD_NAMES: ReadonlySet<string> = new Set([${methods.join(', ')}]);
`;
}

// ---------------------------------------------------------------- types.ts

function tsType(st: GenState, t: TlTypeExpr): string {
  switch (t.kind) {
    case 'nat':
      return 'number';
    case 'prim':
      switch (t.name) {
        case 'int':
        case 'double':
          return 'number';
        case 'long':
          return 'bigint';
        case 'string':
          return 'string';
        case 'bytes':
        case 'int128':
        case 'int256':
          return 'Buffer';
        case 'Bool':
        case 'true':
          return 'boolean';
      }
      break;
    case 'boxed':
      return t.name === 'Object' ? 'TlObject | Uint8Array' : `TlTypes[${q(t.name)}]`;
    case 'generic':
      return t.bang ? 'TlObject' : 'unknown';
    case 'bare': {
      const target = bareTarget(st, t);
      return `TlConstructors[${q(target.name)}]`;
    }
    case 'vector':
      return `${tsType(st, t.elem)}[]`;
  }
  return 'unknown';
}

function tsObject(st: GenState, d: TlDef): string {
  const fields = [`_: ${q(d.name)}`];
  for (const p of d.params) {
    if (p.type.kind === 'nat') continue;
    fields.push(`${q(snakeToCamel(p.name))}${p.cond ? '?' : ''}: ${tsType(st, p.type)}`);
  }
  return `{ ${fields.join('; ')} }`;
}

function genTypes(st: GenState): string {
  const ctors: string[] = [];
  const methods: string[] = [];
  const results: string[] = [];
  const types = new Map<string, string[]>();
  const referenced = new Set<string>();
  const visit = (t: TlTypeExpr) => {
    if (t.kind === 'boxed' && t.name !== 'Object') referenced.add(t.name);
    if (t.kind === 'vector') visit(t.elem);
  };
  for (const [name, d] of st.primary) {
    d.params.forEach((p: TlParam) => visit(p.type));
    if (d.kind === 'constructor') {
      ctors.push(`  ${q(name)}: ${tsObject(st, d)};`);
      // Unions list the canonical constructors; a type only older layers have lists theirs.
      const list = types.get(d.typeText) ?? [];
      list.push(name);
      types.set(d.typeText, list);
    } else {
      visit(d.type);
      methods.push(`  ${q(name)}: ${tsObject(st, d)};`);
      results.push(`  ${q(name)}: ${tsType(st, d.type)};`);
    }
  }
  const typeLines: string[] = [];
  for (const [type, names] of types) {
    const canon = names.filter((n) => st.set.canonical.has(n));
    const use = canon.length ? canon : names;
    typeLines.push(`  ${q(type)}: ${use.map((n) => `TlConstructors[${q(n)}]`).join(' | ')};`);
  }
  for (const type of referenced) if (!types.has(type)) typeLines.push(`  ${q(type)}: TlObject;`);

  return `// GENERATED by scripts/gen-tl.ts from schema/ — do not edit.
/* eslint-disable */

/** Any TL object: \`_\` names its predicate or method, other fields are camelCase. */
export type TlObject = { _: string; [key: string]: unknown };

/** Constructors by predicate name (canonical layer; names only older layers have, as last defined). */
export interface TlConstructors {
${ctors.join('\n')}
}

/** Methods by name, with their parameters. */
export interface TlMethods {
${methods.join('\n')}
}

/** What each method returns. */
export interface TlMethodResults {
${results.join('\n')}
}

/** Abstract types as unions of their constructors. */
export interface TlTypes {
${typeLines.join('\n')}
}
`;
}
