// The event bus on Apache Kafka (@platformatic/kafka, pure TypeScript). Same contract as MemoryBus:
// per-key order (a key always maps to the same partition), at-least-once delivery per consumer group.
//
// Publishing: the records of every publish() made while a produce is in flight are sent together in the
// next produce (one request per batch, like the group commit of the message store), with acks=all, and
// each publish() resolves only once the brokers have acknowledged its records: acknowledged means durable.
// Produces run one at a time, so records of one key reach their partition in publish order. While the
// brokers cannot be reached a produce is retried until publishTimeoutMs has passed since its oldest record
// was published; then those publishes fail with KafkaUnavailableError (nothing was acknowledged, retryable).
//
// Consuming: one consumer per subscription (topic, group), offsets committed by hand only after the
// handlers of a whole poll batch have finished, so a consumer that dies mid-batch has committed nothing of
// it and the group gets those records again. Within a batch the records of one key are handled in order,
// different keys concurrently. A consumer that loses its brokers is rebuilt and resumes from the group's
// committed offsets (the records after them come again: handlers are idempotent).
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializer, type Message } from '@platformatic/kafka';
import type { BusHandler, BusRecord, EventBus, Subscription } from './bus.js';
import { INBOX_TOPIC, SYNC_TOPIC } from './bus.js';
import { decodeRecordValue, encodeRecordValue } from './record-codec.js';

export interface KafkaBusOptions {
  /** One or more brokers ("host:port" or { host, port }; use the object form for IPv6 addresses). */
  brokers: Array<string | { host: string; port: number }>;
  /** Partitions of the topics this bus creates (existing topics keep theirs). */
  partitions: number;
  /** Replicas of created topics; default: as many brokers as the cluster has, at most 3. */
  replicationFactor?: number;
  /** Prepended to every topic and group name, so several deployments (or test runs) can share brokers. */
  prefix?: string;
  /** Topics check() creates when missing. */
  topics?: readonly string[];
  clientId?: string;
  /** How long a publish waits for unreachable brokers before failing (ms). */
  publishTimeoutMs?: number;
  /** Consumer group session timeout (ms): how long a dead consumer keeps its partitions. */
  sessionTimeoutMs?: number;
  /** Told about a handler failure; the record is retried up to maxAttempts times, then skipped (as MemoryBus). */
  onError?(err: unknown, record: BusRecord<unknown>, group: string): void;
  maxAttempts?: number;
  /** Told when a consumer lost its brokers or a produce is being retried. */
  onWarning?(message: string, err: unknown): void;
}

/** A publish that the brokers did not acknowledge in time; nothing of it may be assumed stored. */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** Records per produce request at most; more wait for the next one. */
const MAX_PRODUCE_RECORDS = 2_000;
/** Records buffered from fetches before the consumer stops fetching until the batch is handled. */
const MAX_BATCH = 2_000;
const DRAIN_POLL_MS = 20;

interface QueuedPublish {
  messages: { topic: string; key: Buffer; value: Buffer }[];
  since: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class KafkaBus implements EventBus {
  private readonly producer: Producer;
  private readonly subs = new Set<KafkaSubscription>();
  private queue: QueuedPublish[] = [];
  private producing = false;
  private idleProducer: Array<() => void> = [];
  private closed = false;
  private readonly brokerList: string;

  constructor(private readonly opts: KafkaBusOptions) {
    this.brokerList = opts.brokers.map((b) => (typeof b === 'string' ? b : `${b.host}:${b.port}`)).join(',');
    this.producer = new Producer({
      clientId: `${this.clientId}-producer`,
      bootstrapBrokers: brokerObjects(opts.brokers),
      acks: ProduceAcks.ALL,
      // One produce at a time (see above), so the producer's own retries cannot reorder records.
      retries: 2,
      retryDelay: 250,
      timeout: 10_000,
      connectTimeout: 3_000,
    });
  }

  private get clientId(): string {
    return this.opts.clientId ?? 'echod';
  }

  /** The Kafka name of a topic or group of this deployment. */
  name(topicOrGroup: string): string {
    return `${this.opts.prefix ?? ''}${topicOrGroup}`;
  }

  /**
   * Start-up check: the brokers answer and every topic exists (created when missing). Throws an Error whose
   * message is one line naming Kafka and the reason.
   */
  async check(): Promise<void> {
    const admin = new Admin({ clientId: `${this.clientId}-admin`, bootstrapBrokers: brokerObjects(this.opts.brokers), retries: 1, retryDelay: 500, timeout: 5_000, connectTimeout: 3_000 });
    try {
      let brokers: number;
      try {
        brokers = (await admin.metadata({ topics: [] })).brokers.size;
      } catch (err) {
        throw new Error(`Kafka at ${this.brokerList}: cannot connect (${reason(err)})`);
      }
      const wanted = (this.opts.topics ?? [INBOX_TOPIC, SYNC_TOPIC]).map((t) => this.name(t));
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      const replicas = this.opts.replicationFactor ?? Math.min(3, brokers);
      for (const topic of missing) {
        try {
          await admin.createTopics({
            topics: [topic],
            partitions: this.opts.partitions,
            replicas,
            // acks=all waits for the in-sync replicas; with 3 replicas, an acknowledged record is on 2 brokers at least.
            configs: [{ name: 'min.insync.replicas', value: String(Math.min(2, replicas)) }],
          });
        } catch (err) {
          // Another node may have created it in the meantime.
          if (findProtocolError(err) === 'TOPIC_ALREADY_EXISTS') continue;
          throw new Error(`Kafka at ${this.brokerList}: cannot create topic ${topic} (${reason(err)})`);
        }
      }
    } finally {
      await admin.close().catch(() => {});
    }
  }

  publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('bus closed'));
    if (records.length === 0) return Promise.resolve();
    const name = this.name(topic);
    const messages = records.map((r) => ({ topic: name, key: Buffer.from(r.key), value: encodeRecordValue(r.value) }));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, since: Date.now(), resolve, reject });
      if (!this.producing) void this.produceLoop();
    });
  }

  private async produceLoop(): Promise<void> {
    this.producing = true;
    // Let the rest of this turn's publishes join the first produce.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch: QueuedPublish[] = [];
      let count = 0;
      while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0]!.messages.length <= MAX_PRODUCE_RECORDS)) {
        const p = this.queue.shift()!;
        batch.push(p);
        count += p.messages.length;
      }
      try {
        await this.produce(batch.flatMap((p) => p.messages), batch[0]!.since);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.producing = false;
    const waiters = this.idleProducer;
    this.idleProducer = [];
    for (const w of waiters) w();
  }

  private async produce(messages: { topic: string; key: Buffer; value: Buffer }[], since: number): Promise<void> {
    const deadline = since + (this.opts.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ messages, acks: ProduceAcks.ALL });
        return;
      } catch (err) {
        if (this.closed || Date.now() >= deadline) throw new KafkaUnavailableError(`Kafka at ${this.brokerList}: records not acknowledged (${reason(err)})`);
        this.opts.onWarning?.('kafka produce failed; retrying', err);
        await sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
  }

  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
    if (this.closed) throw new Error('bus closed');
    for (const s of this.subs) if (s.topic === topic && s.group === group) throw new Error(`group ${group} already subscribed to ${topic}`);
    const sub = new KafkaSubscription(this, this.opts, topic, group, handler as BusHandler<unknown>);
    this.subs.add(sub);
    sub.start();
    return {
      close: () => {
        this.subs.delete(sub);
        return sub.stop();
      },
    };
  }

  /**
   * Resolves when every record published so far (by anyone) has been handled by every group subscribed
   * here: the groups' committed offsets reach the topics' end offsets as they were when drain was called.
   */
  async drain(): Promise<void> {
    if (this.producing) await new Promise<void>((resolve) => this.idleProducer.push(resolve));
    const subs = [...this.subs];
    if (subs.length === 0) return;
    const ends = new Map<string, bigint[]>();
    for (const s of subs) {
      while (!ends.has(s.kafkaTopic) && !this.closed) {
        const end = await s.endOffsets();
        if (end) ends.set(s.kafkaTopic, end);
        else await sleep(DRAIN_POLL_MS);
      }
    }
    for (const s of subs) {
      const target = ends.get(s.kafkaTopic) ?? [];
      while (!this.closed && this.subs.has(s)) {
        const committed = await s.committedOffsets();
        if (committed && target.every((end, p) => end <= 0n || (committed[p] ?? -1n) >= end)) break;
        await sleep(DRAIN_POLL_MS);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.producing) await new Promise<void>((resolve) => this.idleProducer.push(resolve));
    this.closed = true;
    const subs = [...this.subs];
    this.subs.clear();
    await Promise.all(subs.map((s) => s.stop()));
    await this.producer.close().catch(() => {});
  }

  /** The partitions of (topic, group) this process's consumer holds now (tests, diagnostics). */
  assignedPartitions(topic: string, group: string): number[] {
    for (const s of this.subs) if (s.topic === topic && s.group === group) return s.assignedPartitions();
    return [];
  }

  /** Test hook: the consumer of (topic, group) stops at once, committing nothing more (a crash, seen from Kafka). */
  async crashSubscription(topic: string, group: string): Promise<void> {
    for (const s of this.subs) {
      if (s.topic !== topic || s.group !== group) continue;
      this.subs.delete(s);
      await s.stop({ crash: true });
    }
  }
}

type KafkaMessage = Message<string, Buffer, Buffer, Buffer>;

/** One (topic, group) consumer and its loop: poll a batch, handle it, commit it, again. */
class KafkaSubscription {
  readonly kafkaTopic: string;
  private consumer: Consumer<string, Buffer, Buffer, Buffer> | undefined;
  private stopped = false;
  private crashed = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly bus: KafkaBus,
    private readonly opts: KafkaBusOptions,
    readonly topic: string,
    readonly group: string,
    private readonly handler: BusHandler<unknown>,
  ) {
    this.kafkaTopic = bus.name(topic);
  }

  start(): void {
    this.loop = this.run();
  }

  async stop({ crash = false } = {}): Promise<void> {
    this.stopped = true;
    this.crashed ||= crash;
    this.wake?.();
    // A crash does not wait for the handlers of the batch: they may never finish, as in a process that died.
    if (crash) {
      if (this.consumer) await closeNow(this.consumer);
      return;
    }
    await this.loop;
  }

  private newConsumer(): Consumer<string, Buffer, Buffer, Buffer> {
    const sessionTimeout = this.opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    return new Consumer({
      clientId: `${this.opts.clientId ?? 'echod'}-${this.group}`,
      groupId: this.bus.name(this.group),
      bootstrapBrokers: brokerObjects(this.opts.brokers),
      autocommit: false,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
      rebalanceTimeout: sessionTimeout,
      deserializers: { key: stringDeserializer },
      retries: 2,
      retryDelay: 250,
      timeout: 10_000,
      connectTimeout: 3_000,
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const consumer = (this.consumer = this.newConsumer());
      try {
        const stream = await consumer.consume({
          topics: [this.kafkaTopic],
          mode: 'committed',
          // A group that never committed starts at the beginning: nothing published before its first join is lost.
          fallbackMode: 'earliest',
          autocommit: false,
          maxWaitTime: 500,
        });
        failures = 0;
        await this.pump(stream);
      } catch (err) {
        if (!this.stopped) this.opts.onWarning?.(`kafka consumer of ${this.kafkaTopic} (${this.group}) failed; reconnecting`, err);
        failures++;
      } finally {
        await closeNow(consumer);
      }
      if (!this.stopped && failures > 0) await sleep(Math.min(2_000, 100 * 2 ** failures));
    }
  }

  /** Handles poll batches until the stream fails or the subscription stops. */
  private async pump(stream: Awaited<ReturnType<Consumer<string, Buffer, Buffer, Buffer>['consume']>>): Promise<void> {
    let pending: KafkaMessage[] = [];
    let commits: Promise<void> = Promise.resolve();
    let failure: unknown;
    let ended = false;
    const wake = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    stream.on('data', (m: KafkaMessage) => {
      pending.push(m);
      if (pending.length >= MAX_BATCH) stream.pause();
      wake();
    });
    stream.on('error', (err: Error) => {
      failure ??= err;
      wake();
    });
    stream.on('close', () => {
      ended = true;
      wake();
    });
    for (;;) {
      if (this.stopped) {
        if (!this.crashed) await commits;
        return;
      }
      if (failure) throw failure;
      if (ended) throw new Error('stream closed');
      if (pending.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      // Everything the fetches of this turn delivered is one batch.
      const batch = pending;
      pending = [];
      if (stream.isPaused()) stream.resume();
      await this.handleBatch(batch);
      if (this.crashed) return;
      // The commit runs while the next batch is handled (offsets are cumulative, commits go out in order); a
      // failed commit rebuilds the consumer, which resumes from the last commit that did succeed.
      const previous = commits;
      commits = previous.then(() => this.commit(batch)).catch((err: unknown) => {
        failure ??= err;
        wake();
      });
    }
  }

  private async handleBatch(batch: readonly KafkaMessage[]): Promise<void> {
    const byKey = new Map<string, KafkaMessage[]>();
    for (const m of batch) {
      const list = byKey.get(m.key);
      if (list) list.push(m);
      else byKey.set(m.key, [m]);
    }
    await Promise.all(
      [...byKey.values()].map(async (messages) => {
        for (const m of messages) {
          if (this.crashed) return;
          await this.deliver(m);
        }
      }),
    );
  }

  private async deliver(m: KafkaMessage): Promise<void> {
    let record: BusRecord<unknown>;
    try {
      record = { topic: this.topic, key: m.key, value: decodeRecordValue(m.value), publishedAt: Number(m.timestamp) };
    } catch (err) {
      // A record that is not ours (or corrupt) can never be handled: report it and move past it.
      this.opts.onError?.(err, { topic: this.topic, key: m.key, value: undefined }, this.group);
      return;
    }
    const max = this.opts.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handler(record.value, record);
        return;
      } catch (err) {
        this.opts.onError?.(err, record, this.group);
        if (attempt >= max) return;
      }
    }
  }

  /** Commits, per partition, the offset after the batch's last record. */
  private async commit(batch: readonly KafkaMessage[]): Promise<void> {
    const last = new Map<number, KafkaMessage>();
    for (const m of batch) {
      const seen = last.get(m.partition);
      if (!seen || seen.offset < m.offset) last.set(m.partition, m);
    }
    await Promise.all([...last.values()].map((m) => m.commit() as Promise<void>));
  }

  assignedPartitions(): number[] {
    return this.consumer?.assignments?.find((a) => a.topic === this.kafkaTopic)?.partitions ?? [];
  }

  /** The end offset of every partition of the topic, or undefined when the brokers cannot say now. */
  async endOffsets(): Promise<bigint[] | undefined> {
    try {
      return (await this.consumer?.listOffsets({ topics: [this.kafkaTopic] }))?.get(this.kafkaTopic);
    } catch {
      return undefined;
    }
  }

  /** The group's committed offset per partition (-1 where none), or undefined when the brokers cannot say now. */
  async committedOffsets(): Promise<bigint[] | undefined> {
    const consumer = this.consumer;
    if (!consumer) return undefined;
    try {
      const ends = await this.endOffsets();
      if (!ends) return undefined;
      const partitions = ends.map((_, i) => i);
      return (await consumer.listCommittedOffsets({ topics: [{ topic: this.kafkaTopic, partitions }] })).get(this.kafkaTopic);
    } catch {
      return undefined;
    }
  }
}

/** The innermost messages of a client error, joined: "Connection to 127.0.0.1:1 failed: connect ECONNREFUSED". */
function reason(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 6; depth++) {
    const next: unknown = (e as AggregateError).errors?.[0] ?? e.cause;
    // Wrappers ("Cannot connect to any broker.") add nothing once their cause is known.
    if (!(next instanceof Error) || !/^(Cannot connect to any broker|Received response with error)/.test(e.message)) parts.push(e.message.replace(/\.$/, ''));
    e = next;
  }
  return parts.join(': ') || String(err);
}

function findProtocolError(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 6; depth++) {
    const id = (e as { apiId?: unknown }).apiId;
    if (typeof id === 'string') return id;
    e = (e as AggregateError).errors?.[0] ?? e.cause;
  }
  return undefined;
}

function brokerObjects(list: KafkaBusOptions['brokers']): { host: string; port: number }[] {
  return list.map((b) => {
    if (typeof b !== 'string') return b;
    const at = b.lastIndexOf(':');
    return { host: b.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(b.slice(at + 1)) };
  });
}

/** Closes a consumer without waiting for anything more from it (errors ignored: it is being dropped). */
function closeNow(consumer: Consumer<string, Buffer, Buffer, Buffer>): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
