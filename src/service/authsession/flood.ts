// Flood limits counted in the key-value store, so that every node of a deployment shares them (Redis with
// several nodes). Each window opens at the subject's first counted use and lasts `windowMs`: the wait reported
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

  /** The window's start (ms), shared by every node: the first to open it wins, the others read it. */
  private startKey(rule: FloodRule, subject: string): string {
    return `flood:${rule.name}:${subject}:t`;
  }

  /**
   * The window's counter is named by its start, so a count left from an expired window is never read again and
   * nothing has to delete it (a delete would race with another node counting in the new window). Every step is
   * atomic in the store: SET NX for the start, INCR for the count.
   */
  private countKey(rule: FloodRule, subject: string, start: string): string {
    return `flood:${rule.name}:${subject}:n:${start}`;
  }

  private async used(rule: FloodRule, subject: string): Promise<{ used: number; endsAt: number }> {
    const start = await this.kv.get(this.startKey(rule, subject));
    if (start === undefined) return { used: 0, endsAt: this.now() + rule.windowMs };
    return { used: Number((await this.kv.get(this.countKey(rule, subject, start))) ?? 0), endsAt: Number(start) + rule.windowMs };
  }

  /** Adds one use, opening a window when none is open; returns the count and when the window ends. */
  private async add(rule: FloodRule, subject: string): Promise<{ used: number; endsAt: number }> {
    const startKey = this.startKey(rule, subject);
    const now = this.now();
    let start = await this.kv.get(startKey);
    if (start === undefined) {
      if (await this.kv.setIfAbsent(startKey, String(now), rule.windowMs)) start = String(now);
      else start = (await this.kv.get(startKey)) ?? String(now);
    }
    const endsAt = Number(start) + rule.windowMs;
    const used = await this.kv.increment(this.countKey(rule, subject, start), Math.max(1, endsAt - now));
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
