// Flood limits counted in the key-value store, so that every node of a deployment shares them (Redis
// later). Each window opens at the subject's first counted use and lasts `windowMs`: the wait reported
// with FLOOD_WAIT_X is exact, and a burst cannot straddle two windows to get twice the limit at once.
import type { KeyValueStore } from '../../infra/kv/kv.js';
import { RpcError } from '../../common/rpc-error.js';

export interface FloodRule {
  /** Counter family, e.g. 'sendcode:phone'. */
  name: string;
  limit: number;
  windowMs: number;
}

export class FloodGate {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number,
  ) {}

  private keys(rule: FloodRule, subject: string): { count: string; start: string } {
    const base = `flood:${rule.name}:${subject}`;
    return { count: `${base}:n`, start: `${base}:t` };
  }

  private async used(rule: FloodRule, subject: string): Promise<{ used: number; endsAt: number }> {
    const k = this.keys(rule, subject);
    const start = await this.kv.get(k.start);
    if (start === undefined) return { used: 0, endsAt: this.now() + rule.windowMs };
    return { used: Number((await this.kv.get(k.count)) ?? 0), endsAt: Number(start) + rule.windowMs };
  }

  /** Adds one use, opening a window when none is open; returns the count and when the window ends. */
  private async add(rule: FloodRule, subject: string): Promise<{ used: number; endsAt: number }> {
    const k = this.keys(rule, subject);
    const now = this.now();
    let start = await this.kv.get(k.start);
    if (start === undefined) {
      // A stale count from an expired window must not leak into the new one.
      await this.kv.delete(k.count);
      if (await this.kv.setIfAbsent(k.start, String(now), rule.windowMs)) start = String(now);
      else start = (await this.kv.get(k.start)) ?? String(now);
    }
    const endsAt = Number(start) + rule.windowMs;
    const used = await this.kv.increment(k.count, Math.max(1, endsAt - now));
    return { used, endsAt };
  }

  private wait(endsAt: number): RpcError {
    return RpcError.floodWait((endsAt - this.now()) / 1000);
  }

  /** Throws FLOOD_WAIT_X when `subject` has used up `rule` in its current window; counts nothing. */
  async check(rule: FloodRule, subject: string): Promise<void> {
    const { used, endsAt } = await this.used(rule, subject);
    if (used >= rule.limit) throw this.wait(endsAt);
  }

  /** Counts one use; throws FLOOD_WAIT_X (and the caller does not do the work) when that goes over the limit. */
  async take(rule: FloodRule, subject: string): Promise<void> {
    const { used, endsAt } = await this.add(rule, subject);
    if (used > rule.limit) throw this.wait(endsAt);
  }

  /** Counts one failure (a wrong code); the next check() refuses once the limit is reached. Returns the count. */
  async count(rule: FloodRule, subject: string): Promise<number> {
    return (await this.add(rule, subject)).used;
  }
}
