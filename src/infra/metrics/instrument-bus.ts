// Measures the event bus from outside, so every bus implementation gets the same metrics: the time
// from publish to each consumer group's handler (bus lag), records published, handler failures.
// In process the record value object itself reaches the handler, so a WeakMap keyed by it carries the
// publish time without changing what handlers see; a bus that copies values (Kafka) gives the record's
// publish time with it (record.publishedAt).
import type { BusHandler, EventBus, Subscription } from '../bus/bus.js';
import type { BusMetrics } from './metrics.js';

export function instrumentBus(bus: EventBus, metrics: BusMetrics, now: () => number = Date.now): EventBus {
  const publishedAt = new WeakMap<object, number>();
  return {
    async publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
      const t = now();
      for (const r of records) if (typeof r.value === 'object' && r.value !== null) publishedAt.set(r.value, t);
      await bus.publish(topic, records);
      metrics.published(topic, records.length);
    },
    subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
      // Not an async function: a synchronous handler (Sync-T's pushes, two per message sent) stays synchronous,
      // without a promise and its microtask hops per record.
      return bus.subscribe<T>(topic, group, (value, record) => {
        const t = record.publishedAt ?? (typeof value === 'object' && value !== null ? publishedAt.get(value) : undefined);
        if (t !== undefined) metrics.delivered(topic, Math.max(0, now() - t) / 1000);
        const failed = (err: unknown): never => {
          metrics.handlerFailed(topic);
          throw err;
        };
        let result;
        try {
          result = handler(value, record);
        } catch (err) {
          failed(err);
        }
        return result instanceof Promise ? result.catch(failed) : result;
      });
    },
    drain: () => bus.drain(),
    close: () => bus.close(),
  };
}
