// Parser for Telegram's TL schema text (core.telegram.org/mtproto/TL): turns `.tl` files into
// combinator definitions the code generator works from. It covers the subset Telegram's schemas
// use: optional-field flags, the `{X:Type}` generic of the invoke* wrappers, boxed and bare vectors,
// `%Type` and lowercase bare references. Builtin declarations (`int ? = Int;`, `vector ... = Vector t;`)
// describe primitives the runtime already implements, so they are skipped.

export type TlTypeExpr =
  /** `#`: a flags word. */
  | { kind: 'nat' }
  /** A primitive serialized without a constructor id (Bool and `true` included: they have fixed encodings). */
  | { kind: 'prim'; name: TlPrim }
  | { kind: 'vector'; boxed: boolean; elem: TlTypeExpr }
  /** A boxed value of an abstract type (constructor id first); `Object` means any boxed value. */
  | { kind: 'boxed'; name: string }
  /** A bare value: `%Type` (type name) or a lowercase constructor name. */
  | { kind: 'bare'; name: string; byType: boolean }
  /** The generic parameter `X` of `{X:Type}`; `bang` for `!X` (a whole boxed query). */
  | { kind: 'generic'; name: string; bang: boolean };

export type TlPrim = 'int' | 'long' | 'double' | 'string' | 'bytes' | 'int128' | 'int256' | 'Bool' | 'true';

export interface TlParam {
  /** Name as in the schema (snake_case). */
  name: string;
  type: TlTypeExpr;
  /** Set for `flags.N?Type`: the flags field and bit that make this field present. */
  cond?: { field: string; bit: number };
}

export interface TlDef {
  kind: 'constructor' | 'method';
  /** Predicate or method name, namespace included (`help.config`). */
  name: string;
  /** Constructor id as an unsigned 32-bit number. */
  id: number;
  /** False when the schema omitted `#id` and it was computed from the definition text. */
  explicitId: boolean;
  generics: { name: string; type: string }[];
  params: TlParam[];
  /** Result type: the abstract type for constructors, the return type for methods (`Vector<long>`, `X`). */
  type: TlTypeExpr;
  /** Text of the result type as written (`Vector<long>`, `help.Config`). */
  typeText: string;
  /** The declaration as written, without the trailing semicolon. */
  source: string;
}

export class TlParseError extends Error {
  override name = 'TlParseError';
}

const PRIMS = new Set<string>(['int', 'long', 'double', 'string', 'bytes', 'int128', 'int256', 'Bool', 'true']);
/** Declarations of these names are the builtin primitives themselves. */
const BUILTIN_NAMES = new Set<string>(['int', 'long', 'double', 'string', 'bytes', 'int128', 'int256', 'vector', 'Vector']);

let crcTable: Uint32Array | undefined;

export function crc32(text: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const bytes = Buffer.from(text, 'utf-8');
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The id TL assigns to a declaration without `#id`: CRC32 of its normalized text. Brackets and
 * braces become spaces, `bytes` counts as `string` (same serialization) and `flags.N?true` fields
 * are left out, which is how Telegram's own ids were derived.
 */
export function computeConstructorId(declaration: string): number {
  let s = declaration.replace(/;\s*$/, '');
  s = s.replace(/^([\w.]+)#[0-9a-fA-F]+/, '$1');
  s = s.replace(/[<>{}]/g, ' ');
  s = s.replace(/\s+/g, ' ').trim();
  const tokens = s.split(' ').filter((t) => !/^\w+:flags\d*\.\d+\?true$/.test(t));
  s = tokens.join(' ').replace(/:bytes\b/g, ':string').replace(/\?bytes\b/g, '?string');
  return crc32(s);
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export { snakeToCamel };

/** Parses a type expression such as `Vector<long>`, `%Message`, `!X`, `future_salt`. */
export function parseType(text: string, generics: ReadonlySet<string>): TlTypeExpr {
  const t = text.trim();
  if (t === '#') return { kind: 'nat' };
  if (t.startsWith('!')) {
    const name = t.slice(1);
    if (!generics.has(name)) throw new TlParseError(`!${name} does not name a generic parameter`);
    return { kind: 'generic', name, bang: true };
  }
  const vec = /^([Vv]ector)\s*<(.+)>$/.exec(t) ?? /^([Vv]ector)\s+(.+)$/.exec(t);
  if (vec) return { kind: 'vector', boxed: vec[1] === 'Vector', elem: parseType(vec[2]!, generics) };
  if (t.startsWith('%')) return { kind: 'bare', name: t.slice(1), byType: true };
  if (PRIMS.has(t)) return { kind: 'prim', name: t as TlPrim };
  if (generics.has(t)) return { kind: 'generic', name: t, bang: false };
  if (!/^[\w.]+$/.test(t)) throw new TlParseError(`cannot parse type '${t}'`);
  // Lowercase initial after the namespace means a constructor name, used bare.
  const last = t.slice(t.lastIndexOf('.') + 1);
  if (/^[a-z]/.test(last)) return { kind: 'bare', name: t, byType: false };
  return { kind: 'boxed', name: t };
}

/** Parses one declaration (without comments). Returns undefined for builtin declarations. */
export function parseDeclaration(source: string, kind: 'constructor' | 'method'): TlDef | undefined {
  const text = source.replace(/;\s*$/, '').trim();
  const eq = text.lastIndexOf('=');
  if (eq < 0) throw new TlParseError(`missing '=' in '${text}'`);
  const left = text.slice(0, eq).trim();
  const typeText = text.slice(eq + 1).trim();
  const head = /^([\w.]+)(?:#([0-9a-fA-F]{1,8}))?(?:\s+|$)/.exec(left);
  if (!head) throw new TlParseError(`cannot parse combinator name in '${text}'`);
  const name = head[1]!;
  if (BUILTIN_NAMES.has(name) || left.includes('[') || left.includes(' ? ') || / \?$/.test(left)) return undefined;
  const rest = left.slice(head[0].length);
  const generics: { name: string; type: string }[] = [];
  const params: TlParam[] = [];
  const genericNames = new Set<string>();
  for (const tok of tokenize(rest)) {
    const g = /^\{(\w+):(\w+)\}$/.exec(tok);
    if (g) {
      generics.push({ name: g[1]!, type: g[2]! });
      genericNames.add(g[1]!);
      continue;
    }
    const p = /^(\w+):(.+)$/.exec(tok);
    if (!p) throw new TlParseError(`cannot parse parameter '${tok}' in '${text}'`);
    const pname = p[1]!;
    let ptype = p[2]!;
    let cond: TlParam['cond'];
    const c = /^(\w+)\.(\d+)\?(.+)$/.exec(ptype);
    if (c) {
      const field = c[1]!;
      const bit = Number(c[2]);
      if (bit > 31) throw new TlParseError(`flag bit ${bit} out of range in '${text}'`);
      if (!params.some((q) => q.name === field && q.type.kind === 'nat')) {
        throw new TlParseError(`flag field '${field}' not declared before '${pname}' in '${text}'`);
      }
      cond = { field, bit };
      ptype = c[3]!;
    }
    const type = parseType(ptype, genericNames);
    if (type.kind === 'prim' && type.name === 'true' && !cond) {
      throw new TlParseError(`'true' field '${pname}' must be conditional in '${text}'`);
    }
    params.push(cond ? { name: pname, type, cond } : { name: pname, type });
  }
  const explicitId = head[2] !== undefined;
  const id = explicitId ? parseInt(head[2]!, 16) >>> 0 : computeConstructorId(text);
  const type = parseType(typeText, genericNames);
  return { kind, name, id, explicitId, generics, params, type, typeText, source: text };
}

/** Splits parameters on whitespace, keeping `Vector<...>` and `{...}` groups whole. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '<' || ch === '{') depth++;
    else if (ch === '>' || ch === '}') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}

// Layer files repeat most declarations verbatim, so parsed results are shared (they are never mutated).
const declCache = new Map<string, TlDef | undefined>();

function parseCached(decl: string, kind: 'constructor' | 'method'): TlDef | undefined {
  const key = kind[0] + decl;
  if (declCache.has(key)) return declCache.get(key);
  const def = parseDeclaration(decl, kind);
  declCache.set(key, def);
  return def;
}

/** Parses a whole schema file. Declarations may span lines; `//` comments are dropped. */
export function parseTl(text: string): TlDef[] {
  const defs: TlDef[] = [];
  let kind: 'constructor' | 'method' = 'constructor';
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const commentAt = rawLine.indexOf('//');
    const line = (commentAt >= 0 ? rawLine.slice(0, commentAt) : rawLine).trim();
    if (!line) continue;
    const section = /^---(\w+)---$/.exec(line);
    if (section) {
      if (pending.trim()) throw new TlParseError(`unterminated declaration '${pending.trim()}'`);
      if (section[1] === 'functions') kind = 'method';
      else if (section[1] === 'types') kind = 'constructor';
      else throw new TlParseError(`unknown section '${line}'`);
      continue;
    }
    pending += (pending ? ' ' : '') + line;
    while (pending.includes(';')) {
      const at = pending.indexOf(';');
      const decl = pending.slice(0, at).trim();
      pending = pending.slice(at + 1).trim();
      if (!decl) continue;
      const def = parseCached(decl, kind);
      if (def) defs.push(def);
    }
  }
  if (pending.trim()) throw new TlParseError(`unterminated declaration '${pending.trim()}'`);
  return defs;
}
