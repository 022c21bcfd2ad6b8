// Inbox-T: the fan-out of a send to its recipients' boxes through the bus (docs/architecture.md), used when
// the bus is Kafka. Embedded mode writes every copy in the send's own transaction and never comes here.
//
// A send stores the content, the sender's copy and one record per recipient in the outbox table, in one
// transaction (message-store.ts). After the commit the records are published (acks=all) and the outbox row
// deleted; the send is answered only then. A publish that fails leaves the row, which the relay publishes
// again (at start and every few seconds), so a committed send always reaches its recipients: the sender's
// copy is never an orphan, even when its answer was a retryable error.
//
// The consumer (group 'boxes') writes the copies of the records handled together in one transaction and is
// idempotent: a (owner, global id) pair that already has a box is skipped (unique key message_boxes_global),
// so a redelivered record writes nothing. Content revoked before its fan-out (CONTENT_REVOKED) gets no copy;
// content deleted by its last holder without revoking is written again from the record.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { INBOX_TOPIC, type EventBus, type Subscription } from '../infra/bus/index.js';
import { decodeRecordValue, encodeRecordValue } from '../infra/bus/record-codec.js';
import { RpcError } from '../common/rpc-error.js';
import { retryOnConflict } from '../infra/db/dialect.js';
import { boxStatements, BoxWriter, type Tx } from './box-writer.js';
import { GroupCommit } from './group-commit.js';
import { CONTENT_REVOKED, messageTl, type MessageRow } from './message-row.js';
import type { BoxCopy } from './message-store.js';
import type { PeerRef } from './peer.js';

/** The shared content of a message, as stored in `messages` (TL columns encoded). */
export interface InboxContent {
  message: string;
  entities: Uint8Array | null;
  media: Uint8Array | null;
  fwdFrom: Uint8Array | null;
  groupedId: bigint | null;
  flags: number;
}

/** One recipient's copy to write, keyed on Inbox-T by the recipient. */
export interface InboxRecord {
  globalId: bigint;
  sender: bigint;
  owner: bigint;
  /** The conversation from the owner's side. */
  peer: PeerRef;
  /** The replied message, as a global id: mapped to the owner's copy of it when written. */
  replyToGlobalId: bigint | null;
  /** The send's date (every copy shows the same). */
  date: number;
  /** message_boxes.flags of the copy (mentioned, media unread), decided at send time. */
  boxFlags: number;
  /** Written again when the content row is gone (deleted, not revoked, by its holders before the fan-out). */
  content: InboxContent;
}

/**
 * Outbox rows not published this long after their commit are the relay's (seconds): longer than a publish
 * waits for unreachable brokers (KafkaBus publishTimeoutMs, 30 s), so the relay does not race the send's
 * own publish (a race would only publish twice, which the consumer absorbs).
 */
const RELAY_AGE = 45;
const RELAY_EVERY_MS = 5_000;
const RELAY_ROWS = 256;

/** The outbox and its relay: what the store gives the bus. */
export class InboxOutbox {
  private timer: NodeJS.Timeout | undefined;
  private relaying: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly bus: EventBus,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** The outbox rows of a send's records, written in the send's transaction. */
  async write(tx: Tx, byMessage: ReadonlyMap<bigint, InboxRecord[]>, date: number): Promise<void> {
    const rows = [...byMessage].map(([gid, records]) => ({ global_id: gid, body: encodeRecordValue(records), date }));
    for (let i = 0; i < rows.length; i += 128) await tx.insertInto('inbox_outbox').values(rows.slice(i, i + 128)).execute();
  }

  /**
   * Publishes committed records and deletes their outbox rows. A publish the bus did not acknowledge fails
   * with INTERNAL (retryable: the client resends with the same random_id and gets the stored answer); the
   * row stays for the relay.
   */
  async publish(byMessage: ReadonlyMap<bigint, InboxRecord[]>): Promise<void> {
    const records = [...byMessage.values()].flat();
    try {
      await this.bus.publish(INBOX_TOPIC, records.map((r) => ({ key: String(r.owner), value: r })));
    } catch (err) {
      this.onError(err);
      throw new RpcError(500, 'INTERNAL');
    }
    // The fan-out is acknowledged: a row left behind by a failed delete is only published again by the relay,
    // which the consumer absorbs, so that failure does not fail the send.
    await this.db
      .deleteFrom('inbox_outbox')
      .where('global_id', 'in', [...byMessage.keys()])
      .execute()
      .catch((err: unknown) => this.onError(err));
  }

  /**
   * Publishes what is left in the outbox of these messages (a resend with the same random_id of a send whose
   * publish failed: its answer, too, waits for the fan-out to be acknowledged).
   */
  async relayIds(globalIds: readonly bigint[]): Promise<void> {
    if (globalIds.length === 0) return;
    const rows = await this.db.selectFrom('inbox_outbox').select(['global_id', 'body']).where('global_id', 'in', [...new Set(globalIds)]).execute();
    if (rows.length === 0) return;
    await this.publish(new Map(rows.map((r) => [BigInt(r.global_id), decodeRecordValue(r.body) as InboxRecord[]])));
  }

  /** Publishes the outbox rows older than `age` seconds (all with 0); resolves when done or failed. */
  relay(age = RELAY_AGE): Promise<void> {
    this.relaying ??= this.relayOnce(age).finally(() => (this.relaying = undefined));
    return this.relaying;
  }

  private async relayOnce(age: number): Promise<void> {
    const before = Math.floor(this.now() / 1000) - age;
    for (let after = -(2n ** 63n); ; ) {
      const rows = await this.db
        .selectFrom('inbox_outbox')
        .select(['global_id', 'body'])
        .where('global_id', '>', after)
        .where('date', '<=', before)
        .orderBy('global_id')
        .limit(RELAY_ROWS)
        .execute();
      if (rows.length === 0) return;
      const batch = new Map(rows.map((r) => [BigInt(r.global_id), decodeRecordValue(r.body) as InboxRecord[]]));
      await this.publish(batch);
      after = BigInt(rows[rows.length - 1]!.global_id);
    }
  }

  /** Relays what a previous run left at once, then every few seconds. */
  start(): void {
    const run = (age: number) => void this.relay(age).catch((err: unknown) => this.onError(err));
    run(0);
    this.timer = setInterval(() => run(RELAY_AGE), RELAY_EVERY_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.relaying?.catch(() => {});
  }
}

/** How long the consumer keeps retrying a record whose write fails (database unreachable) before the bus's own retries. */
const WRITE_RETRY_MS = 60_000;

/** The consumer of Inbox-T: writes recipients' copies, then hands them to `onCopies` (the Sync-T pushes). */
export class InboxConsumer {
  private readonly sub: Subscription;
  private readonly commits: GroupCommit<InboxRecord, void>;
  private closed = false;

  constructor(
    private readonly db: Kysely<Tables>,
    bus: EventBus,
    private readonly now: () => number,
    onCopies: (copies: BoxCopy[]) => Promise<void>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    // The records handled at once (the bus hands a poll batch's keys over concurrently) share a transaction.
    this.commits = new GroupCommit(async (records) => {
      const copies = await retryOnConflict(() => db.transaction().execute((tx) => this.write(tx, records)));
      // The copies are stored: a push that fails is not retried (a redelivery would write nothing and push
      // nothing); the devices catch up through getDifference.
      if (copies.length > 0) await onCopies(copies).catch(onError);
      return records.map(() => ({ ok: true as const, value: undefined }));
    });
    this.sub = bus.subscribe<InboxRecord>(INBOX_TOPIC, 'boxes', (r) => this.handle(r));
  }

  /**
   * Writes one record's copy, retrying for a while when the database fails: the bus gives up on a record after
   * a few failures, and a fan-out it skipped would be lost. Blocking keeps the offsets uncommitted meanwhile.
   */
  private async handle(record: InboxRecord): Promise<void> {
    const until = Date.now() + WRITE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.commits.submit(record);
      } catch (err) {
        if (this.closed || Date.now() >= until) throw err;
        this.onError(err);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Writes the copies of the records that have none yet; returns the new copies. */
  async write(tx: Tx, records: readonly InboxRecord[]): Promise<BoxCopy[]> {
    const pairs = new Map<string, InboxRecord>();
    for (const r of records) pairs.set(`${r.owner}:${r.globalId}`, r);
    const gids = [...new Set([...pairs.values()].map((r) => r.globalId))];
    const owners = [...new Set([...pairs.values()].map((r) => r.owner))];
    const existing = await tx.selectFrom('message_boxes').select(['owner_id', 'global_id']).where('global_id', 'in', gids).where('owner_id', 'in', owners).execute();
    for (const e of existing) pairs.delete(`${e.owner_id}:${e.global_id}`);
    if (pairs.size === 0) return [];
    const contents = new Map(
      (
        await tx
          .selectFrom('messages')
          .select(['id', 'author_id', 'edit_date', 'message', 'entities', 'media', 'fwd_from', 'grouped_id', 'flags'])
          .where('id', 'in', gids)
          .execute()
      ).map((c) => [BigInt(c.id), c]),
    );
    const replyGids = [...new Set([...pairs.values()].flatMap((r) => (r.replyToGlobalId !== null ? [r.replyToGlobalId] : [])))];
    const replies = new Map<string, number>();
    if (replyGids.length > 0) {
      const rows = await tx.selectFrom('message_boxes').select(['owner_id', 'global_id', 'id']).where('global_id', 'in', replyGids).where('owner_id', 'in', owners).execute();
      for (const r of rows) replies.set(`${r.owner_id}:${r.global_id}`, Number(r.id));
    }
    const w = new BoxWriter(tx, Math.floor(this.now() / 1000), boxStatements(this.db));
    await w.loadStates(owners);
    const copies: BoxCopy[] = [];
    for (const r of [...pairs.values()].sort((a, b) => (a.globalId < b.globalId ? -1 : a.globalId > b.globalId ? 1 : 0))) {
      let c = contents.get(r.globalId);
      if (c && Number(c.flags) & CONTENT_REVOKED) continue;
      if (!c) {
        const k = r.content;
        const row = { id: r.globalId, author_id: r.sender, date: r.date, message: k.message, entities: k.entities, media: k.media, fwd_from: k.fwdFrom, grouped_id: k.groupedId, flags: k.flags };
        w.addContent(row);
        c = { ...row, edit_date: 0, entities: buf(k.entities), media: buf(k.media), fwd_from: buf(k.fwdFrom) } as typeof c & object;
        contents.set(r.globalId, c);
      }
      const id = w.nextMessageId(r.owner);
      const replyToId = r.replyToGlobalId !== null ? (replies.get(`${r.owner}:${r.replyToGlobalId}`) ?? null) : null;
      const row: MessageRow = {
        ownerId: r.owner,
        id,
        globalId: r.globalId,
        peer: r.peer,
        out: false,
        date: r.date,
        replyToId,
        boxFlags: r.boxFlags,
        authorId: c.author_id,
        editDate: Number(c.edit_date),
        message: c.message,
        entities: buf(c.entities),
        media: buf(c.media),
        fwdFrom: buf(c.fwd_from),
        groupedId: c.grouped_id === null || c.grouped_id === undefined ? null : BigInt(c.grouped_id),
        flags: Number(c.flags),
        savedPeer: null,
      };
      w.addBox({ owner_id: r.owner, id, global_id: r.globalId, peer_type: r.peer.type, peer_id: r.peer.id, out: 0, date: r.date, reply_to_id: replyToId, flags: r.boxFlags, saved_peer_type: null, saved_peer_id: null });
      w.bumpDialog(r.owner, r.peer, id, r.date, 1);
      const { pts, update } = w.appendUpdate(r.owner, 1, (p) => ({ _: 'updateNewMessage', message: messageTl(row), pts: p, ptsCount: 1 }));
      copies.push({ owner: r.owner, row, pts, ptsCount: 1, update });
    }
    await w.flush();
    return copies;
  }

  /** Stops this node's Inbox-T consumer (see Subscription.close). */
  close(): Promise<void> {
    this.closed = true;
    return this.sub.close();
  }
}

function buf(b: Uint8Array | null | undefined): Buffer | null {
  if (!b) return null;
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
