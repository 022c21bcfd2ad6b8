import type { EchoConfig } from '../config/index.js';
import type { BusRecord, EventBus } from './bus.js';
import { KafkaBus } from './kafka-bus.js';
import { MemoryBus } from './memory-bus.js';

export { INBOX_TOPIC, SYNC_TOPIC, type EventBus, type BusRecord, type BusHandler, type Subscription } from './bus.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { KafkaBus, KafkaUnavailableError, type KafkaBusOptions } from './kafka-bus.js';

export interface OpenEventBusOptions {
  onError?(err: unknown, record: BusRecord<unknown>, group: string): void;
  onWarning?(message: string, err: unknown): void;
}

/**
 * The bus the configuration asks for: in process by default, Kafka when KAFKA_BROKERS is set. A Kafka bus is
 * checked first (brokers reachable, topics created if missing); a failed check throws one line naming Kafka.
 */
export async function openEventBus(config: Pick<EchoConfig, 'bus'>, opts: OpenEventBusOptions = {}): Promise<EventBus> {
  if (config.bus.engine !== 'kafka') return new MemoryBus({ onError: opts.onError });
  const bus = new KafkaBus({
    brokers: config.bus.brokers.map((b) => ({ host: b.host, port: b.port })),
    partitions: config.bus.partitions,
    prefix: config.bus.topicPrefix,
    onError: opts.onError,
    onWarning: opts.onWarning,
  });
  try {
    await bus.check();
  } catch (err) {
    await bus.close().catch(() => {});
    throw err;
  }
  return bus;
}
