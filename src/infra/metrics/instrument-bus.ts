// Measures the event bus from outside, so every bus implementation gets the same metrics: the time
// from publish to each consumer group's handler (bus lag, from the record's publishedAt, which both buses
// set), records published, handler failures.
import type { BusHandler, EventBus, Subscription } from '../bus/bus.js';
import type { BusMetrics } from './metrics.js';

export function instrumentBus(bus: EventBus, metrics: BusMetrics, now: () => number = Date.now): EventBus {
  return {
    ...(bus.redeliversHandled === false ? { redeliversHandled: false } : {}),
    async publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
      await bus.publish(topic, records);
      metrics.published(topic, records.length);
    },
    subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
      // Not an async function: a synchronous handler (Sync-T's pushes, two per message sent) stays synchronous,
      // without a promise and its microtask hops per record.
      return bus.subscribe<T>(topic, group, (value, record) => {
        if (record.publishedAt !== undefined) metrics.delivered(topic, Math.max(0, now() - record.publishedAt) / 1000);
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
