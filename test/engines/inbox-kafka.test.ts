// Inbox-T on a real broker (KAFKA_BROKERS): sends store the sender's copy and publish one record per
// recipient; the 'boxes' consumer writes the copies. A consumer killed in the middle of a poll batch (after
// writing some copies, before committing its offsets) loses nothing: the next consumer of the group gets the
// batch again and writes only what is missing. Records published again write nothing. A message revoked
// before any consumer ran never reaches its recipient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../src/infra/db/index.js';
import { INBOX_TOPIC, KafkaBus, type BusHandler, type EventBus, type Subscription } from '../../src/infra/bus/index.js';
import { InboxConsumer, Messenger, type BoxCopy, type InboxRecord } from '../../src/messenger/index.js';
import { userPeer, type PeerRef } from '../../src/messenger/peer.js';
import { plainUserViews, recordingPush, type Pushed } from '../unit/messenger/stubs.js';
import { kafkaBrokers } from './support.js';

const ALICE = 2_000_001n;
const BOB = 2_000_002n;
const CAROL = 2_000_003n;
const PER_RECIPIENT = 20;
const TIMEOUT = 120_000;

const prefix = `inbox-${randomBytes(4).toString('hex')}.`;
let dir: string;
let db: Database;
const buses: KafkaBus[] = [];
let nextRandom = 1n;

function kafkaBus(): KafkaBus {
  const bus = new KafkaBus({ brokers: kafkaBrokers(), partitions: 3, prefix, sessionTimeoutMs: 6_000, clientId: 'echo-inbox-test' });
  buses.push(bus);
  return bus;
}

/** The sending node: publishes Inbox-T records (kept in `published`) but runs no consumer of them. */
function senderSide(bus: KafkaBus, published: InboxRecord[]): EventBus {
  return {
    publish: async (topic, records) => {
      await bus.publish(topic, records);
      if (topic === INBOX_TOPIC) published.push(...records.map((r) => r.value as InboxRecord));
    },
    subscribe: <T>(topic: string, group: string, handler: BusHandler<T>): Subscription => (topic === INBOX_TOPIC ? { close: async () => {} } : bus.subscribe(topic, group, handler)),
    drain: () => bus.drain(),
    close: () => bus.close(),
  };
}

async function boxCount(owner: bigint): Promise<number> {
  const r = await db.kysely.selectFrom('message_boxes').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', owner).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function pts(owner: bigint): Promise<number> {
  const r = await db.kysely.selectFrom('update_state').select('pts').where('user_id', '=', owner).executeTakeFirst();
  return Number(r?.pts ?? 0);
}

/** Resolves when `check` holds, looking again after each consumer transaction (`tick`). */
function until(check: () => Promise<boolean>, ticks: { wait(): Promise<void> }): Promise<void> {
  return (async () => {
    while (!(await check())) await ticks.wait();
  })();
}

/** Wakes waiters each time a consumer has written copies. */
class Ticks {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      // A transaction that wrote nothing (all skipped) does not tick: look again after a while anyway.
      setTimeout(resolve, 500).unref();
    });
  }
  tick(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'echo-inbox-kafka-'));
  db = await openDatabase(dir);
});

after(async () => {
  for (const b of buses) await b.close().catch(() => {});
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Inbox-T on Kafka: revoke before fan-out, a consumer killed mid-batch, and redelivered records', { timeout: TIMEOUT }, async () => {
  const published: InboxRecord[] = [];
  const sendBus = kafkaBus();
  await sendBus.check();
  const pushed: Pushed[] = [];
  const sender = new Messenger({
    db: db.kysely,
    bus: senderSide(sendBus, published),
    push: recordingPush(pushed),
    contacts: { isBlocked: async () => false, blockBetween: async () => undefined },
    userViews: plainUserViews,
    now: () => Date.now(),
    inboxOverBus: true,
  });
  const send = (to: bigint, message: string) => sender.messaging.send({ userId: ALICE }, userPeer(to), [{ randomId: nextRandom++, message }]);

  // Revoked while its record waits on Inbox-T (no consumer has run yet).
  const [revoked] = await send(BOB, 'revoked before fan-out');
  await sender.messaging.delete({ userId: ALICE }, [revoked!.id], true);
  for (let i = 0; i < PER_RECIPIENT; i++) {
    await send(BOB, `to bob ${i}`);
    await send(CAROL, `to carol ${i}`);
  }
  assert.equal(published.length, 2 * PER_RECIPIENT + 1, 'every send was acknowledged by Kafka');
  assert.equal((await db.kysely.selectFrom('inbox_outbox').selectAll().execute()).length, 0, 'acknowledged records leave the outbox');

  // The first consumer dies after handling a few records of its batch: copies written, offsets not committed.
  const ticks = new Ticks();
  const firstBus = kafkaBus();
  let handled = 0;
  let crashed!: () => void;
  const crash = new Promise<void>((resolve) => (crashed = resolve));
  const dying: EventBus = {
    publish: (t, r) => firstBus.publish(t, r),
    subscribe: <T>(topic: string, group: string, handler: BusHandler<T>) =>
      firstBus.subscribe<T>(topic, group, async (value, record) => {
        if (handled >= 5) return new Promise<void>(() => {}); // a dead process handles nothing more
        await handler(value, record);
        if (++handled === 5) void firstBus.crashSubscription(topic, group).then(crashed);
      }),
    drain: () => firstBus.drain(),
    close: () => firstBus.close(),
  };
  const copies1: BoxCopy[] = [];
  const first = new InboxConsumer(db.kysely, dying, () => Date.now(), async (c) => void copies1.push(...c));
  await crash;
  first.close();
  const written = (await boxCount(BOB)) + (await boxCount(CAROL));
  assert.ok(written > 0 && written < 2 * PER_RECIPIENT, `the first consumer wrote part of the batch (${written})`);

  // The next consumer of the group gets the uncommitted batch again and completes it.
  const secondBus = kafkaBus();
  const copies2: BoxCopy[] = [];
  const second = new InboxConsumer(db.kysely, secondBus, () => Date.now(), async (c) => {
    copies2.push(...c);
    ticks.tick();
  });
  await until(async () => (await boxCount(BOB)) >= PER_RECIPIENT && (await boxCount(CAROL)) >= PER_RECIPIENT, ticks);
  await secondBus.drain();
  assert.equal(await boxCount(BOB), PER_RECIPIENT, 'no copy of the revoked message, none twice');
  assert.equal(await boxCount(CAROL), PER_RECIPIENT);
  assert.equal(await pts(BOB), PER_RECIPIENT);
  assert.equal(await pts(CAROL), PER_RECIPIENT);
  assert.equal(copies1.length + copies2.length, 2 * PER_RECIPIENT, 'each copy was handed to Sync-T once');
  const history = async (owner: bigint, peer: PeerRef) =>
    (await sender.reader.history(owner, peer, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0 })).rows.map((r) => r.message).reverse();
  assert.deepEqual(await history(BOB, userPeer(ALICE)), Array.from({ length: PER_RECIPIENT }, (_, i) => `to bob ${i}`), 'in send order');
  assert.deepEqual(await history(ALICE, userPeer(CAROL)), await history(CAROL, userPeer(ALICE)));

  // Every record published again (a producer retry, a relay after a lost ack): nothing new is written.
  await sendBus.publish(INBOX_TOPIC, published.map((r) => ({ key: String(r.owner), value: r })));
  await secondBus.drain();
  assert.equal(await boxCount(BOB), PER_RECIPIENT);
  assert.equal(await boxCount(CAROL), PER_RECIPIENT);
  assert.equal(await pts(BOB), PER_RECIPIENT);
  assert.equal(copies1.length + copies2.length, 2 * PER_RECIPIENT);
  second.close();
  await sender.outbox?.close();
});
