// The EventBus contract on MemoryBus and on KafkaBus against a real broker (KAFKA_BROKERS), then what only
// Kafka can show: acknowledged publishes are in the log, a consumer that dies mid-batch without committing
// loses nothing, and the members of one group share the partitions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { KafkaBus, MemoryBus, type KafkaBusOptions } from '../../src/infra/bus/index.js';
import { busContract } from '../support/bus-contract.js';
import { kafkaBrokers } from './support.js';

const PARTITIONS = 6;

function kafkaBus(topics: string[], extra: Partial<KafkaBusOptions> = {}): KafkaBus {
  return new KafkaBus({ brokers: kafkaBrokers(), partitions: PARTITIONS, topics, sessionTimeoutMs: 6_000, clientId: 'echo-test', ...extra });
}

function unique(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** Polls `cond` (each poll waits on real I/O of the broker or a short timer), failing after timeoutMs. */
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function endOffsets(topic: string): Promise<bigint> {
  const admin = new Admin({ clientId: 'echo-test-admin', bootstrapBrokers: kafkaBrokers() });
  try {
    const offsets = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: PARTITIONS }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }] });
    return offsets[0]!.partitions.reduce((sum, p) => sum + p.offset, 0n);
  } finally {
    await admin.close();
  }
}

busContract('MemoryBus', async (topics) => {
  const bus = new MemoryBus();
  return { bus, topic: topics[0]!, dispose: () => bus.close() };
});

busContract('KafkaBus', async (topics) => {
  const bus = kafkaBus(topics);
  await bus.check();
  return { bus, topic: topics[0]!, dispose: () => bus.close() };
});

test('KafkaBus: check() creates missing topics with the configured partition count, and accepts existing ones', async () => {
  const topic = unique('created');
  const bus = kafkaBus([topic]);
  try {
    await bus.check();
    await bus.check();
    const admin = new Admin({ clientId: 'echo-test-admin', bootstrapBrokers: kafkaBrokers() });
    try {
      const md = await admin.metadata({ topics: [topic] });
      assert.equal(md.topics.get(topic)?.partitionsCount, PARTITIONS);
    } finally {
      await admin.close();
    }
  } finally {
    await bus.close();
  }
});

test('KafkaBus: check() names Kafka and the reason in one line when the broker is unreachable or a topic cannot be created', async () => {
  const down = new KafkaBus({ brokers: ['127.0.0.1:1'], partitions: 1, topics: ['x'] });
  await assert.rejects(down.check(), (err: Error) => {
    assert.match(err.message, /^Kafka at 127\.0\.0\.1:1: cannot connect \(.*ECONNREFUSED.*\)$/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  await down.close();
  // More replicas than the cluster has brokers: the broker refuses to create the topic.
  const bad = kafkaBus([unique('unreplicable')], { replicationFactor: 50 });
  await assert.rejects(bad.check(), (err: Error) => {
    assert.match(err.message, /^Kafka at .+: cannot create topic unreplicable-\w+ \(.*[Rr]eplication factor.*\)$/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  await bad.close();
});

test('KafkaBus: publish resolves only when the records are in the broker log (acks=all)', async () => {
  const topic = unique('acked');
  const bus = kafkaBus([topic]);
  try {
    await bus.check();
    assert.equal(await endOffsets(topic), 0n);
    await bus.publish(topic, Array.from({ length: 25 }, (_, n) => ({ key: `k${n}`, value: { n } })));
    assert.equal(await endOffsets(topic), 25n, 'every acknowledged record is in the log');
    // Publishes of one turn share one produce request, and each resolves once it is acknowledged.
    await Promise.all(Array.from({ length: 10 }, (_, n) => bus.publish(topic, [{ key: 'same', value: { n } }])));
    assert.equal(await endOffsets(topic), 35n);
  } finally {
    await bus.close();
  }
});

test('KafkaBus: a consumer that dies mid-batch without committing loses nothing; the group gets the batch again', async () => {
  const topic = unique('crash');
  const first = kafkaBus([topic]);
  await first.check();
  // Records whose handler the first consumer finished, and the one it died in. (A consumer may be handed a
  // record twice, e.g. when its group rebalances while it starts: at-least-once, so these are sets.)
  const finishedByFirst = new Set<number>();
  let started = 0;
  let diedIn: number | undefined;
  let crash!: () => void;
  const crashed = new Promise<void>((resolve) => (crash = resolve));
  first.subscribe<{ n: number }>(topic, 'workers', async (v) => {
    // Dies in the middle of its batch: later records of the batch are never handled, nothing is committed.
    if (++started >= 20 && diedIn === undefined && !finishedByFirst.has(v.n)) {
      diedIn = v.n;
      crash();
      await new Promise(() => {});
    }
    finishedByFirst.add(v.n);
  });
  const total = 200;
  await first.publish(topic, Array.from({ length: total }, (_, n) => ({ key: `user-${n % 10}`, value: { n } })));
  await crashed;
  await first.crashSubscription(topic, 'workers');
  const died = diedIn;
  assert.ok(died !== undefined && !finishedByFirst.has(died), 'the first consumer died inside a handler');
  assert.ok(finishedByFirst.size < total, `the first consumer finished only part of the records (${finishedByFirst.size})`);

  const second = kafkaBus([topic]);
  const seenBySecond = new Set<number>();
  try {
    second.subscribe<{ n: number }>(topic, 'workers', (v) => void seenBySecond.add(v.n));
    await until(() => seenBySecond.size === total, `all ${total} records in the second consumer (has ${seenBySecond.size})`);
    assert.ok(seenBySecond.has(died), `record ${died}, whose handler never finished, came again`);
  } finally {
    await second.close();
    await first.close();
  }
});

test('KafkaBus: the members of one consumer group share the partitions; every record reaches one of them', async () => {
  const topic = unique('shared');
  const a = kafkaBus([topic], { clientId: 'member-a' });
  const b = kafkaBus([topic], { clientId: 'member-b' });
  await a.check();
  const byA = new Map<number, number>();
  const byB = new Map<number, number>();
  const count = (m: Map<number, number>, n: number) => m.set(n, (m.get(n) ?? 0) + 1);
  try {
    a.subscribe<{ n: number }>(topic, 'pool', (v) => void count(byA, v.n));
    b.subscribe<{ n: number }>(topic, 'pool', (v) => void count(byB, v.n));
    // Publish once both members hold a share of the partitions (the group has settled).
    await until(() => {
      const pa = a.assignedPartitions(topic, 'pool');
      const pb = b.assignedPartitions(topic, 'pool');
      return pa.length > 0 && pb.length > 0 && pa.length + pb.length === PARTITIONS && pa.every((p) => !pb.includes(p));
    }, 'both members to be assigned partitions');
    const total = 300;
    await a.publish(topic, Array.from({ length: total }, (_, n) => ({ key: `user-${n % 60}`, value: { n } })));
    await until(() => new Set([...byA.keys(), ...byB.keys()]).size === total, 'every record in one of the members');
    assert.ok(byA.size > 0 && byB.size > 0, `both members handled records (a ${byA.size}, b ${byB.size})`);
    // Each partition belongs to one member at a time. A record may still reach both when the group rebalances
    // before its first reader committed it (a member missing heartbeats on a loaded machine): at-least-once,
    // so what holds is that the members split the partitions between them and each record reached one of them.
    const a2 = a.assignedPartitions(topic, 'pool');
    const b2 = b.assignedPartitions(topic, 'pool');
    assert.ok(a2.every((p) => !b2.includes(p)), `no partition held by both members (a ${a2}, b ${b2})`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
