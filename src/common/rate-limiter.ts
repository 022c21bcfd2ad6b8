// Token buckets by key (a client address, a user): a burst at once, then a steady rate. Used for auth
// key creation per address (~5 ms of server CPU each; -429 beyond it), for upload bytes per user and for the
// RPC flood limits. This is the in-process form (one node, no I/O); with several nodes the same buckets live
// in the shared key-value store (infra/kv/shared-rate-limiter.ts), behind the TokenBuckets interface.

export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

/** Token buckets by key, in this process or shared by every node. */
export interface TokenBuckets<K = string> {
  /**
   * Spends `cost` tokens for `key`: 0 when done, else the seconds until they would be there (nothing spent).
   * Synchronous in process; a promise when the buckets are shared (a round trip to the store).
   */
  spend(key: K, cost: number): number | Promise<number>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets untouched this long are forgotten (they would be full anyway). */
const IDLE_MS = 10 * 60 * 1000;

export class RateLimiter<K = string> implements TokenBuckets<K> {
  private readonly buckets = new Map<K, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: K): boolean {
    return this.spend(key, 1) === 0;
  }

  /** Spends `cost` tokens for `key`: 0 when done, else the seconds until they would be there (nothing spent). */
  spend(key: K, cost: number): number {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.limit.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond);
      bucket.updatedAt = now;
    }
    if (bucket.tokens < cost) return (cost - bucket.tokens) / this.limit.perSecond;
    bucket.tokens -= cost;
    return 0;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < IDLE_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt > IDLE_MS) this.buckets.delete(key);
  }
}
