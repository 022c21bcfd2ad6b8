// Token buckets by key (a client address, a user): a burst at once, then a steady rate. Used for auth
// key creation per address (~5 ms of server CPU each; -429 beyond it) and for upload bytes per user.

export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets untouched this long are forgotten (they would be full anyway). */
const IDLE_MS = 10 * 60 * 1000;

export class RateLimiter<K = string> {
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
