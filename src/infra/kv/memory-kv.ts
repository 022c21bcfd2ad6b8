// The embedded KeyValueStore: a Map with lazy expiry plus a periodic sweep, so an idle key does not
// live forever.
import type { KeyValueStore } from './kv.js';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly map = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlMs?: number): number {
    return ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs;
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.map.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.map.set(key, { value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.map.delete(key);
    return existed;
  }

  async increment(key: string, ttlMs?: number, by = 1): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      this.map.set(key, { value: String(by), expiresAt: this.expiry(ttlMs) });
      return by;
    }
    const next = Number(entry.value) + by;
    entry.value = String(next);
    return next;
  }

  async takeTokens(key: string, cost: number, limit: { burst: number; perSecond: number }): Promise<number> {
    const now = this.now();
    const entry = this.live(key);
    const [stored, updatedAt] = entry ? entry.value.split('/').map(Number) : [limit.burst, now];
    const tokens = Math.min(limit.burst, stored! + ((now - updatedAt!) / 1000) * limit.perSecond);
    const wait = tokens < cost ? (cost - tokens) / limit.perSecond : 0;
    const left = wait > 0 ? tokens : tokens - cost;
    this.map.set(key, { value: `${left}/${now}`, expiresAt: now + Math.ceil(((limit.burst - left) / limit.perSecond) * 1000) + 1000 });
    return wait;
  }

  async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const key of this.map.keys()) if (key.startsWith(prefix) && this.live(key)) out.push(key);
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.map) if (entry.expiresAt <= now) this.map.delete(key);
  }
}
