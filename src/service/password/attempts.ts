// Guessing limit for 2FA passwords: a few proofs per user per window, counted before checking, so parallel
// guesses cannot all slip in before the first failure is recorded. A correct proof clears the count.
import type { KeyValueStore } from '../../infra/kv/kv.js';
import { RpcError } from '../../common/rpc-error.js';

export interface AttemptLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_ATTEMPT_LIMIT: AttemptLimit = { max: 5, windowMs: 10 * 60 * 1000 };

export class PasswordAttempts {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number,
    private readonly limit: AttemptLimit = DEFAULT_ATTEMPT_LIMIT,
  ) {}

  /** Counts one attempt, or throws FLOOD_WAIT_X (seconds until the window ends) once the limit is used up. */
  async consume(userId: bigint): Promise<void> {
    const now = this.now();
    // The window start is kept beside the counter because the kv does not report a key's remaining TTL.
    await this.kv.setIfAbsent(`pwtry-since:${userId}`, String(now), this.limit.windowMs);
    const count = await this.kv.increment(`pwtry:${userId}`, this.limit.windowMs);
    if (count <= this.limit.max) return;
    const since = Number((await this.kv.get(`pwtry-since:${userId}`)) ?? now);
    throw RpcError.floodWait((since + this.limit.windowMs - now) / 1000);
  }

  async reset(userId: bigint): Promise<void> {
    await this.kv.delete(`pwtry:${userId}`);
    await this.kv.delete(`pwtry-since:${userId}`);
  }
}
