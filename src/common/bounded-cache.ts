// An in-process cache of loads (promises), bounded in entries (least recently used dropped first) and in
// age. It holds the promise of a load rather than its value so that concurrent readers share one query and
// an invalidation that happens while a load is in flight drops it: the next reader loads again instead of
// keeping what the load read before the change.

export interface BoundedCacheOptions {
  /** Entries kept; past this the least recently used are dropped. */
  maxEntries: number;
  /**
   * How long an entry is trusted, in ms. Covers what an invalidation cannot reach: an announcement another
   * node sent while this one was not subscribed, a write made by another process.
   */
  maxAgeMs: number;
  now(): number;
}

interface Entry<V> {
  value: Promise<V>;
  loadedAt: number;
}

export class BoundedCache<K, V> {
  /** Insertion order is recency order: a hit re-inserts its entry. */
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly opts: BoundedCacheOptions) {
    if (!(opts.maxEntries > 0)) throw new Error('BoundedCache: maxEntries must be positive');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached load for `key` (young enough), or undefined. */
  peek(key: K): Promise<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.opts.now() - entry.loadedAt > this.opts.maxAgeMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Caches `value` for `key`. It is dropped again if it fails, or if `keep` says its result is not worth
   * keeping (an absent row, which may appear later); either way the promise is returned as given.
   */
  set(key: K, value: Promise<V>, keep?: (result: V) => boolean): Promise<V> {
    const entry: Entry<V> = { value, loadedAt: this.opts.now() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    value.then((result) => {
      if (keep && !keep(result)) forget();
    }, forget);
    return value;
  }

  /** The cached load for `key`, or `load()` cached. */
  get(key: K, load: () => Promise<V>, keep?: (result: V) => boolean): Promise<V> {
    return this.peek(key) ?? this.set(key, load(), keep);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose key matches (rare events: it walks the whole cache). */
  deleteWhere(match: (key: K) => boolean): void {
    for (const key of [...this.entries.keys()]) if (match(key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
