// The event bus between services (docs/architecture.md: Msg -> Inbox-T -> boxes, Sync-T -> sessions).
// Embedded mode runs it in process; a Kafka implementation keeps the same contract: per-key order,
// at-least-once delivery, so every consumer must be idempotent.

/** Fan-out of a stored message into recipients' boxes. Keyed by the conversation. */
export const INBOX_TOPIC = 'Inbox-T';
/** Updates to push to a user's online sessions. Keyed by the user. */
export const SYNC_TOPIC = 'Sync-T';

export interface BusRecord<T> {
  topic: string;
  /** Records with the same key reach a consumer group in publish order. */
  key: string;
  value: T;
  /** When the record was published (ms since the epoch), where the bus knows it (Kafka: the record timestamp). */
  publishedAt?: number;
}

export type BusHandler<T> = (value: T, record: BusRecord<T>) => void | Promise<void>;

export interface Subscription {
  /**
   * Stops this consumer: resolves once the records it had taken are handled and committed and (Kafka) it has
   * left its group, so the group's other members take its partitions from there.
   */
  close(): Promise<void>;
}

export interface EventBus {
  /** Resolves once the bus has accepted the records (in process: queued; Kafka: acknowledged by the brokers). */
  publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void>;
  /**
   * Every group receives every record of the topic once per successful handling; a handler that throws
   * gets the record again (at-least-once), so handlers must tolerate replays.
   */
  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription;
  /** Resolves when every record published so far has been handled (tests, shutdown). */
  drain(): Promise<void>;
  close(): Promise<void>;
  /**
   * A record that was handled is never handed to the same group again (in process); false or absent where a
   * group may see a handled record again (Kafka: a batch whose offsets were not committed), so consumers whose
   * effects are not idempotent deduplicate.
   */
  readonly redeliversHandled?: false;
}
