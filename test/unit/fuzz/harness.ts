// Shared driver of the fuzz targets: one fast-check property per target, run either with a fixed seed and
// a fixed number of runs (the suite, test/unit/fuzz/*.test.ts) or with random seeds for minutes
// (`npm run fuzz`, scripts/fuzz.mjs). A failure carries the seed and the path fast-check needs to replay it.
import fc from 'fast-check';

/** The seed `npm test` uses; a finding of a long run is replayed by passing its own seed and path. */
export const SUITE_SEED = 0x0ec40;

export interface FuzzRunOptions {
  seed: number;
  /** Runs to try; the run also stops after `timeMs`, whichever comes first. */
  numRuns: number;
  timeMs: number;
  /** A counterexample path printed by an earlier run: replays exactly that case. */
  path?: string;
}

export interface FuzzFinding {
  seed: number;
  path: string;
  counterexample: string;
  error: string;
}

export interface FuzzResult {
  executions: number;
  failure?: FuzzFinding;
}

export interface FuzzTarget {
  name: string;
  run(options: FuzzRunOptions): Promise<FuzzResult>;
}

type AnyProperty = fc.IRawProperty<any, boolean>;

function params(o: FuzzRunOptions): fc.Parameters<unknown> {
  return {
    seed: o.seed,
    numRuns: o.numRuns,
    path: o.path,
    interruptAfterTimeLimit: o.timeMs,
    markInterruptAsFailure: false,
    // Shrinking a finding is worth a while, not the whole budget of a long run.
    skipAllAfterTimeLimit: Math.max(o.timeMs, 30_000),
  };
}

function asResult(details: fc.RunDetails<unknown>): FuzzResult {
  const executions = details.numRuns;
  if (!details.failed) return { executions };
  const error = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  return {
    executions,
    failure: {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      counterexample: fc.stringify(details.counterexample),
      error,
    },
  };
}

/** A target whose property is synchronous. */
export function syncTarget(name: string, property: () => fc.IProperty<any>): FuzzTarget {
  return {
    name,
    run: async (o) => asResult(fc.check(property() as AnyProperty, params(o)) as fc.RunDetails<unknown>),
  };
}

/** A target whose property awaits (the session layer). `setup` runs once per run() call. */
export function asyncTarget<S>(name: string, setup: () => Promise<S>, property: (s: S) => fc.IAsyncProperty<any>, teardown: (s: S) => Promise<void>): FuzzTarget {
  return {
    name,
    run: async (o) => {
      const s = await setup();
      try {
        return asResult((await fc.check(property(s), params(o))) as fc.RunDetails<unknown>);
      } finally {
        await teardown(s);
      }
    },
  };
}

/** For the suite: runs a target with the fixed seed and fails with everything needed to replay a finding. */
export async function runInSuite(target: FuzzTarget, numRuns: number, timeMs = 15_000): Promise<number> {
  const r = await target.run({ seed: SUITE_SEED, numRuns, timeMs });
  if (r.failure) {
    const f = r.failure;
    throw new Error(
      `fuzz target ${target.name} failed after ${r.executions} runs (seed ${f.seed}, path "${f.path}"):\n${f.error}\ncounterexample: ${f.counterexample.slice(0, 4000)}\n` +
        `replay: npm run fuzz -- --target ${target.name} --seed ${f.seed} --path ${f.path}`,
    );
  }
  return r.executions;
}

/** Deterministic bytes from a seed (fast-check draws the seed, so a case replays exactly). */
export function seededBytes(seed: number): (n: number) => Buffer {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      // xorshift32: enough for padding and nonces in tests.
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

/** Byte-level mutations: what a broken or hostile peer does to a well-formed message. */
export type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'delete'; pos: number; len: number }
  | { kind: 'word'; pos: number; value: number }
  | { kind: 'duplicate'; pos: number; len: number };

/** Values that make lengths and counts absurd, or look like the constructors decoders branch on. */
const SPECIAL_WORDS = [0, 1, 0xff, 0xfe, 0xfeffffff, 0xffffffff, 0x7fffffff, 0x80000000, 0x7f, 0x1cb5c415, 0x997275b5, 0xbc799737, 0x3072cfa1, 0x73f1f8dc, 0xf35c6d01];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('word' as const), pos: fc.nat(), value: fc.oneof(fc.constantFrom(...SPECIAL_WORDS), fc.integer({ min: 0, max: 0xffffffff })) }),
  fc.record({ kind: fc.constant('duplicate' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
);

export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = (p: number) => (b.length === 0 ? 0 : p % (b.length + 1));
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[m.pos % b.length]! ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.subarray(0, at(m.at));
        break;
      case 'insert': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p), m.bytes, b.subarray(p)]);
        break;
      }
      case 'delete': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + m.len)]);
        break;
      }
      case 'word': {
        // Words on 4-byte boundaries, where TL puts lengths, counts and constructor ids.
        if (b.length < 4) break;
        const p = (m.pos % Math.floor(b.length / 4)) * 4;
        b = Buffer.from(b);
        b.writeUInt32LE(m.value >>> 0, p);
        break;
      }
      case 'duplicate': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p + m.len), b.subarray(p)]);
        break;
      }
    }
  }
  return Buffer.from(b);
}

/** Splits `bytes` at the given cut points (taken modulo its length): how TCP may deliver it. */
export function chunk(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  if (bytes.length === 0) return [];
  const points = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
