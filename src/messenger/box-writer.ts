// Accumulates the writes of one transaction on message boxes: per-owner message ids and pts are handed
// out from state rows loaded once, and rows are inserted in batches when the transaction ends. Every
// statement is prepared (prepared.ts): one transaction may carry the sends of many requests (group
// commit, message-store.ts), and per-statement query building would cost more than SQLite's work.
import type { Insertable, InsertQueryBuilder, Kysely, Transaction } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { CANONICAL_LAYER, encodeObject, type TlType } from '../tl/index.js';
import type { MessageBoxesTable, MessagesTable, MessageRandomIdsTable, UpdateLogTable } from '../infra/db/tables/messenger.js';
import { peerKey, type PeerRef } from './peer.js';
import { searchColumns } from '../infra/db/search-index.js';
import { padToPowerOfTwo, param, powerOfTwoChunks, prepare, PreparedBySize } from '../infra/db/prepared.js';
import { dialectOf, lockingRead } from '../infra/db/dialect.js';

export type Tx = Transaction<Tables>;

export interface BoxState {
  pts: number;
  seq: number;
  date: number;
  lastMessageId: number;
}

interface StateEntry extends BoxState {
  exists: boolean;
  dirty: boolean;
}

interface DialogBump {
  owner: bigint;
  peer: PeerRef;
  top: number;
  date: number;
  unread: number;
}

/** Rows per INSERT (a power of two): well under every engine's bound-parameter limit. */
const INSERT_CHUNK = 128;

/** Users per update-state SELECT (a power of two): a batch of group sends may concern many. */
const STATE_CHUNK = 512;

/** The global message id sequence (id_sequences row). */
const GLOBAL_SEQUENCE = 'message';

const MESSAGE_COLUMNS = ['id', 'author_id', 'date', 'message', 'entities', 'media', 'fwd_from', 'grouped_id', 'flags', 'search_text', 'search_kinds'] as const;
const BOX_COLUMNS = ['owner_id', 'id', 'global_id', 'peer_type', 'peer_id', 'out', 'date', 'reply_to_id', 'flags', 'saved_peer_type', 'saved_peer_id'] as const;
const LOG_COLUMNS = ['owner_id', 'pts', 'pts_count', 'date', 'body'] as const;
const RANDOM_ID_COLUMNS = ['owner_id', 'random_id', 'message_id', 'pts', 'date'] as const;
const DIALOG_COLUMNS = ['owner_id', 'peer_type', 'peer_id', 'top_message', 'top_date', 'unread_count'] as const;
const STATE_COLUMNS = ['user_id', 'pts', 'seq', 'date', 'last_message_id'] as const;

type Row = Record<string, unknown>;

/** Shapes the multi-row INSERT of a BatchInsert (an upsert clause). */
type InsertShape = (qb: InsertQueryBuilder<Tables, any, any>) => InsertQueryBuilder<Tables, any, any>;

/** A multi-row INSERT of fixed columns, prepared once per row count (powers of two only). */
class BatchInsert {
  private readonly shapes: PreparedBySize<unknown>;

  constructor(
    db: Kysely<Tables>,
    table: keyof Tables & string,
    private readonly columns: readonly string[],
    shape: InsertShape = (qb) => qb,
  ) {
    const k = columns.length;
    this.shapes = new PreparedBySize((size) =>
      shape(db.insertInto(table).values(Array.from({ length: size }, (_, r) => Object.fromEntries(columns.map((c, j) => [c, param(r * k + j)]))) as any)),
    );
  }

  async run(tx: Tx, rows: readonly Row[]): Promise<void> {
    let at = 0;
    for (const size of powerOfTwoChunks(rows.length, INSERT_CHUNK)) {
      const args: unknown[] = [];
      for (let r = at; r < at + size; r++) for (const c of this.columns) args.push(rows[r]![c] ?? null);
      await tx.executeQuery(this.shapes.get(size).bind(args));
      at += size;
    }
  }
}

function prepareStatements(db: Kysely<Tables>) {
  // On MySQL the state and sequence rows are read FOR UPDATE: transactions run side by side there, and pts,
  // message ids and global ids are read, advanced in memory and written back by this transaction.
  const dialect = dialectOf(db);
  return {
    dialect,
    messages: new BatchInsert(db, 'messages', MESSAGE_COLUMNS),
    boxes: new BatchInsert(db, 'message_boxes', BOX_COLUMNS),
    logs: new BatchInsert(db, 'update_log', LOG_COLUMNS),
    randomIds: new BatchInsert(db, 'message_random_ids', RANDOM_ID_COLUMNS),
    dialogs: new BatchInsert(db, 'dialogs', DIALOG_COLUMNS),
    states: new BatchInsert(db, 'update_state', STATE_COLUMNS),
    // SQLite: the dialogs and states of a whole batch in one multi-row upsert each, instead of a statement
    // per dialog and per state (four per private message). MySQL keeps update-then-insert (flushDialogs).
    upsertDialogs: new BatchInsert(db, 'dialogs', DIALOG_COLUMNS, (qb) =>
      qb.onConflict((oc) =>
        oc.columns(['owner_id', 'peer_type', 'peer_id']).doUpdateSet((eb) => ({
          top_message: eb.ref('excluded.top_message'),
          top_date: eb.ref('excluded.top_date'),
          unread_count: eb('dialogs.unread_count', '+', eb.ref('excluded.unread_count')),
        })),
      ),
    ),
    upsertStates: new BatchInsert(db, 'update_state', STATE_COLUMNS, (qb) =>
      qb.onConflict((oc) =>
        oc.column('user_id').doUpdateSet((eb) => ({
          pts: eb.ref('excluded.pts'),
          seq: eb.ref('excluded.seq'),
          date: eb.ref('excluded.date'),
          last_message_id: eb.ref('excluded.last_message_id'),
        })),
      ),
    ),
    /** The update states of n users, n a power of two (see padToPowerOfTwo). */
    loadStates: new PreparedBySize((size) =>
      lockingRead(
        db
          .selectFrom('update_state')
          .select(['user_id', 'pts', 'seq', 'date', 'last_message_id'])
          .where('user_id', 'in', Array.from({ length: size }, (_, i) => param<bigint>(i))),
        dialect,
      ),
    ),
    /** Empty states for users that have none yet (MySQL: created first, so that they can be locked). */
    seedStates: new PreparedBySize((size) =>
      db
        .insertInto('update_state')
        .values(Array.from({ length: size }, (_, i) => ({ user_id: param<bigint>(i), pts: 0, seq: 0, date: 0, last_message_id: 0 })))
        .orIgnore(),
    ),
    updateState: prepare(
      db.updateTable('update_state').set({ pts: param(0), seq: param(1), date: param(2), last_message_id: param(3) }).where('user_id', '=', param(4)),
    ),
    bumpDialog: prepare(
      db
        .updateTable('dialogs')
        .set((eb) => ({ top_message: param(0), top_date: param(1), unread_count: eb('unread_count', '+', param<number>(2)) }))
        .where('owner_id', '=', param(3))
        .where('peer_type', '=', param(4))
        .where('peer_id', '=', param(5)),
    ),
    sequence: prepare(lockingRead(db.selectFrom('id_sequences').select('value').where('name', '=', param(0)), dialect)),
    setSequence: prepare(db.updateTable('id_sequences').set({ value: param(0) }).where('name', '=', param(1))),
    newSequence: prepare(db.insertInto('id_sequences').values({ name: param(0), value: param(1) }).orIgnore()),
  };
}

/** The statements BoxWriter runs. */
export type BoxStatements = ReturnType<typeof prepareStatements>;

const statementsByDb = new WeakMap<Kysely<Tables>, BoxStatements>();

/** The BoxWriter statements of a database, prepared on first use. */
export function boxStatements(db: Kysely<Tables>): BoxStatements {
  let s = statementsByDb.get(db);
  if (!s) statementsByDb.set(db, (s = prepareStatements(db)));
  return s;
}

export class BoxWriter {
  private readonly states = new Map<bigint, StateEntry>();
  private readonly contents: Insertable<MessagesTable>[] = [];
  private readonly boxes: Insertable<MessageBoxesTable>[] = [];
  private readonly logs: Insertable<UpdateLogTable>[] = [];
  private readonly randoms: Insertable<MessageRandomIdsTable>[] = [];
  private readonly bumps = new Map<string, DialogBump>();

  constructor(
    readonly tx: Tx,
    /** Unix seconds of every event written by this transaction. */
    readonly date: number,
    private readonly sql: BoxStatements,
  ) {}

  /** Loads the update state of `owners` (one query per 512); must come before ids or pts are handed out for them. */
  async loadStates(owners: Iterable<bigint>): Promise<void> {
    // Ascending order: transactions that lock overlapping sets of states take the locks in one order.
    const missing = [...new Set(owners)].filter((o) => !this.states.has(o)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (missing.length === 0) return;
    await this.selectStates(missing);
    if (this.sql.dialect === 'mysql') {
      // A state no row holds yet cannot be locked; two transactions would both insert it. Seed the missing
      // rows (a concurrent seed is ignored), then lock and read them like the others.
      const unseen = missing.filter((o) => !this.states.has(o));
      if (unseen.length > 0) {
        for (let i = 0; i < unseen.length; i += STATE_CHUNK) {
          const ids = padToPowerOfTwo(unseen.slice(i, i + STATE_CHUNK));
          await this.tx.executeQuery(this.sql.seedStates.get(ids.length).bind(ids));
        }
        await this.selectStates(unseen);
      }
    }
    for (const o of missing) if (!this.states.has(o)) this.states.set(o, { pts: 0, seq: 0, date: 0, lastMessageId: 0, exists: false, dirty: false });
  }

  private async selectStates(owners: readonly bigint[]): Promise<void> {
    for (let i = 0; i < owners.length; i += STATE_CHUNK) {
      const ids = padToPowerOfTwo(owners.slice(i, i + STATE_CHUNK));
      const { rows } = await this.tx.executeQuery(this.sql.loadStates.get(ids.length).bind(ids));
      for (const r of rows) {
        this.states.set(r.user_id, { pts: Number(r.pts), seq: Number(r.seq), date: Number(r.date), lastMessageId: Number(r.last_message_id), exists: true, dirty: false });
      }
    }
  }

  state(owner: bigint): BoxState {
    return this.entry(owner);
  }

  nextMessageId(owner: bigint): number {
    const s = this.entry(owner);
    s.lastMessageId++;
    s.dirty = true;
    return s.lastMessageId;
  }

  /** Reserves `count` global message ids and returns the first. */
  async nextGlobalIds(count: number): Promise<bigint> {
    let { rows } = await this.tx.executeQuery(this.sql.sequence.bind([GLOBAL_SEQUENCE]));
    if (!rows[0]) {
      // The first draw ever creates the row; a concurrent first draw's insert is ignored and both then lock it.
      await this.tx.executeQuery(this.sql.newSequence.bind([GLOBAL_SEQUENCE, 0n]));
      ({ rows } = await this.tx.executeQuery(this.sql.sequence.bind([GLOBAL_SEQUENCE])));
    }
    const first = BigInt(rows[0]!.value) + 1n;
    const last = first + BigInt(count - 1);
    await this.tx.executeQuery(this.sql.setSequence.bind([last, GLOBAL_SEQUENCE]));
    return first;
  }

  /**
   * Advances the owner's pts by `ptsCount` and logs the update `build` returns for the new pts.
   * Returns the update (canonical TL) and its pts.
   */
  appendUpdate(owner: bigint, ptsCount: number, build: (pts: number) => TlType<'Update'>): { pts: number; update: TlType<'Update'> } {
    const s = this.entry(owner);
    s.pts += ptsCount;
    s.date = this.date;
    s.dirty = true;
    const update = build(s.pts);
    this.logs.push({ owner_id: owner, pts: s.pts, pts_count: ptsCount, date: this.date, body: encodeObject(update, CANONICAL_LAYER) });
    return { pts: s.pts, update };
  }

  addContent(row: Insertable<MessagesTable>): void {
    // Search columns ride along with every content row, whichever path stores it (search-index.ts).
    this.contents.push({ ...searchColumns(row.message, row.entities, row.media), ...row });
  }

  addBox(row: Insertable<MessageBoxesTable>): void {
    this.boxes.push(row);
  }

  addRandomId(row: Insertable<MessageRandomIdsTable>): void {
    this.randoms.push(row);
  }

  /** A new top message in the owner's dialog with `peer` (created if absent); `unread` incoming ones. */
  bumpDialog(owner: bigint, peer: PeerRef, top: number, date: number, unread: number): void {
    const k = `${owner}|${peerKey(peer)}`;
    const b = this.bumps.get(k);
    if (b) {
      b.top = Math.max(b.top, top);
      b.date = Math.max(b.date, date);
      b.unread += unread;
    } else {
      this.bumps.set(k, { owner, peer, top, date, unread });
    }
  }

  /** Writes everything accumulated; call once, last thing in the transaction. */
  async flush(): Promise<void> {
    await this.sql.messages.run(this.tx, this.contents as Row[]);
    await this.sql.boxes.run(this.tx, this.boxes as Row[]);
    await this.sql.logs.run(this.tx, this.logs as Row[]);
    await this.sql.randomIds.run(this.tx, this.randoms as Row[]);
    await this.flushDialogs();
    await this.flushStates();
  }

  private async flushStates(): Promise<void> {
    const upsert = this.sql.dialect === 'sqlite';
    const rows: Row[] = [];
    for (const [owner, s] of this.states) {
      if (!s.dirty) continue;
      if (s.exists && !upsert) {
        await this.tx.executeQuery(this.sql.updateState.bind([s.pts, s.seq, s.date, s.lastMessageId, owner]));
      } else {
        rows.push({ user_id: owner, pts: s.pts, seq: s.seq, date: s.date, last_message_id: s.lastMessageId });
        s.exists = true;
      }
      s.dirty = false;
    }
    await (upsert ? this.sql.upsertStates : this.sql.states).run(this.tx, rows);
  }

  private entry(owner: bigint): StateEntry {
    const s = this.states.get(owner);
    if (!s) throw new Error(`update state of ${owner} not loaded`);
    return s;
  }

  /**
   * SQLite: one multi-row upsert. MySQL: update-then-insert per dialog (one statement for a dialog that exists),
   * whose row locks stay those of a plain UPDATE.
   */
  private async flushDialogs(): Promise<void> {
    if (this.bumps.size === 0) return;
    const bumps = [...this.bumps.values()];
    this.bumps.clear();
    if (this.sql.dialect === 'sqlite') {
      const rows = bumps.map((b) => ({ owner_id: b.owner, peer_type: b.peer.type, peer_id: b.peer.id, top_message: b.top, top_date: b.date, unread_count: b.unread }));
      await this.sql.upsertDialogs.run(this.tx, rows);
      return;
    }
    const inserts: Row[] = [];
    for (const b of bumps) {
      const res = await this.tx.executeQuery(this.sql.bumpDialog.bind([b.top, b.date, b.unread, b.owner, b.peer.type, b.peer.id]));
      if (res.numAffectedRows === 0n) {
        inserts.push({ owner_id: b.owner, peer_type: b.peer.type, peer_id: b.peer.id, top_message: b.top, top_date: b.date, unread_count: b.unread });
      }
    }
    await this.sql.dialogs.run(this.tx, inserts);
  }
}
