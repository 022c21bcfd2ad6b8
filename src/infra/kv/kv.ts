// Short-lived shared state (login codes, QR tokens, flood counters, presence): in memory when embedded,
// Redis in a scale-out deployment. Values are strings; expiry is in milliseconds.

export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  /** Sets the value; with `ttlMs` it disappears after that long. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only if absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Adds `by` (default 1) and returns the new value; a new counter starts its `ttlMs` window. */
  increment(key: string, ttlMs?: number, by?: number): Promise<number>;
  /**
   * A token bucket under `key` (burst capacity, refilled at perSecond): spends `cost` tokens and answers 0, or
   * answers the seconds until they would be there and spends nothing. The bucket disappears once full again.
   */
  takeTokens(key: string, cost: number, limit: { burst: number; perSecond: number }): Promise<number>;
  /** Keys starting with `prefix` (admin tools; not for hot paths). */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}
