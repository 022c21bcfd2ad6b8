// Inbox-T fan-out (src/messenger/inbox-fanout.ts) on the in-process bus: the send stores the sender's copy
// and an outbox row, the consumer (group 'boxes') writes the recipients' copies. The bus here can redeliver
// every Inbox-T record, hold them (a fan-out not yet consumed) or refuse them (a broker that is down).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/infra/db/index.js';
import { INBOX_TOPIC, MemoryBus, type BusHandler, type EventBus, type Subscription } from '../../../src/infra/bus/index.js';
import { decodeRecordValue, encodeRecordValue } from '../../../src/infra/bus/record-codec.js';
import { Messenger } from '../../../src/messenger/index.js';
import { chatPeer, userPeer, type PeerRef } from '../../../src/messenger/peer.js';
import { BOX_MENTIONED, messageTl, type MessageRow } from '../../../src/messenger/message-row.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { plainUserViews, recordingPush, type Pushed } from './stubs.js';
import { ALICE, BOB, CAROL, rid } from './fixture.js';

/** A MemoryBus whose Inbox-T records can be delivered twice, held back until release(), or refused. */
class GatedBus implements EventBus {
  readonly inner = new MemoryBus({ maxAttempts: 1 });
  replay = false;
  hold = false;
  refuse = false;
  private held: { key: string; value: unknown }[] = [];

  async publish<T>(topic: string, records: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
    if (topic === INBOX_TOPIC && this.refuse) throw new Error('brokers unreachable');
    if (topic === INBOX_TOPIC && this.hold) {
      this.held.push(...records);
      return;
    }
    return this.inner.publish(topic, records);
  }

  async release(): Promise<void> {
    const records = this.held;
    this.held = [];
    this.hold = false;
    await this.inner.publish(INBOX_TOPIC, records);
  }

  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
    return this.inner.subscribe<T>(topic, group, async (original, record) => {
      // Inbox-T values travel as Kafka records do (record-codec.ts), so the consumer sees what it would there.
      const value = topic === INBOX_TOPIC ? (decodeRecordValue(encodeRecordValue(original)) as T) : original;
      await handler(value, record);
      // A redelivery decodes the record anew: an equal object, not the same one.
      if (topic === INBOX_TOPIC && this.replay) await handler(structuredClone(value), record);
    });
  }

  drain(): Promise<void> {
    return this.inner.drain();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-inbox-'));
  const db = await openDatabase(dir);
  const bus = new GatedBus();
  const pushed: Pushed[] = [];
  const messenger = new Messenger({
    db: db.kysely,
    bus,
    push: recordingPush(pushed),
    contacts: { isBlocked: async () => false, blockBetween: async () => undefined },
    userViews: plainUserViews,
    now: () => 1_700_000_000_000,
    inboxOverBus: true,
  });
  const history = async (owner: bigint, peer: PeerRef) => (await messenger.reader.history(owner, peer, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0 })).rows;
  /** New-message pushes that reached `owner` (short or full form). */
  const newMessages = (owner: bigint) =>
    pushed.filter((p) => p.userId === owner).flatMap((p) => (p.updates._ === 'updates' ? p.updates.updates.filter((u: any) => u._ === 'updateNewMessage') : [p.updates])).filter((u: any) => u._ !== 'updateDeleteMessages');
  return {
    db,
    bus,
    messenger,
    pushed,
    history,
    newMessages,
    async close() {
      await messenger.outbox?.close();
      await bus.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const alice = { userId: ALICE };

/** The content columns of the row with this text (the part every copy shares). */
function pick(rows: readonly MessageRow[], text: string): Pick<MessageRow, 'message' | 'entities' | 'media' | 'fwdFrom' | 'flags' | 'authorId' | 'date'> {
  const r = rows.find((x) => x.message === text)!;
  return { message: r.message, entities: r.entities, media: r.media, fwdFrom: r.fwdFrom, flags: r.flags, authorId: r.authorId, date: r.date };
}

test('Inbox-T: the consumer writes the recipient\'s copy, pushes it once, and both histories agree (replies mapped)', async () => {
  const f = await setup();
  try {
    const [sent] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'hello' }]);
    assert.deepEqual(sent!.recipients, [], 'the copy is not written by the send');
    await f.bus.drain();
    const bobRows = await f.history(BOB, userPeer(ALICE));
    assert.deepEqual(bobRows.map((r) => [r.message, r.out, r.globalId]), [['hello', false, sent!.own!.row.globalId]]);
    const toBob = f.newMessages(BOB);
    assert.equal(toBob.length, 1);
    assert.equal(toBob[0]._, 'updateShortMessage');
    assert.equal(toBob[0].id, bobRows[0]!.id);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 1);
    const [dialog] = (await f.messenger.reader.dialogs(BOB, { offsetDate: 0, offsetId: 0, limit: 10, excludePinned: false })).dialogs;
    assert.deepEqual([dialog!.topMessage, dialog!.unreadCount], [bobRows[0]!.id, 1]);

    // Bob answers his copy: Alice's copy of the answer replies to her own id of 'hello'.
    await f.messenger.messaging.send({ userId: BOB }, userPeer(ALICE), [{ randomId: rid(), message: 'hi back', replyToId: bobRows[0]!.id }]);
    await f.bus.drain();
    const aliceRows = await f.history(ALICE, userPeer(BOB));
    assert.deepEqual(aliceRows.map((r) => [r.message, r.out, r.replyToId]), [['hi back', false, sent!.id], ['hello', true, null]]);
  } finally {
    await f.close();
  }
});

test('Inbox-T: a redelivered record writes no second copy and pushes nothing more', async () => {
  const f = await setup();
  try {
    f.bus.replay = true;
    for (const text of ['one', 'two', 'three']) await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: text }]);
    await f.bus.drain();
    assert.deepEqual((await f.history(BOB, userPeer(ALICE))).map((r) => r.message), ['three', 'two', 'one']);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 3);
    assert.equal(f.newMessages(BOB).length, 3);
  } finally {
    await f.close();
  }
});

test('Inbox-T: a message revoked before its fan-out never reaches the recipient; one deleted only by its sender does', async () => {
  const f = await setup();
  try {
    f.bus.hold = true;
    const [revoked] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'oops' }]);
    const [kept] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'for bob' }]);
    await f.messenger.messaging.delete(alice, [revoked!.id], true);
    await f.messenger.messaging.delete(alice, [kept!.id], false);
    assert.deepEqual(await f.history(ALICE, userPeer(BOB)), []);
    await f.bus.release();
    await f.bus.drain();
    assert.deepEqual((await f.history(BOB, userPeer(ALICE))).map((r) => r.message), ['for bob']);
    assert.deepEqual(f.newMessages(BOB).map((u: any) => u.message), ['for bob']);
    assert.equal((await f.messenger.reader.state(BOB)).pts, 1);
  } finally {
    await f.close();
  }
});

test('Inbox-T: entities and media travel with the record; an edit made before the fan-out is what the recipient gets', async () => {
  const f = await setup();
  try {
    const entities = [{ _: 'messageEntityBold' as const, offset: 0, length: 4 }];
    const media = { _: 'messageMediaGeo' as const, geo: { _: 'geoPoint' as const, long: 2.35, lat: 48.85, accessHash: 7n } };
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'bold text', entities }]);
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: '', media }]);
    f.bus.hold = true;
    const [edited] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'first draft' }]);
    await f.messenger.messaging.edit(alice, userPeer(BOB), edited!.id, 'final text', undefined);
    await f.bus.release();
    await f.bus.drain();
    const [last, geo, bold] = await f.history(BOB, userPeer(ALICE));
    const aliceRows = await f.history(ALICE, userPeer(BOB));
    // The shared content of each of Bob's copies is Alice's, byte for byte.
    for (const row of [bold!, geo!, last!]) {
      const own = aliceRows.find((r) => r.globalId === row.globalId)!;
      assert.deepEqual(pick([row], row.message), pick([own], own.message));
    }
    assert.deepEqual((messageTl(bold!) as any).entities, entities);
    assert.deepEqual((messageTl(geo!) as any).media.geo.lat, 48.85);
    assert.equal(last!.message, 'final text');
    assert.ok(last!.editDate > 0);
    const pushedLast = f.newMessages(BOB).at(-1);
    assert.equal(pushedLast.message, 'final text', 'the push shows the stored (edited) text');
  } finally {
    await f.close();
  }
});

test('Inbox-T: a publish the bus refuses fails the send with INTERNAL; the resend, or else the outbox relay, delivers it once', async () => {
  const f = await setup();
  try {
    f.bus.refuse = true;
    const resent = rid();
    const relayed = rid();
    const isInternal = (e: unknown) => e instanceof RpcError && e.errorMessage === 'INTERNAL' && e.code === 500;
    await assert.rejects(f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: resent, message: 'resent' }]), isInternal);
    await assert.rejects(f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: relayed, message: 'relayed' }]), isInternal);
    assert.equal((await f.db.kysely.selectFrom('inbox_outbox').selectAll().execute()).length, 2, 'the fan-outs wait in the outbox');
    f.bus.refuse = false;
    // The client resends with the same random_id: the first answer, once the fan-out is acknowledged.
    const [again] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: resent, message: 'resent' }]);
    assert.equal(again!.duplicate, true);
    await f.bus.drain();
    assert.deepEqual((await f.history(BOB, userPeer(ALICE))).map((r) => r.message), ['resent']);
    // The other one is published by the relay (at start, and for rows older than a publish may take).
    await f.messenger.outbox!.relay(0);
    await f.bus.drain();
    assert.deepEqual((await f.history(BOB, userPeer(ALICE))).map((r) => r.message), ['relayed', 'resent']);
    assert.equal((await f.db.kysely.selectFrom('inbox_outbox').selectAll().execute()).length, 0);
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: relayed, message: 'relayed' }]);
    await f.messenger.outbox!.relay(0);
    await f.bus.drain();
    assert.equal((await f.history(BOB, userPeer(ALICE))).length, 2);
    assert.equal((await f.history(ALICE, userPeer(BOB))).length, 2);
    assert.equal(f.newMessages(BOB).length, 2);
  } finally {
    await f.close();
  }
});

test('Inbox-T: a group send gives each member one copy, with the mention marked on the member it names', async () => {
  const f = await setup();
  try {
    const chat = chatPeer(77n);
    const conv = { sender: ALICE, peer: chat, recipients: [BOB, CAROL], peerOf: () => chat };
    f.bus.replay = true;
    const [first] = await f.messenger.store.send(conv, [{ randomId: rid(), message: 'hi @bob', mentions: [BOB] }]);
    await f.messenger.store.send(conv, [{ randomId: rid(), message: 'second', replyToId: first!.id }]);
    await f.bus.drain();
    for (const member of [BOB, CAROL]) {
      const rows = await f.history(member, chat);
      assert.deepEqual(rows.map((r) => r.message), ['second', 'hi @bob']);
      assert.equal(rows[0]!.replyToId, rows[1]!.id, 'the reply points at the member\'s own copy');
      assert.equal((rows[1]!.boxFlags & BOX_MENTIONED) !== 0, member === BOB);
      assert.equal((await f.messenger.reader.state(member)).pts, 2);
    }
  } finally {
    await f.close();
  }
});
