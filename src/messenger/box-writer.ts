// Accumulates the writes of one transaction on message boxes: per-owner message ids and pts are handed
// out from state rows loaded once, and rows are inserted in batches when the transaction ends.
import type { Insertable, Transaction } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { CANONICAL_LAYER, encodeObject, type TlObject } from '../tl/index.js';
import type { MessageBoxesTable, MessagesTable, MessageRandomIdsTable, UpdateLogTable } from './tables.js';
import { peerKey, type PeerRef } from './peer.js';
import { searchColumns } from './search-index.js';

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

/** Rows per INSERT: well under every engine's bound-parameter limit. */
const INSERT_CHUNK = 200;

/** The global message id sequence (id_sequences row). */
const GLOBAL_SEQUENCE = 'message';

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
  ) {}

  /** Loads the update state of `owners` (one query); must come before ids or pts are handed out for them. */
  async loadStates(owners: Iterable<bigint>): Promise<void> {
    const missing = [...new Set(owners)].filter((o) => !this.states.has(o));
    if (missing.length === 0) return;
    const rows = await this.tx.selectFrom('update_state').select(['user_id', 'pts', 'seq', 'date', 'last_message_id']).where('user_id', 'in', missing).execute();
    for (const r of rows) {
      this.states.set(r.user_id, { pts: Number(r.pts), seq: Number(r.seq), date: Number(r.date), lastMessageId: Number(r.last_message_id), exists: true, dirty: false });
    }
    for (const o of missing) if (!this.states.has(o)) this.states.set(o, { pts: 0, seq: 0, date: 0, lastMessageId: 0, exists: false, dirty: false });
  }

  state(owner: bigint): BoxState {
    const s = this.states.get(owner);
    if (!s) throw new Error(`update state of ${owner} not loaded`);
    return s;
  }

  nextMessageId(owner: bigint): number {
    const s = this.entry(owner);
    s.lastMessageId++;
    s.dirty = true;
    return s.lastMessageId;
  }

  /** Reserves `count` global message ids and returns the first. */
  async nextGlobalIds(count: number): Promise<bigint> {
    const row = await this.tx.selectFrom('id_sequences').select('value').where('name', '=', GLOBAL_SEQUENCE).executeTakeFirst();
    const first = (row ? BigInt(row.value) : 0n) + 1n;
    const last = first + BigInt(count - 1);
    if (row) await this.tx.updateTable('id_sequences').set({ value: last }).where('name', '=', GLOBAL_SEQUENCE).execute();
    else await this.tx.insertInto('id_sequences').values({ name: GLOBAL_SEQUENCE, value: last }).execute();
    return first;
  }

  /**
   * Advances the owner's pts by `ptsCount` and logs the update `build` returns for the new pts.
   * Returns the update (canonical TL) and its pts.
   */
  appendUpdate(owner: bigint, ptsCount: number, build: (pts: number) => TlObject): { pts: number; update: TlObject } {
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
    await insertChunks(this.tx, 'messages', this.contents);
    await insertChunks(this.tx, 'message_boxes', this.boxes);
    await insertChunks(this.tx, 'update_log', this.logs);
    await insertChunks(this.tx, 'message_random_ids', this.randoms);
    await this.flushDialogs();
    const fresh: { user_id: bigint; pts: number; seq: number; date: number; last_message_id: number }[] = [];
    for (const [owner, s] of this.states) {
      if (!s.dirty) continue;
      if (s.exists) {
        await this.tx.updateTable('update_state').set({ pts: s.pts, seq: s.seq, date: s.date, last_message_id: s.lastMessageId }).where('user_id', '=', owner).execute();
      } else {
        fresh.push({ user_id: owner, pts: s.pts, seq: s.seq, date: s.date, last_message_id: s.lastMessageId });
        s.exists = true;
      }
      s.dirty = false;
    }
    await insertChunks(this.tx, 'update_state', fresh);
  }

  private entry(owner: bigint): StateEntry {
    const s = this.states.get(owner);
    if (!s) throw new Error(`update state of ${owner} not loaded`);
    return s;
  }

  private async flushDialogs(): Promise<void> {
    if (this.bumps.size === 0) return;
    const bumps = [...this.bumps.values()];
    this.bumps.clear();
    const existing = await this.tx
      .selectFrom('dialogs')
      .select(['owner_id', 'peer_type', 'peer_id'])
      .where((eb) => eb.or(bumps.map((b) => eb.and([eb('owner_id', '=', b.owner), eb('peer_type', '=', b.peer.type), eb('peer_id', '=', b.peer.id)]))))
      .execute();
    const have = new Set(existing.map((r) => `${r.owner_id}|${r.peer_type}:${r.peer_id}`));
    const inserts = [];
    for (const b of bumps) {
      if (have.has(`${b.owner}|${peerKey(b.peer)}`)) {
        await this.tx
          .updateTable('dialogs')
          .set((eb) => ({ top_message: b.top, top_date: b.date, unread_count: eb('unread_count', '+', b.unread) }))
          .where('owner_id', '=', b.owner)
          .where('peer_type', '=', b.peer.type)
          .where('peer_id', '=', b.peer.id)
          .execute();
      } else {
        inserts.push({ owner_id: b.owner, peer_type: b.peer.type, peer_id: b.peer.id, top_message: b.top, top_date: b.date, unread_count: b.unread });
      }
    }
    await insertChunks(this.tx, 'dialogs', inserts);
  }
}

async function insertChunks<T extends keyof Tables & string>(tx: Tx, table: T, rows: readonly Insertable<Tables[T]>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await tx.insertInto(table).values(rows.slice(i, i + INSERT_CHUNK) as any).execute();
  }
}
