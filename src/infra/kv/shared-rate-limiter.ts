// Token buckets in the shared key-value store (Redis when several nodes run), so that a client spreading its
// calls over the nodes behind a load balancer gets one budget, not one per node. Each spend is one atomic
// step in the store (KeyValueStore.takeTokens: a Lua script on Redis, on Redis's clock).
import { RateLimiter, type RateLimit, type TokenBuckets } from '../../common/rate-limiter.js';
import type { KeyValueStore } from './kv.js';

export class SharedRateLimiter implements TokenBuckets<string> {
  /** `name` prefixes the store's keys (`rate:<name>:<key>`): one family of buckets per limit. */
  constructor(
    private readonly kv: KeyValueStore,
    private readonly name: string,
    private readonly limit: RateLimit,
  ) {}

  spend(key: string, cost: number): Promise<number> {
    return this.kv.takeTokens(`rate:${this.name}:${key}`, cost, this.limit);
  }
}

/** Buckets in `shared` when given (several nodes), else in this process (embedded: no I/O, as before). */
export function tokenBuckets(name: string, limit: RateLimit, now: () => number, shared?: KeyValueStore): TokenBuckets<string> {
  return shared ? new SharedRateLimiter(shared, name, limit) : new RateLimiter<string>(limit, now);
}
