// The embedded bus: records are handed to subscribers in process, after the publisher's current turn,
// one at a time per (group, key) so per-key order holds as it would on a Kafka partition.
import type { BusHandler, BusRecord, EventBus, Subscription } from './bus.js';

export interface MemoryBusOptions {
  /** Told about a handler failure; the record is retried up to maxAttempts times, then dropped. */
  onError?(err: unknown, record: BusRecord<unknown>, group: string): void;
  maxAttempts?: number;
  /** The clock of records' publishedAt (ms). */
  now?: () => number;
}

interface Group {
  name: string;
  handler: BusHandler<unknown>;
  /** Pending records per key; a key is in the map while its queue is being worked on. */
  queues: Map<string, BusRecord<unknown>[]>;
  closed: boolean;
}

export class MemoryBus implements EventBus {
  readonly redeliversHandled = false;
  private readonly topics = new Map<string, Group[]>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: MemoryBusOptions = {}) {}

  async publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    const groups = this.topics.get(topic);
    if (!groups) return;
    const publishedAt = (this.opts.now ?? Date.now)();
    for (const r of records) {
      const record: BusRecord<unknown> = { topic, key: r.key, value: r.value, publishedAt };
      for (const g of groups) if (!g.closed) this.enqueue(g, record);
    }
  }

  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
    let groups = this.topics.get(topic);
    if (!groups) this.topics.set(topic, (groups = []));
    if (groups.some((g) => g.name === group && !g.closed)) throw new Error(`group ${group} already subscribed to ${topic}`);
    const g: Group = { name: group, handler: handler as BusHandler<unknown>, queues: new Map(), closed: false };
    groups.push(g);
    return {
      close: () => {
        g.closed = true;
        const list = this.topics.get(topic);
        if (list) this.topics.set(topic, list.filter((x) => x !== g));
        return Promise.resolve();
      },
    };
  }

  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private enqueue(g: Group, record: BusRecord<unknown>): void {
    this.inFlight++;
    const queue = g.queues.get(record.key);
    if (queue) {
      queue.push(record);
      return;
    }
    g.queues.set(record.key, [record]);
    // After the publisher's turn: a publisher inside a request finishes answering before pushes go out.
    queueMicrotask(() => void this.work(g, record.key));
  }

  private async work(g: Group, key: string): Promise<void> {
    const queue = g.queues.get(key)!;
    while (queue.length > 0) {
      const record = queue[0]!;
      const max = this.opts.maxAttempts ?? 3;
      for (let attempt = 1; ; attempt++) {
        try {
          if (!g.closed) {
            // Only a handler that returned a promise is awaited: a synchronous one costs no microtask hop.
            const result = g.handler(record.value, record);
            if (result instanceof Promise) await result;
          }
          break;
        } catch (err) {
          this.opts.onError?.(err, record, g.name);
          if (attempt >= max) break;
        }
      }
      queue.shift();
      this.done();
    }
    g.queues.delete(key);
  }

  private done(): void {
    if (--this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
