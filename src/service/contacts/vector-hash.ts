// The 64-bit list hash clients send to skip unchanged lists (core.telegram.org/api/offsets#hash-generation).
// Clients compute it from their cached copy, so the server must fold exactly the same numbers the same way.

const MASK = (1n << 64n) - 1n;

/** Folds `values` in order with unsigned 64-bit wrapping arithmetic; returns the signed long the wire carries. */
export function vectorHash(values: Iterable<bigint>): bigint {
  let hash = 0n;
  for (const value of values) {
    hash ^= hash >> 21n;
    hash ^= (hash << 35n) & MASK;
    hash ^= hash >> 4n;
    hash = (hash + BigInt.asUintN(64, value)) & MASK;
  }
  return BigInt.asIntN(64, hash);
}

/** How many contact ids the contacts hash covers (core.telegram.org/method/contacts.getContacts). */
export const CONTACTS_HASH_MAX_IDS = 100_000;

/**
 * contacts.getContacts' hash: saved_count first, then at most 100000 contact user ids in ascending order
 * (the owner's own id among them when they saved themselves).
 */
export function contactsHash(savedCount: number, contactIds: readonly bigint[]): bigint {
  const sorted = [...contactIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, CONTACTS_HASH_MAX_IDS);
  return vectorHash([BigInt(savedCount), ...sorted]);
}
