// Random valid TL values for any definition of a schema layer, built from the parser's definitions (the
// same ones the code generator uses): every optional field present or not by its flag bit, random
// primitives (lengths around the 254-byte `bytes` boundary included), random constructors of each type.
// Past a small depth, values come from the deterministic Synth of the TL tests to keep trees finite.
import fc from 'fast-check';
import type { TlDef, TlParam, TlTypeExpr } from '../../../src/tl/parser.js';
import { snakeToCamel } from '../../../src/tl/parser.js';
import { encodeObject, type TlObject } from '../../../src/tl/index.js';
import { Synth } from '../tl/synth.js';

const MAX_DEPTH = 3;
const GENERIC_QUERIES = ['help.getConfig', 'help.getNearestDc', 'updates.getState'];

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const byteString = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 520 }) },
).map((b) => Buffer.from(b));
// Valid code points only: a lone surrogate cannot survive UTF-8 and would not round-trip.
const text = fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 80, maxLength: 200 }) });

export class TlArbitraries {
  private readonly byType = new Map<string, TlDef[]>();
  private readonly memo = new Map<string, fc.Arbitrary<unknown>>();
  private readonly synth: Synth;

  constructor(private readonly defs: Map<string, TlDef>, readonly layer: number) {
    for (const d of defs.values()) {
      if (d.kind !== 'constructor') continue;
      const list = this.byType.get(d.typeText) ?? [];
      list.push(d);
      this.byType.set(d.typeText, list);
    }
    this.synth = new Synth(defs, layer);
  }

  /** A random value of `def` (a constructor or a method call). */
  object(def: TlDef, depth = 0): fc.Arbitrary<TlObject> {
    const key = `${def.name}@${depth}`;
    let arb = this.memo.get(key) as fc.Arbitrary<TlObject> | undefined;
    if (arb) return arb;
    arb = depth > MAX_DEPTH ? fc.constant(this.synth.object(def)) : this.build(def, depth);
    this.memo.set(key, arb);
    return arb;
  }

  private build(def: TlDef, depth: number): fc.Arbitrary<TlObject> {
    const params = def.params.filter((p) => p.type.kind !== 'nat');
    // Fields that share a flag bit are present together: the bit is drawn, not each field.
    const bits = [...new Set(params.filter((p) => p.cond).map((p) => condKey(p)))];
    const values = params.map((p) => (isTrue(p) ? fc.constant(true) : this.value(p.type, depth)));
    return fc.tuple(fc.tuple(...bits.map(() => fc.boolean())), fc.tuple(...values)).map(([present, vals]) => {
      const o: TlObject = { _: def.name };
      params.forEach((p, i) => {
        if (p.cond && !present[bits.indexOf(condKey(p))]) return;
        o[snakeToCamel(p.name)] = vals[i];
      });
      if (def.name === 'mt_message') o.bytes = encodeObject(o.body as TlObject, this.layer).length;
      return o;
    });
  }

  value(t: TlTypeExpr, depth: number): fc.Arbitrary<unknown> {
    switch (t.kind) {
      case 'prim':
        switch (t.name) {
          case 'int':
            return int32;
          case 'long':
            return int64;
          case 'double':
            return fc.double();
          case 'string':
            return text;
          case 'bytes':
            return byteString;
          case 'int128':
            return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b));
          case 'int256':
            return fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));
          case 'Bool':
            return fc.boolean();
          case 'true':
            return fc.constant(true);
        }
        break;
      case 'boxed':
        if (t.name === 'Object') return this.query();
        return this.ofType(t.name, depth);
      case 'generic':
        return this.query();
      case 'bare': {
        if (t.byType) return this.ofType(t.name, depth);
        const def = this.defs.get(t.name);
        if (!def) throw new Error(`no bare constructor ${t.name}`);
        return this.object(def, depth + 1);
      }
      case 'vector':
        if (depth >= MAX_DEPTH) return fc.constant([]);
        return fc.array(this.value(t.elem, depth + 1), { maxLength: 3 });
      case 'nat':
        break;
    }
    throw new Error(`cannot generate ${JSON.stringify(t)}`);
  }

  private query(): fc.Arbitrary<TlObject> {
    return fc.constantFrom(...GENERIC_QUERIES).map((name) => ({ _: name }));
  }

  private ofType(name: string, depth: number): fc.Arbitrary<unknown> {
    const key = `type:${name}@${depth}`;
    let arb = this.memo.get(key);
    if (arb) return arb;
    const ctors = this.byType.get(name);
    if (!ctors?.length) throw new Error(`no constructor for ${name} in layer ${this.layer}`);
    arb = depth >= MAX_DEPTH ? fc.constant(this.synth.value({ kind: 'boxed', name }, 0, depth)) : fc.oneof(...ctors.map((c) => this.object(c, depth + 1)));
    this.memo.set(key, arb);
    return arb;
  }
}

const condKey = (p: TlParam) => `${p.cond!.field}.${p.cond!.bit}`;
const isTrue = (p: TlParam) => p.type.kind === 'prim' && p.type.name === 'true';
