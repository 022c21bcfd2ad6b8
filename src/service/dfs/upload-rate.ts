// Per-user upload budget in bytes (token bucket). Over it the client gets FLOOD_WAIT_X with the seconds
// until the part would fit, which GramJS and mtcute sleep through on their own.
import { RpcError } from '../../common/rpc-error.js';
import { RateLimiter } from '../../common/rate-limiter.js';

export interface UploadRateLimit {
  burstBytes: number;
  bytesPerSecond: number;
}

/** 512 MB at once, 128 MB/s sustained: a phone never notices, a script flooding the disk does. */
export const DEFAULT_UPLOAD_RATE: UploadRateLimit = { burstBytes: 512 * 1024 * 1024, bytesPerSecond: 128 * 1024 * 1024 };

export class UploadRate {
  private readonly buckets?: RateLimiter<bigint>;

  constructor(limit: UploadRateLimit | null, now: () => number) {
    if (limit) this.buckets = new RateLimiter({ burst: limit.burstBytes, perSecond: limit.bytesPerSecond }, now);
  }

  /** Spends `bytes` of the user's budget or throws FLOOD_WAIT_X. */
  take(userId: bigint, bytes: number): void {
    const wait = this.buckets?.spend(userId, bytes) ?? 0;
    if (wait > 0) throw RpcError.floodWait(wait);
  }
}
