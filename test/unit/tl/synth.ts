// Test helpers: loads the schema set the generator used and synthesizes a value for every field of a
// definition, so round-trip tests can cover every constructor without hand-written fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TlDef, TlTypeExpr } from '../../../src/tl/parser.js';
import { snakeToCamel } from '../../../src/tl/parser.js';
import { buildSchemaSet, type SchemaSet } from '../../../src/tl/schema-set.js';
import { encodeObject, type TlObject } from '../../../src/tl/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

let cached: SchemaSet | undefined;
export function loadSchemaSet(): SchemaSet {
  if (cached) return cached;
  const dir = join(root, 'schema');
  const layers = new Map<number, string>();
  for (const f of readdirSync(join(dir, 'layers'))) {
    const m = /^api-(\d+)\.tl$/.exec(f);
    if (m) layers.set(Number(m[1]), readFileSync(join(dir, 'layers', f), 'utf-8'));
  }
  cached = buildSchemaSet(['mtproto.tl', 'mtproto-extra.tl'].map((f) => readFileSync(join(dir, f), 'utf-8')), layers);
  return cached;
}

/** Definitions visible to a client on `layer` (its API file plus the service schema), by name. */
export function defsOf(set: SchemaSet, layer: number): Map<string, TlDef> {
  const m = new Map(set.layerDefs.get(layer)!);
  for (const d of set.service) m.set(d.name, d);
  return m;
}

export class Synth {
  private byType = new Map<string, TlDef[]>();
  constructor(private defs: Map<string, TlDef>, private layer: number) {
    for (const d of defs.values()) {
      if (d.kind !== 'constructor') continue;
      const list = this.byType.get(d.typeText) ?? [];
      list.push(d);
      this.byType.set(d.typeText, list);
    }
    // Nested values use the smallest constructor of their type that does not contain its own type,
    // which keeps the trees shallow and finite.
    const selfRef = (d: TlDef) => d.params.some((p) => JSON.stringify(p.type).includes(`"name":"${d.typeText}"`));
    const cost = (d: TlDef) => d.params.length + (selfRef(d) ? 1000 : 0);
    for (const list of this.byType.values()) list.sort((a, b) => cost(a) - cost(b));
  }

  object(def: TlDef, depth = 0): TlObject {
    if (depth > 12) throw new Error(`synthesis too deep at ${def.name}`);
    const o: TlObject = { _: def.name };
    def.params.forEach((p, i) => {
      if (p.type.kind === 'nat') return;
      o[snakeToCamel(p.name)] = this.value(p.type, depth, i);
    });
    if (def.name === 'mt_message') o.bytes = encodeObject(o.body as TlObject, this.layer).length;
    return o;
  }

  value(t: TlTypeExpr, depth: number, salt: number): unknown {
    switch (t.kind) {
      case 'prim':
        switch (t.name) {
          case 'int':
            return 1000 + salt;
          case 'long':
            return -(10n ** 15n) - BigInt(salt);
          case 'double':
            return 2.5 + salt;
          case 'string':
            return `s${salt}é`;
          case 'bytes':
            return Buffer.from([salt & 0xff, 0, 0xfe, 0xff]);
          case 'int128':
            return Buffer.alloc(16, salt + 1);
          case 'int256':
            return Buffer.alloc(32, salt + 2);
          case 'Bool':
          case 'true':
            return true;
        }
        break;
      case 'boxed': {
        if (t.name === 'Object') return { _: 'help.getConfig' };
        const ctor = this.byType.get(t.name)?.[0];
        if (!ctor) throw new Error(`no constructor for ${t.name} in layer ${this.layer}`);
        return this.object(ctor, depth + 1);
      }
      case 'generic':
        return { _: 'help.getConfig' };
      case 'bare': {
        const ctor = t.byType ? this.byType.get(t.name)?.[0] : this.defs.get(t.name);
        if (!ctor) throw new Error(`no bare constructor ${t.name}`);
        return this.object(ctor, depth + 1);
      }
      case 'vector':
        return [this.value(t.elem, depth, salt)];
      case 'nat':
        break;
    }
    throw new Error(`cannot synthesize ${JSON.stringify(t)}`);
  }
}

/** Drops undefined and false properties, which decoders emit for absent optional fields and unset flags. */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== false) out[k] = normalize(x);
    return out;
  }
  return v;
}

/**
 * `decoded` without the fields an older layer's object lacks and its decoder filled with the canonical
 * shape's empty value (0, '', [], empty bytes); any other extra field stays and fails the comparison.
 */
export function withoutCanonicalDefaults(decoded: unknown, sent: unknown): unknown {
  if (Array.isArray(decoded) && Array.isArray(sent)) return decoded.map((v, i) => withoutCanonicalDefaults(v, sent[i]));
  if (!isPlainObject(decoded) || !isPlainObject(sent)) return decoded;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(decoded)) {
    if (!(k in sent) && isEmptyValue(v)) continue;
    out[k] = withoutCanonicalDefaults(v, sent[k]);
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
const isEmptyValue = (v: unknown) =>
  v === 0 || v === 0n || v === '' || (Array.isArray(v) && v.length === 0) || (v instanceof Uint8Array && v.every((b) => b === 0));
