// The `hash` a client sends back to say "I have this version" (core.telegram.org/api/offsets#hash-generation).
// Echo derives it from the answer's own canonical encoding and the list it answers for, so the same content
// always gets the same hash (across restarts and nodes) and any change of content changes it. 0 is what a
// client without a cache sends, so a computed hash is never 0: an empty cache must never be told "not modified".
import { createHash } from 'node:crypto';
import { encodeObject, type TlObject } from '../../tl/index.js';

function digest(list: string, obj: TlObject): Buffer {
  return createHash('sha256').update(list).update('\0').update(encodeObject(obj)).digest();
}

/** A stable non-zero 32-bit hash of a TL value answered for `list` (for `hash:int` arguments). */
export function hash32(list: string, obj: TlObject): number {
  const h = digest(list, obj).readInt32LE(0);
  return h === 0 ? 1 : h;
}

/** A stable non-zero 64-bit hash of a TL value answered for `list` (for `hash:long` arguments). */
export function hash64(list: string, obj: TlObject): bigint {
  const h = digest(list, obj).readBigInt64LE(0);
  return h === 0n ? 1n : h;
}

/** Whether a client's hash names `hash`; 0 (no cache) never does. */
export function isSameHash(requestHash: unknown, hash: number | bigint): boolean {
  if (typeof requestHash === 'number') return requestHash !== 0 && BigInt(requestHash) === BigInt(hash);
  if (typeof requestHash === 'bigint') return requestHash !== 0n && requestHash === BigInt(hash);
  return false;
}

/**
 * A cacheable answer whose content does not change while the process runs: the full object `R` (built with
 * its own hash, which is computed over the object built with hash 0 so it does not depend on itself) and the
 * NotModified constructor of the same TL type.
 */
export class Cached<H extends number | bigint, R extends TlObject> {
  constructor(
    readonly hash: H,
    readonly full: R,
    private readonly notModified: R,
  ) {}

  /** The NotModified constructor when the client already holds this version, else the full answer. */
  answer(requestHash: unknown): R {
    return isSameHash(requestHash, this.hash) ? this.notModified : this.full;
  }
}

/** A cached answer for a method with a `hash:long` argument; `R` is the method's result type. */
export function cached64<R extends TlObject>(list: string, build: (hash: bigint) => R, notModified: R): Cached<bigint, R> {
  const hash = hash64(list, build(0n));
  return new Cached(hash, build(hash), notModified);
}

/** A cached answer for a method with a `hash:int` argument; `R` is the method's result type. */
export function cached32<R extends TlObject>(list: string, build: (hash: number) => R, notModified: R): Cached<number, R> {
  const hash = hash32(list, build(0));
  return new Cached(hash, build(hash), notModified);
}
