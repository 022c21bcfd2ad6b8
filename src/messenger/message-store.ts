// The per-user message boxes (core.telegram.org/api/updates): every write runs in one SQL transaction
// that stores each copy, advances each owner's pts and appends to each owner's update log, so whatever
// is acknowledged is durable for everyone it concerns.
//
// Sends are group-committed (group-commit.ts): the sends of one event-loop turn share a transaction. Per-user
// state (pts, message id counter) is deliberately not cached in memory: each transaction reads it from the
// database (one query for all owners of the batch, which the group commit amortises), so with several
// nodes writing boxes the database stays the only copy and nothing needs invalidating or an owner.
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import { decodeTl, encodeTl, encodeTlList } from '../infra/db/tl-columns.js';
import { boxStatements, BoxWriter, type BoxStatements, type Tx } from './box-writer.js';
import { GroupCommit, type Outcome } from './group-commit.js';
import { padToPowerOfTwo, param, PreparedBySize } from '../infra/db/prepared.js';
import { retryOnConflict } from '../infra/db/dialect.js';
import { BOX_MEDIA_UNREAD, BOX_MENTIONED, CONTENT_NOFORWARDS, CONTENT_REVOKED, CONTENT_SERVICE, CONTENT_SILENT, mediaColumn, messageTl, rowFromJoined, type MessageRow } from './message-row.js';
import { isPlayable } from './contents.js';
import { isSavedMessages, savedPeerOf } from './saved-peer.js';
import { PEER_CHAT, PEER_USER, peerKey, peerTl, samePeer, type PeerRef } from './peer.js';
import { searchColumns } from '../infra/db/search-index.js';
import type { InboxOutbox, InboxRecord } from './inbox-fanout.js';

export interface OutgoingMessage {
  randomId: bigint;
  message: string;
  entities?: TlType<'MessageEntity'>[];
  media?: TlType<'MessageMedia'>;
  /** Album id (messages.sendMultiMedia). */
  groupedId?: bigint;
  /** The replied message, as an id in the sender's box. */
  replyToId?: number;
  fwdFrom?: Obj<'messageFwdHeader'>;
  silent?: boolean;
  noforwards?: boolean;
  /** A service message (basic groups) with this MessageAction instead of text and media. */
  action?: TlType<'MessageAction'>;
  /** Group members the text mentions (contents.ts): their copies are marked as unread mentions. */
  mentions?: readonly bigint[];
}

export interface Conversation {
  sender: bigint;
  /** The conversation from the sender's side. */
  peer: PeerRef;
  /** Other owners that get a copy (private chat: the other user; none for Saved Messages). */
  recipients: readonly bigint[];
  /** The conversation from a recipient's side (private chat: the sender; group: the group). */
  peerOf(owner: bigint): PeerRef;
}

/** One owner's copy after a write, with the update appended to that owner's log. */
export interface BoxCopy {
  owner: bigint;
  row: MessageRow;
  pts: number;
  ptsCount: number;
  update: TlType<'Update'>;
}

export interface SentMessage {
  randomId: bigint;
  /** The random_id was used before: nothing was written and `id`/`pts`/`date` repeat the first answer. */
  duplicate: boolean;
  id: number;
  pts: number;
  date: number;
  /** The sender's copy (absent for a duplicate whose message was deleted since). */
  own?: BoxCopy;
  recipients: BoxCopy[];
}

/** One owner's share of a deletion. */
export interface DeletedIn {
  owner: bigint;
  ids: number[];
  pts: number;
  ptsCount: number;
  update: TlType<'Update'>;
}

export interface ReadResult {
  /** The reader's new pts; ptsCount 0 when nothing changed. */
  pts: number;
  ptsCount: number;
  update?: TlType<'Update'>;
  /** Authors whose outbox became read, each with their own message id. */
  outbox: { owner: bigint; maxId: number; pts: number; update: TlType<'Update'> }[];
}

export interface MessageStoreOptions {
  /** Seconds after sending during which a message may be edited (0 = no limit); Saved Messages never expire. */
  editTimeLimit: number;
  /**
   * Recipients' copies go through Inbox-T (inbox-fanout.ts) instead of the send's transaction (Kafka).
   * Service messages stored inside a chat change (sendIn) keep every copy in that transaction.
   */
  fanOut?: InboxOutbox;
  /** Least time between the starts of two send transactions, in ms (group-commit.ts: ECHO_COMMIT_WINDOW_MS). */
  commitWindowMs?: number;
}

/** The Inbox-T records of one send transaction, by message (global id). */
type FanOut = Map<bigint, InboxRecord[]>;

const SELECT_JOINED = [
  'b.owner_id',
  'b.id',
  'b.global_id',
  'b.peer_type',
  'b.peer_id',
  'b.out',
  'b.date',
  'b.reply_to_id',
  'b.flags as box_flags',
  'm.author_id',
  'm.edit_date',
  'm.message',
  'm.entities',
  'm.media',
  'm.fwd_from',
  'm.grouped_id',
  'm.flags',
  'b.saved_peer_type',
  'b.saved_peer_id',
] as const;

/** Box rows joined with their content: the base of every message read. */
export function selectJoined(db: Kysely<Tables> | Tx) {
  return db.selectFrom('message_boxes as b').innerJoin('messages as m', 'm.id', 'b.global_id').select(SELECT_JOINED);
}

interface SendJob {
  conv: Conversation;
  items: readonly OutgoingMessage[];
}

/** An earlier answer to a random id, as message_random_ids keeps it. */
type EarlierRow = { random_id: bigint; message_id: number | bigint; pts: number | bigint; date: number | bigint };

/** (sender, random id) pairs per statement of MessageStore.earlierOfBatch (an OR of as many terms). */
const RANDOM_ID_PAIRS_CHUNK = 128;

const earlierKey = (sender: bigint, randomId: bigint) => `${sender}:${BigInt.asIntN(64, randomId)}`;

/** What a send needs to know before it writes anything: its reads, done first so a refusal changes nothing. */
interface SendPlan extends SendJob {
  /** Earlier answers to the sender's random ids, by signed random id. */
  earlier: Map<bigint, { message_id: number | bigint; pts: number | bigint; date: number | bigint }>;
  /** The sender's rows of those earlier answers (absent when deleted since). */
  oldRows: Map<number, MessageRow>;
  replies: Map<number, Map<bigint, number>>;
  /** Global id of each replied message (sender's id -> global id). */
  replyGlobals: Map<number, bigint>;
  /** Author of each replied message (sender's id): a reply mentions them. */
  replyAuthors: Map<number, bigint>;
}

export class MessageStore {
  private readonly sql: BoxStatements;
  private readonly sends: GroupCommit<SendJob, SentMessage[]>;
  /** The sender's earlier random ids among n, n a power of two (see padToPowerOfTwo). */
  private readonly earlierRandomIds: PreparedBySize<EarlierRow>;
  /** SQLite: the earlier random ids of n (sender, random id) pairs at once, n a power of two. */
  private readonly earlierRandomIdPairs: PreparedBySize<EarlierRow & { owner_id: bigint }>;

  constructor(
    readonly db: Kysely<Tables>,
    private readonly now: () => number,
    private readonly opts: MessageStoreOptions = { editTimeLimit: 172800 },
  ) {
    this.sql = boxStatements(db);
    this.sends = new GroupCommit(async (jobs) => {
      const fanOut = opts.fanOut;
      if (!fanOut) return retryOnConflict(() => db.transaction().execute((tx) => this.sendAll(tx, jobs)));
      // Answered once the commit (content, sender's copy, outbox rows) and the publish have both succeeded.
      let records: FanOut = new Map();
      const outcomes = await retryOnConflict(() =>
        db.transaction().execute(async (tx) => {
          records = new Map();
          const out = await this.sendAll(tx, jobs, records);
          if (records.size > 0) await fanOut.write(tx, records, this.seconds());
          return out;
        }),
      );
      if (records.size > 0) await fanOut.publish(records);
      const repeated = outcomes.flatMap((o) => (o.ok ? o.value.filter((s) => s.duplicate && s.own).map((s) => s.own!.row.globalId) : []));
      await fanOut.relayIds(repeated);
      return outcomes;
    }, { windowMs: opts.commitWindowMs ?? 0 });
    this.earlierRandomIds = new PreparedBySize((size) =>
      db
        .selectFrom('message_random_ids')
        .select(['random_id', 'message_id', 'pts', 'date'])
        .where('owner_id', '=', param<bigint>(0))
        .where('random_id', 'in', Array.from({ length: size }, (_, i) => param<bigint>(i + 1))),
    );
    // An OR of (sender, random id) pairs: one primary-key search per pair. (A row-value IN over a VALUES list
    // would read the same, but SQLite scans the table for it.) MySQL keeps a statement per send.
    this.earlierRandomIdPairs = new PreparedBySize((size) =>
      db
        .selectFrom('message_random_ids')
        .select(['owner_id', 'random_id', 'message_id', 'pts', 'date'])
        .where((eb) =>
          eb.or(Array.from({ length: size }, (_, i) => eb.and([eb('owner_id', '=', param<bigint>(2 * i)), eb('random_id', '=', param<bigint>(2 * i + 1))]))),
        ),
    );
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /**
   * Stores messages from `conv.sender` into every box of the conversation. A random_id the sender used
   * before yields its first answer (duplicate: true) and writes nothing. Concurrent sends share a
   * transaction (group-commit.ts); this resolves once the one holding this send has committed.
   */
  async send(conv: Conversation, items: readonly OutgoingMessage[]): Promise<SentMessage[]> {
    return this.sends.submit({ conv, items });
  }

  /** send() inside the caller's transaction (a chat change and its service message commit together). */
  async sendIn(tx: Tx, conv: Conversation, items: readonly OutgoingMessage[]): Promise<SentMessage[]> {
    const [outcome] = await this.sendAll(tx, [{ conv, items }]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value;
  }

  /**
   * Stores the sends in one transaction, in order: each one's reads first (a send refused there fails
   * alone), then the writes of all of them, flushed together.
   */
  private async sendAll(tx: Tx, jobs: readonly SendJob[], fanOut?: FanOut): Promise<Outcome<SentMessage[]>[]> {
    const outcomes: Outcome<SentMessage[]>[] = [];
    const plans: (SendPlan | undefined)[] = [];
    const w = new BoxWriter(tx, this.seconds(), this.sql);
    // The states of every box first: on MySQL that locks them (box-writer.ts), so the random-id reads below
    // see every earlier send of these senders, whichever transaction or node made it.
    await w.loadStates(jobs.flatMap((j) => (fanOut ? [j.conv.sender] : [j.conv.sender, ...j.conv.recipients])));
    const earlier = this.sql.dialect === 'sqlite' && jobs.length > 1 ? await this.earlierOfBatch(tx, jobs) : undefined;
    for (const job of jobs) {
      try {
        plans.push(await this.plan(tx, job, earlier));
      } catch (error) {
        plans.push(undefined);
        outcomes[plans.length - 1] = { ok: false, error };
      }
    }
    // A random id may repeat within the batch (a request resent on another connection): the first one stores.
    const batchKey = (sender: bigint, randomId: bigint) => `${sender}:${BigInt.asIntN(64, randomId)}`;
    const claimed = new Set<string>();
    const owners: bigint[] = [];
    let freshCount = 0;
    for (const plan of plans) {
      if (!plan) continue;
      owners.push(plan.conv.sender, ...(fanOut ? [] : plan.conv.recipients));
      for (const item of plan.items) {
        const k = batchKey(plan.conv.sender, item.randomId);
        if (plan.earlier.has(BigInt.asIntN(64, item.randomId)) || claimed.has(k)) continue;
        claimed.add(k);
        freshCount++;
      }
    }
    await w.loadStates(owners);
    let globalId = freshCount > 0 ? await w.nextGlobalIds(freshCount) : 0n;
    const stored = new Map<string, SentMessage>();
    plans.forEach((plan, i) => {
      if (!plan) return;
      const results: SentMessage[] = [];
      for (const item of plan.items) {
        const k = batchKey(plan.conv.sender, item.randomId);
        const first = stored.get(k);
        if (first) results.push({ ...first, randomId: item.randomId, duplicate: true, recipients: [] });
        else if (plan.earlier.has(BigInt.asIntN(64, item.randomId))) results.push(this.earlierAnswer(plan, item));
        else {
          const sent = this.store(w, plan, item, globalId++, fanOut);
          stored.set(k, sent);
          results.push(sent);
        }
      }
      outcomes[i] = { ok: true, value: results };
    });
    await w.flush();
    return outcomes;
  }

  /**
   * The earlier answers to every (sender, random id) of the batch, in one statement per 128 pairs instead of
   * one per send; keyed by earlierKey.
   */
  private async earlierOfBatch(tx: Tx, jobs: readonly SendJob[]): Promise<Map<string, EarlierRow>> {
    const pairs: bigint[][] = [];
    for (const j of jobs) for (const i of j.items) pairs.push([j.conv.sender, i.randomId]);
    const out = new Map<string, EarlierRow>();
    for (let at = 0; at < pairs.length; at += RANDOM_ID_PAIRS_CHUNK) {
      const chunk = padToPowerOfTwo(pairs.slice(at, at + RANDOM_ID_PAIRS_CHUNK));
      const { rows } = await tx.executeQuery(this.earlierRandomIdPairs.get(chunk.length).bind(chunk.flat()));
      for (const r of rows) out.set(earlierKey(r.owner_id, r.random_id), r);
    }
    return out;
  }

  private async plan(tx: Tx, job: SendJob, batchEarlier?: Map<string, EarlierRow>): Promise<SendPlan> {
    const { conv, items } = job;
    let seen: EarlierRow[];
    if (batchEarlier) {
      seen = items.flatMap((i) => batchEarlier.get(earlierKey(conv.sender, i.randomId)) ?? []);
    } else {
      const randomIds = padToPowerOfTwo(items.map((i) => i.randomId));
      ({ rows: seen } = await tx.executeQuery(this.earlierRandomIds.get(randomIds.length).bind([conv.sender, ...randomIds])));
    }
    const earlier = new Map(seen.map((r) => [BigInt.asIntN(64, r.random_id), r]));
    const fresh = items.filter((i) => !earlier.has(BigInt.asIntN(64, i.randomId)));
    const { replies, globals: replyGlobals, authors: replyAuthors } = await this.mapReplies(tx, conv, fresh);
    const oldRows = await this.rowsByIds(tx, conv.sender, seen.map((r) => Number(r.message_id)));
    return { ...job, earlier, oldRows, replies, replyGlobals, replyAuthors };
  }

  /** The first answer to a random id stored by an earlier transaction. */
  private earlierAnswer(plan: SendPlan, item: OutgoingMessage): SentMessage {
    const prior = plan.earlier.get(BigInt.asIntN(64, item.randomId))!;
    const row = plan.oldRows.get(Number(prior.message_id));
    const pts = Number(prior.pts);
    return {
      randomId: item.randomId,
      duplicate: true,
      id: Number(prior.message_id),
      pts,
      date: Number(prior.date),
      own: row && { owner: plan.conv.sender, row, pts, ptsCount: 1, update: { _: 'updateNewMessage', message: messageTl(row), pts, ptsCount: 1 } },
      recipients: [],
    };
  }

  /** Writes one message into every box of the conversation (through the writer: nothing hits SQL yet). */
  private store(w: BoxWriter, plan: SendPlan, item: OutgoingMessage, gid: bigint, fanOut?: FanOut): SentMessage {
    const { conv } = plan;
    const flags = (item.silent ? CONTENT_SILENT : 0) | (item.noforwards ? CONTENT_NOFORWARDS : 0) | (item.action ? CONTENT_SERVICE : 0);
    const content = {
      authorId: conv.sender,
      editDate: 0,
      message: item.message,
      entities: encodeTlList(item.entities),
      media: encodeTl(item.action ?? item.media),
      fwdFrom: encodeTl(item.fwdFrom),
      groupedId: item.groupedId ?? null,
      flags,
    };
    w.addContent({ id: gid, author_id: conv.sender, date: w.date, message: content.message, entities: content.entities, media: content.media, fwd_from: content.fwdFrom, grouped_id: content.groupedId, flags });
    const playable = !item.action && isPlayable(item.media);
    const mentioned = new Set(item.mentions ?? []);
    const replyAuthor = item.replyToId !== undefined ? plan.replyAuthors.get(item.replyToId) : undefined;
    if (replyAuthor !== undefined) mentioned.add(replyAuthor);
    const flagsFor = (owner: bigint, peer: PeerRef, savedPeer: PeerRef | null): number => {
      // Every copy of a voice note / round video but a Saved Messages one waits to be played (the
      // sender's too: it shows whether the other side listened); a mention waits for the member it names.
      let boxFlags = playable && !savedPeer ? BOX_MEDIA_UNREAD : 0;
      if (peer.type === PEER_CHAT && owner !== conv.sender && mentioned.has(owner)) boxFlags |= BOX_MENTIONED | BOX_MEDIA_UNREAD;
      return boxFlags;
    };
    const copyFor = (owner: bigint, peer: PeerRef, replyToId: number | null): BoxCopy => {
      const id = w.nextMessageId(owner);
      const out = owner === conv.sender;
      const savedPeer = isSavedMessages(owner, peer) ? savedPeerOf(owner, item.fwdFrom) : null;
      const boxFlags = flagsFor(owner, peer, savedPeer);
      const row: MessageRow = { ownerId: owner, id, globalId: gid, peer, out, date: w.date, replyToId, boxFlags, ...content, savedPeer };
      w.addBox({
        owner_id: owner,
        id,
        global_id: gid,
        peer_type: peer.type,
        peer_id: peer.id,
        out: out ? 1 : 0,
        date: w.date,
        reply_to_id: replyToId,
        flags: boxFlags,
        saved_peer_type: savedPeer?.type ?? null,
        saved_peer_id: savedPeer?.id ?? null,
      });
      w.bumpDialog(owner, peer, id, w.date, out ? 0 : 1);
      const { pts, update } = w.appendUpdate(owner, 1, (p) => ({ _: 'updateNewMessage', message: messageTl(row), pts: p, ptsCount: 1 }));
      return { owner, row, pts, ptsCount: 1, update };
    };
    const reply = item.replyToId !== undefined ? plan.replies.get(item.replyToId) : undefined;
    const own = copyFor(conv.sender, conv.peer, item.replyToId ?? null);
    let recipients: BoxCopy[] = [];
    if (!fanOut) recipients = conv.recipients.map((r) => copyFor(r, conv.peerOf(r), reply?.get(r) ?? null));
    else if (conv.recipients.length > 0) {
      const replyToGlobalId = item.replyToId !== undefined ? (plan.replyGlobals.get(item.replyToId) ?? null) : null;
      const shared = { message: content.message, entities: content.entities, media: content.media, fwdFrom: content.fwdFrom, groupedId: content.groupedId, flags };
      fanOut.set(
        gid,
        conv.recipients.map((owner) => {
          const peer = conv.peerOf(owner);
          return { globalId: gid, sender: conv.sender, owner, peer, replyToGlobalId, date: w.date, boxFlags: flagsFor(owner, peer, null), content: shared };
        }),
      );
    }
    w.addRandomId({ owner_id: conv.sender, random_id: item.randomId, message_id: own.row.id, pts: own.pts, date: w.date });
    return { randomId: item.randomId, duplicate: false, id: own.row.id, pts: own.pts, date: w.date, own, recipients };
  }

  /** Sender's replied ids -> (owner -> that owner's id of the same message), and each one's author. */
  private async mapReplies(
    tx: Tx,
    conv: Conversation,
    items: readonly OutgoingMessage[],
  ): Promise<{ replies: Map<number, Map<bigint, number>>; globals: Map<number, bigint>; authors: Map<number, bigint> }> {
    const ids = [...new Set(items.map((i) => i.replyToId).filter((id): id is number => id !== undefined))];
    const out = new Map<number, Map<bigint, number>>();
    const authors = new Map<number, bigint>();
    const globals = new Map<number, bigint>();
    if (ids.length === 0) return { replies: out, globals, authors };
    const own = await tx
      .selectFrom('message_boxes as b')
      .innerJoin('messages as m', 'm.id', 'b.global_id')
      .select(['b.id', 'b.global_id', 'm.author_id'])
      .where('b.owner_id', '=', conv.sender)
      .where('b.peer_type', '=', conv.peer.type)
      .where('b.peer_id', '=', conv.peer.id)
      .where('b.id', 'in', ids)
      .execute();
    if (own.length !== ids.length) throw new RpcError(400, 'REPLY_MESSAGE_ID_INVALID');
    for (const r of own) {
      authors.set(Number(r.id), r.author_id);
      globals.set(Number(r.id), r.global_id);
    }
    const byGlobal = new Map(own.map((r) => [r.global_id, Number(r.id)]));
    for (const id of ids) out.set(id, new Map());
    if (conv.recipients.length === 0) return { replies: out, globals, authors };
    const copies = await tx
      .selectFrom('message_boxes')
      .select(['owner_id', 'id', 'global_id'])
      .where('global_id', 'in', [...byGlobal.keys()])
      .where('owner_id', 'in', [...conv.recipients])
      .execute();
    for (const c of copies) out.get(byGlobal.get(c.global_id)!)!.set(c.owner_id, Number(c.id));
    return { replies: out, globals, authors };
  }

  /** The owner's messages with these ids (any peer). */
  async rowsByIds(db: Kysely<Tables> | Tx, owner: bigint, ids: readonly number[]): Promise<Map<number, MessageRow>> {
    const out = new Map<number, MessageRow>();
    if (ids.length === 0) return out;
    const rows = await selectJoined(db).where('b.owner_id', '=', owner).where('b.id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(Number(r.id), rowFromJoined(r));
    return out;
  }

  /**
   * Replaces the text of the editor's message `id` in `peer` and appends updateEditMessage to the log of
   * every owner of a copy, each with their own id.
   */
  async edit(editor: bigint, peer: PeerRef, id: number, message: string, entities: TlType<'MessageEntity'>[] | undefined): Promise<BoxCopy[]> {
    return this.db.transaction().execute(async (tx) => {
      const found = (await this.rowsByIds(tx, editor, [id])).get(id);
      if (!found || !samePeer(found.peer, peer)) throw new RpcError(400, 'MESSAGE_ID_INVALID');
      if (found.flags & CONTENT_SERVICE) throw new RpcError(400, 'MESSAGE_ID_INVALID');
      if (found.authorId !== editor) throw new RpcError(403, 'MESSAGE_AUTHOR_REQUIRED');
      const now = this.seconds();
      const saved = peer.type === PEER_USER && peer.id === editor;
      if (!saved && this.opts.editTimeLimit > 0 && now - found.date > this.opts.editTimeLimit) throw new RpcError(400, 'MESSAGE_EDIT_TIME_EXPIRED');
      const encoded = encodeTlList(entities);
      if (found.message === message && sameBytes(found.entities, encoded)) throw new RpcError(400, 'MESSAGE_NOT_MODIFIED');
      await tx.updateTable('messages').set({ message, entities: encoded, edit_date: now, ...searchColumns(message, encoded, found.media) }).where('id', '=', found.globalId).execute();
      const copies = await selectJoined(tx).where('b.global_id', '=', found.globalId).execute();
      const w = new BoxWriter(tx, now, this.sql);
      await w.loadStates(copies.map((c) => c.owner_id));
      const out: BoxCopy[] = [];
      for (const c of copies) {
        const row = { ...rowFromJoined(c), message, entities: encoded, editDate: now };
        const { pts, update } = w.appendUpdate(row.ownerId, 1, (p) => ({ _: 'updateEditMessage', message: messageTl(row), pts: p, ptsCount: 1 }));
        out.push({ owner: row.ownerId, row, pts, ptsCount: 1, update });
      }
      await w.flush();
      // The editor first: the caller answers it and pushes to the others.
      return out.sort((a, b) => (a.owner === editor ? -1 : b.owner === editor ? 1 : 0));
    });
  }

  /**
   * Deletes the owner's messages `ids`; with `revoke`, every other copy of those of them in private chats
   * too, and in basic groups of those the owner wrote or, in the `moderated` chats, anyone wrote.
   * Unknown ids are ignored. The owner's share comes first (ptsCount 0 when nothing was deleted).
   */
  async delete(owner: bigint, ids: readonly number[], revoke: boolean, moderated: ReadonlySet<bigint> = new Set()): Promise<DeletedIn[]> {
    return this.db.transaction().execute(async (tx) => {
      const w = new BoxWriter(tx, this.seconds(), this.sql);
      const own = await tx
        .selectFrom('message_boxes')
        .select(['id', 'global_id', 'peer_type', 'peer_id'])
        .where('owner_id', '=', owner)
        .where('id', 'in', [...new Set(ids)])
        .execute();
      const perOwner = new Map<bigint, { ids: number[]; peers: Map<string, PeerRef> }>();
      const add = (o: bigint, id: number, peer: PeerRef) => {
        let e = perOwner.get(o);
        if (!e) perOwner.set(o, (e = { ids: [], peers: new Map() }));
        e.ids.push(id);
        e.peers.set(peerKey(peer), peer);
      };
      for (const r of own) add(owner, Number(r.id), { type: Number(r.peer_type) as PeerRef['type'], id: r.peer_id });
      const globals = own.map((r) => r.global_id);
      let revoked: bigint[] = [];
      if (revoke) {
        // Private chats let either side revoke; basic groups the author and the chat's admins.
        const inChats = own.filter((r) => Number(r.peer_type) === PEER_CHAT && !moderated.has(r.peer_id)).map((r) => r.global_id);
        const authored = new Set(inChats.length > 0 ? (await tx.selectFrom('messages').select('id').where('id', 'in', inChats).where('author_id', '=', owner).execute()).map((r) => r.id) : []);
        const revocable = own
          .filter((r) => Number(r.peer_type) === PEER_USER || (Number(r.peer_type) === PEER_CHAT && (moderated.has(r.peer_id) || authored.has(r.global_id))))
          .map((r) => r.global_id);
        revoked = revocable;
        if (revocable.length > 0) {
          const others = await tx
            .selectFrom('message_boxes')
            .select(['owner_id', 'id', 'peer_type', 'peer_id'])
            .where('global_id', 'in', revocable)
            .where('owner_id', '!=', owner)
            .execute();
          for (const r of others) add(r.owner_id, Number(r.id), { type: Number(r.peer_type) as PeerRef['type'], id: r.peer_id });
        }
      }
      await w.loadStates([owner, ...perOwner.keys()]);
      const out: DeletedIn[] = [];
      if (!perOwner.has(owner)) out.push({ owner, ids: [], pts: w.state(owner).pts, ptsCount: 0, update: { _: 'updateDeleteMessages', messages: [], pts: w.state(owner).pts, ptsCount: 0 } });
      for (const [o, e] of perOwner) {
        e.ids.sort((a, b) => a - b);
        await tx.deleteFrom('message_boxes').where('owner_id', '=', o).where('id', 'in', e.ids).execute();
        const { pts, update } = w.appendUpdate(o, e.ids.length, (p) => ({ _: 'updateDeleteMessages', messages: e.ids, pts: p, ptsCount: e.ids.length }));
        out.push({ owner: o, ids: e.ids, pts, ptsCount: e.ids.length, update });
        for (const peer of e.peers.values()) await this.refreshDialog(tx, o, peer);
      }
      if (this.opts.fanOut && revoked.length > 0) {
        // Recipients' copies may still be on their way (Inbox-T): revoked content nobody holds stays as an
        // empty tombstone, so that the consumer writes no copy of it.
        await tx
          .updateTable('messages')
          .set(() => ({ flags: sql<number>`flags | ${CONTENT_REVOKED}`, message: '', entities: null, media: null, fwd_from: null, ...searchColumns('', null, null) }))
          .where('id', 'in', revoked)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('message_boxes').select('message_boxes.id').whereRef('message_boxes.global_id', '=', 'messages.id'))))
          .execute();
      }
      if (globals.length > 0) {
        // Content nobody holds a copy of any more (tombstones stay).
        await tx
          .deleteFrom('messages')
          .where('id', 'in', globals)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('message_boxes').select('message_boxes.id').whereRef('message_boxes.global_id', '=', 'messages.id'))))
          .$if(!!this.opts.fanOut, (q) => q.where(sql<boolean>`(flags & ${CONTENT_REVOKED}) = 0`))
          .execute();
      }
      await w.flush();
      return out.sort((a, b) => (a.owner === owner ? -1 : b.owner === owner ? 1 : 0));
    });
  }

  /** Recomputes the top message and unread count of a dialog after deletions; drops it when empty. */
  private async refreshDialog(tx: Tx, owner: bigint, peer: PeerRef): Promise<void> {
    const dialog = await tx
      .selectFrom('dialogs')
      .select(['read_inbox_max_id'])
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .executeTakeFirst();
    if (!dialog) return;
    const top = await tx
      .selectFrom('message_boxes')
      .select(['id', 'date'])
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const where = (q: any) => q.where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id);
    if (!top) {
      await where(tx.deleteFrom('dialogs')).execute();
      return;
    }
    const unread = await this.countUnread(tx, owner, peer, Number(dialog.read_inbox_max_id));
    await where(tx.updateTable('dialogs').set({ top_message: top.id, top_date: top.date, unread_count: unread })).execute();
  }

  private async countUnread(tx: Tx | Kysely<Tables>, owner: bigint, peer: PeerRef, readMax: number): Promise<number> {
    const row = await tx
      .selectFrom('message_boxes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .where('out', '=', 0)
      .where('id', '>', readMax)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * messages.readMessageContents: clears media_unread on the reader's copies (a voice note or round
   * video played, a mention opened) and, for played media someone else sent, on the author's copy too,
   * so the author sees it was listened to. Each owner whose copies changed gets one
   * updateReadMessagesContents in their log; the reader's share comes first (absent if nothing changed).
   */
  async readContents(reader: bigint, ids: readonly number[]): Promise<{ pts: number; reads: ContentsRead[] }> {
    return this.db.transaction().execute(async (tx) => {
      const w = new BoxWriter(tx, this.seconds(), this.sql);
      await w.loadStates([reader]);
      const rows = [...(await this.rowsByIds(tx, reader, ids)).values()].filter((r) => (r.boxFlags & BOX_MEDIA_UNREAD) !== 0).sort((a, b) => a.id - b.id);
      if (rows.length === 0) return { pts: w.state(reader).pts, reads: [] };
      const changed = new Map<bigint, number[]>([[reader, []]]);
      for (const r of rows) {
        await this.setBoxFlags(tx, reader, r.id, r.boxFlags & ~BOX_MEDIA_UNREAD);
        changed.get(reader)!.push(r.id);
        if (r.out || r.authorId === reader || !isPlayable(mediaColumn(r.media))) continue;
        const theirs = await tx.selectFrom('message_boxes').select(['id', 'flags']).where('global_id', '=', r.globalId).where('owner_id', '=', r.authorId).executeTakeFirst();
        if (!theirs || (Number(theirs.flags) & BOX_MEDIA_UNREAD) === 0) continue;
        await this.setBoxFlags(tx, r.authorId, Number(theirs.id), Number(theirs.flags) & ~BOX_MEDIA_UNREAD);
        changed.set(r.authorId, [...(changed.get(r.authorId) ?? []), Number(theirs.id)]);
      }
      await w.loadStates(changed.keys());
      const reads: ContentsRead[] = [];
      for (const [owner, mine] of changed) {
        const { pts, update } = w.appendUpdate(owner, 1, (p) => ({ _: 'updateReadMessagesContents', messages: mine, pts: p, ptsCount: 1, date: w.date }));
        reads.push({ owner, ids: mine, pts, update });
      }
      await w.flush();
      return { pts: reads[0]!.pts, reads };
    });
  }

  private async setBoxFlags(tx: Tx, owner: bigint, id: number, flags: number): Promise<void> {
    await tx.updateTable('message_boxes').set({ flags }).where('owner_id', '=', owner).where('id', '=', id).execute();
  }

  /**
   * Marks the reader's incoming messages in `peer` up to `maxId` (0: all) as read, and the authors'
   * outgoing copies as read by the other side (updateReadHistoryOutbox with each author's own id).
   * `peerOfAuthor` gives the conversation from an author's side.
   */
  async readHistory(reader: bigint, peer: PeerRef, maxId: number, peerOfAuthor: (author: bigint) => PeerRef): Promise<ReadResult> {
    return this.db.transaction().execute(async (tx) => {
      const w = new BoxWriter(tx, this.seconds(), this.sql);
      await w.loadStates([reader]);
      const dialog = await tx
        .selectFrom('dialogs')
        .select(['top_message', 'read_inbox_max_id', 'folder_id'])
        .where('owner_id', '=', reader)
        .where('peer_type', '=', peer.type)
        .where('peer_id', '=', peer.id)
        .executeTakeFirst();
      const nothing: ReadResult = { pts: w.state(reader).pts, ptsCount: 0, outbox: [] };
      if (!dialog) return nothing;
      const top = Number(dialog.top_message);
      const oldRead = Number(dialog.read_inbox_max_id);
      const upTo = maxId <= 0 ? top : Math.min(maxId, top);
      if (upTo <= oldRead) return nothing;
      const stillUnread = await this.countUnread(tx, reader, peer, upTo);
      await tx
        .updateTable('dialogs')
        .set({ read_inbox_max_id: upTo, unread_count: stillUnread, unread_mark: 0 })
        .where('owner_id', '=', reader)
        .where('peer_type', '=', peer.type)
        .where('peer_id', '=', peer.id)
        .execute();
      const folderId = Number(dialog.folder_id);
      const { pts, update } = w.appendUpdate(reader, 1, (p) => ({
        _: 'updateReadHistoryInbox',
        folderId: folderId !== 0 ? folderId : undefined,
        peer: peerTl(peer),
        maxId: upTo,
        stillUnreadCount: stillUnread,
        pts: p,
        ptsCount: 1,
      }));
      const result: ReadResult = { pts, ptsCount: 1, update, outbox: [] };

      // The newest message of each author that just became read, by global id (ordered like every box).
      const read = await tx
        .selectFrom('message_boxes as b')
        .innerJoin('messages as m', 'm.id', 'b.global_id')
        .select(['m.author_id', (eb) => eb.fn.max('b.global_id').as('g')])
        .where('b.owner_id', '=', reader)
        .where('b.peer_type', '=', peer.type)
        .where('b.peer_id', '=', peer.id)
        .where('b.out', '=', 0)
        .where('b.id', '>', oldRead)
        .where('b.id', '<=', upTo)
        .groupBy('m.author_id')
        .execute();
      const authors = read.filter((r) => r.author_id !== reader);
      await w.loadStates(authors.map((a) => a.author_id));
      for (const a of authors) {
        const theirPeer = peerOfAuthor(a.author_id);
        const mine = await tx
          .selectFrom('message_boxes')
          .select((eb) => eb.fn.max('id').as('id'))
          .where('owner_id', '=', a.author_id)
          .where('peer_type', '=', theirPeer.type)
          .where('peer_id', '=', theirPeer.id)
          .where('out', '=', 1)
          .where('global_id', '<=', a.g as bigint)
          .executeTakeFirst();
        const theirMax = mine?.id === null || mine?.id === undefined ? 0 : Number(mine.id);
        if (theirMax === 0) continue;
        const changed = await tx
          .updateTable('dialogs')
          .set({ read_outbox_max_id: theirMax })
          .where('owner_id', '=', a.author_id)
          .where('peer_type', '=', theirPeer.type)
          .where('peer_id', '=', theirPeer.id)
          .where('read_outbox_max_id', '<', theirMax)
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) === 0) continue;
        const logged = w.appendUpdate(a.author_id, 1, (p) => ({ _: 'updateReadHistoryOutbox', peer: peerTl(theirPeer), maxId: theirMax, pts: p, ptsCount: 1 }));
        result.outbox.push({ owner: a.author_id, maxId: theirMax, pts: logged.pts, update: logged.update });
      }
      await w.flush();
      return result;
    });
  }
}

/** One owner's share of messages.readMessageContents: ids whose contents became read, and the logged update. */
export interface ContentsRead {
  owner: bigint;
  ids: number[];
  pts: number;
  update: TlType<'Update'>;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (!a || a.length === 0) return !b || b.length === 0;
  return !!b && Buffer.compare(a, b) === 0;
}

