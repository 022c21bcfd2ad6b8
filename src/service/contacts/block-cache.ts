// Blocks between two users, cached per pair: every private send checks both directions, every typing
// notification one. Entries hold both directions of a pair ('all' scope); a block or unblock drops its
// pair, a deleted account every pair it is in. With several nodes each change is announced on a broadcast
// channel, so every node drops its copy; entries also age out, for an announcement a node missed.
import type { Broadcast } from '../../infra/kv/broadcast.js';
import { BoundedCache } from '../../common/bounded-cache.js';

/** The broadcast channel of block changes: "<a>:<b>" for a pair, "<id>" for every pair of a deleted account. */
export const BLOCKS_INVALIDATION_CHANNEL = 'echo:blocks';

export const BLOCK_CACHE_ENTRIES = 200_000;
export const BLOCK_CACHE_MAX_AGE_MS = 60_000;

export interface BlockCacheDeps {
  /** Which of the two users have blocked the other (scope 'all'). */
  load(a: bigint, b: bigint): Promise<bigint[]>;
  now(): number;
  onBroadcastError(err: Error, message: string): void;
  maxEntries?: number;
  maxAgeMs?: number;
}

/** The pair's key, the same in both orders. */
function pairKey(a: bigint, b: bigint): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export class BlockCache {
  /** pair key -> the users of the pair who blocked the other. */
  private readonly cache: BoundedCache<string, readonly bigint[]>;
  private invalidations: Broadcast | undefined;

  constructor(private readonly deps: BlockCacheDeps) {
    this.cache = new BoundedCache({ maxEntries: deps.maxEntries ?? BLOCK_CACHE_ENTRIES, maxAgeMs: deps.maxAgeMs ?? BLOCK_CACHE_MAX_AGE_MS, now: deps.now });
  }

  /** Announces changes made here to every node and applies theirs. Resolves once subscribed. */
  async share(broadcast: Broadcast): Promise<void> {
    this.invalidations = broadcast;
    await broadcast.subscribe(BLOCKS_INVALIDATION_CHANNEL, (message) => {
      const pair = /^(\d+):(\d+)$/.exec(message);
      if (pair) this.cache.delete(pairKey(BigInt(pair[1]!), BigInt(pair[2]!)));
      else if (/^\d+$/.test(message)) this.dropUser(BigInt(message));
    });
  }

  /** Which of `a` and `b` blocked the other (`a` when both did); undefined when neither. */
  async between(a: bigint, b: bigint): Promise<bigint | undefined> {
    const blockers = await this.blockers(a, b);
    if (blockers.length === 0) return undefined;
    return blockers.includes(a) ? a : b;
  }

  /** `blocker` has blocked `target`. */
  async isBlocked(blocker: bigint, target: bigint): Promise<boolean> {
    return (await this.blockers(blocker, target)).includes(blocker);
  }

  /** Drops the pair here and, once the change is stored, on every node. */
  async pairChanged(a: bigint, b: bigint): Promise<void> {
    this.cache.delete(pairKey(a, b));
    await this.announce(`${a}:${b}`);
  }

  /** Drops every pair of the user (account deleted) here and on every node. */
  async userGone(userId: bigint): Promise<void> {
    this.dropUser(userId);
    await this.announce(userId.toString());
  }

  private blockers(a: bigint, b: bigint): Promise<readonly bigint[]> {
    return this.cache.get(pairKey(a, b), () => this.deps.load(a, b));
  }

  private dropUser(userId: bigint): void {
    const id = userId.toString();
    this.cache.deleteWhere((key) => key.startsWith(`${id}:`) || key.endsWith(`:${id}`));
  }

  private async announce(message: string): Promise<void> {
    // The change is stored: a failed announcement must not make it look failed; the other nodes' entries
    // age out instead.
    await this.invalidations?.publish(BLOCKS_INVALIDATION_CHANNEL, message).catch((err: Error) => this.deps.onBroadcastError(err, message));
  }
}
