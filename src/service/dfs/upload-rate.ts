// Per-user upload budget in bytes (token bucket). Over it the client gets FLOOD_WAIT_X with the seconds
// until the part would fit, which GramJS and mtcute sleep through on their own.
import { RpcError } from '../../common/rpc-error.js';
import { RateLimiter } from '../../common/rate-limiter.js';
import type { KeyValueStore } from '../../infra/kv/kv.js';

export interface UploadRateLimit {
  burstBytes: number;
  bytesPerSecond: number;
}

/** 512 MB at once, 128 MB/s sustained: a phone never notices, a script flooding the disk does. */
export const DEFAULT_UPLOAD_RATE: UploadRateLimit = { burstBytes: 512 * 1024 * 1024, bytesPerSecond: 128 * 1024 * 1024 };

export class UploadRate {
  private readonly buckets?: RateLimiter<bigint>;
  private readonly limit: { burst: number; perSecond: number } | undefined;

  /**
   * With `shared` (Redis, several nodes) the budget is one bucket per user across all nodes; without it,
   * an in-process bucket (the embedded path, no I/O).
   */
  constructor(
    limit: UploadRateLimit | null,
    now: () => number,
    private readonly shared?: KeyValueStore,
  ) {
    if (!limit) return;
    this.limit = { burst: limit.burstBytes, perSecond: limit.bytesPerSecond };
    if (!shared) this.buckets = new RateLimiter(this.limit, now);
  }

  /** Spends `bytes` of the user's budget or throws FLOOD_WAIT_X. Synchronous (undefined) on the embedded path. */
  take(userId: bigint, bytes: number): Promise<void> | undefined {
    if (this.shared && this.limit) {
      return this.shared.takeTokens(`rate:upload:${userId}`, bytes, this.limit).then((wait) => {
        if (wait > 0) throw RpcError.floodWait(wait);
      });
    }
    const wait = this.buckets?.spend(userId, bytes) ?? 0;
    if (wait > 0) throw RpcError.floodWait(wait);
    return undefined;
  }
}
