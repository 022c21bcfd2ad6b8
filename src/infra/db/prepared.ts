// Statements of the hot write paths, compiled by Kysely once and run with fresh parameters. Building and
// compiling a query with Kysely costs several times what SQLite takes to run it; a prepared statement keeps
// the dialect's own SQL text (each engine's Kysely compiles it) and skips that work on every call.
//
// A statement is written with the normal query builder, with param(i) where the i-th argument goes; the
// compiled parameter list is scanned once for those markers, so binding is a lookup per parameter.
import type { Compilable, CompiledQuery } from 'kysely';

class Param {
  constructor(readonly index: number) {}
}

/** The place of the `index`-th argument of a prepared statement; typed as whatever the column wants. */
export function param<T = never>(index: number): T {
  return new Param(index) as unknown as T;
}

export class Prepared<R> {
  /** For each compiled parameter: the argument index it takes, or -1 for a constant of the statement. */
  private readonly slots: number[];
  private readonly arity: number;

  constructor(private readonly compiled: CompiledQuery<R>) {
    this.slots = compiled.parameters.map((p) => (p instanceof Param ? p.index : -1));
    this.arity = Math.max(-1, ...this.slots) + 1;
  }

  /** The statement with these arguments, ready for `executeQuery` on the database or a transaction. */
  bind(args: readonly unknown[]): CompiledQuery<R> {
    if (args.length !== this.arity) throw new Error(`prepared statement takes ${this.arity} arguments, got ${args.length}`);
    const constants = this.compiled.parameters;
    const parameters = this.slots.map((slot, i) => (slot < 0 ? constants[i] : args[slot]));
    return { ...this.compiled, parameters };
  }
}

export function prepare<R>(query: Compilable<R>): Prepared<R> {
  return new Prepared(query.compile());
}

/** One query whose SQL depends on a size (an IN list's length, rows per INSERT), prepared per size on first use. */
export class PreparedBySize<R> {
  private readonly shapes = new Map<number, Prepared<R>>();

  constructor(private readonly build: (size: number) => Compilable<R>) {}

  get(size: number): Prepared<R> {
    let p = this.shapes.get(size);
    if (!p) this.shapes.set(size, (p = prepare(this.build(size))));
    return p;
  }
}

/**
 * The list padded with its last element up to a power of two: an `IN (...)` over it matches the same rows,
 * and the statements of a query with a variable-length list stay few (one per power of two).
 */
export function padToPowerOfTwo<T>(items: readonly T[]): T[] {
  if (items.length === 0) return [];
  let size = 1;
  while (size < items.length) size *= 2;
  const out = items.slice();
  while (out.length < size) out.push(items[items.length - 1]!);
  return out;
}

/** `count` split into powers of two, largest first, none above `max` (a power of two): the sizes of batched inserts. */
export function powerOfTwoChunks(count: number, max: number): number[] {
  const out: number[] = [];
  let left = count;
  while (left > 0) {
    let size = max;
    while (size > left) size /= 2;
    out.push(size);
    left -= size;
  }
  return out;
}
