// Per-user upload budget in bytes (token bucket). Over it the client gets FLOOD_WAIT_X with the seconds
// until the part would fit, which GramJS and mtcute sleep through on their own.
import { RpcError } from '../../common/rpc-error.js';

export interface UploadRateLimit {
  burstBytes: number;
  bytesPerSecond: number;
}

/** 512 MB at once, 128 MB/s sustained: a phone never notices, a script flooding the disk does. */
export const DEFAULT_UPLOAD_RATE: UploadRateLimit = { burstBytes: 512 * 1024 * 1024, bytesPerSecond: 128 * 1024 * 1024 };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const IDLE_MS = 10 * 60 * 1000;

export class UploadRate {
  private readonly buckets = new Map<bigint, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly limit: UploadRateLimit | null,
    private readonly now: () => number,
  ) {}

  /** Spends `bytes` of the user's budget or throws FLOOD_WAIT_X. */
  take(userId: bigint, bytes: number): void {
    if (!this.limit) return;
    const now = this.now();
    if (now - this.lastSweep > IDLE_MS) {
      this.lastSweep = now;
      for (const [k, b] of this.buckets) if (now - b.updatedAt > IDLE_MS) this.buckets.delete(k);
    }
    let b = this.buckets.get(userId);
    if (!b) {
      b = { tokens: this.limit.burstBytes, updatedAt: now };
      this.buckets.set(userId, b);
    } else {
      b.tokens = Math.min(this.limit.burstBytes, b.tokens + ((now - b.updatedAt) / 1000) * this.limit.bytesPerSecond);
      b.updatedAt = now;
    }
    if (b.tokens < bytes) throw RpcError.floodWait((bytes - b.tokens) / this.limit.bytesPerSecond);
    b.tokens -= bytes;
  }
}
