// access_hash values (core.telegram.org/api/peers#access-hash): proof that a client learned about a peer
// legitimately. Each is an HMAC of (viewer, kind, peer) under a server secret, so nothing is stored,
// every node computes the same value, and one user's hash is useless to another user.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type AccessHashKind = 'user' | 'photo' | 'document' | 'chat-invite' | 'encrypted-chat' | 'encrypted-file' | 'channel';

/**
 * Hashes remembered: every send checks one and every user object carries one, and an HMAC costs several
 * microseconds where a map lookup costs a fraction of one. A value never changes (nothing to invalidate);
 * beyond the bound the oldest half is forgotten.
 */
const MEMO_ENTRIES = 200_000;

export class AccessHashes {
  private memo = new Map<string, bigint>();
  private older = new Map<string, bigint>();

  constructor(private readonly secret: Buffer) {}

  of(kind: AccessHashKind, viewer: bigint, id: bigint): bigint {
    const key = `${kind}:${viewer}:${id}`;
    let hash = this.memo.get(key) ?? this.older.get(key);
    if (hash !== undefined) return hash;
    const buf = Buffer.allocUnsafe(16);
    buf.writeBigInt64LE(BigInt.asIntN(64, viewer), 0);
    buf.writeBigInt64LE(BigInt.asIntN(64, id), 8);
    hash = createHmac('sha256', this.secret).update(kind).update(buf).digest().readBigInt64LE(0);
    if (this.memo.size >= MEMO_ENTRIES / 2) {
      this.older = this.memo;
      this.memo = new Map();
    }
    this.memo.set(key, hash);
    return hash;
  }

  check(kind: AccessHashKind, viewer: bigint, id: bigint, accessHash: bigint): boolean {
    const expected = Buffer.allocUnsafe(8);
    expected.writeBigInt64LE(this.of(kind, viewer, id));
    const given = Buffer.allocUnsafe(8);
    given.writeBigInt64LE(BigInt.asIntN(64, accessHash));
    return timingSafeEqual(expected, given);
  }
}
