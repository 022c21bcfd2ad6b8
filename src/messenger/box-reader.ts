// Reads of a user's box: history with Telegram's offset semantics (core.telegram.org/api/offsets),
// messages by id, dialogs with their top messages, update state and the update log.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { decodeObject, type TlType } from '../tl/index.js';
import { rowFromJoined, type MessageRow } from './message-row.js';
import { selectJoined } from './message-store.js';
import { peerKey, type PeerRef, type PeerType } from './peer.js';
import type { BoxState } from './box-writer.js';

export interface HistoryQuery {
  offsetId: number;
  offsetDate: number;
  addOffset: number;
  limit: number;
  maxId: number;
  minId: number;
}

export interface DialogRow {
  peer: PeerRef;
  topMessage: number;
  topDate: number;
  readInboxMaxId: number;
  readOutboxMaxId: number;
  unreadCount: number;
  unreadMark: boolean;
  pinned: number;
  folderId: number;
}

export interface DialogsQuery {
  offsetDate: number;
  offsetId: number;
  limit: number;
  excludePinned: boolean;
  folderId?: number;
}

export type Difference =
  | { kind: 'empty'; state: BoxState }
  | { kind: 'tooLong'; state: BoxState }
  | { kind: 'full' | 'slice'; updates: TlType<'Update'>[]; state: BoxState };

export const DEFAULT_HISTORY_LIMIT = 20;
export const MAX_HISTORY_LIMIT = 100;

/** The number of results a request asks for: 0 means the default, more than 100 is cut to 100. */
export function effectiveLimit(limit: number, max = MAX_HISTORY_LIMIT, dflt = DEFAULT_HISTORY_LIMIT): number {
  if (limit <= 0) return dflt;
  return Math.min(limit, max);
}

/**
 * How a history window splits around the anchor (offset_id or offset_date). The full list is newest
 * first; the window is list[p + add_offset, p + add_offset + limit) where p is the anchor's position.
 * Elements before p ("newer") are read ascending from the anchor, those after it ("older") descending.
 */
export function historyPlan(q: Pick<HistoryQuery, 'addOffset'>, limit: number): { newer: number; skipOlder: number; older: number } {
  if (q.addOffset >= 0) return { newer: 0, skipOlder: q.addOffset, older: limit };
  return { newer: -q.addOffset, skipOlder: 0, older: Math.max(0, limit + q.addOffset) };
}

type N = number | bigint;

function dialogFromRow(r: { peer_type: N; peer_id: bigint; top_message: N; top_date: N; read_inbox_max_id: N; read_outbox_max_id: N; unread_count: N; unread_mark: N; pinned: N; folder_id: N }): DialogRow {
  return {
    peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id },
    topMessage: Number(r.top_message),
    topDate: Number(r.top_date),
    readInboxMaxId: Number(r.read_inbox_max_id),
    readOutboxMaxId: Number(r.read_outbox_max_id),
    unreadCount: Number(r.unread_count),
    unreadMark: Number(r.unread_mark) !== 0,
    pinned: Number(r.pinned),
    folderId: Number(r.folder_id),
  };
}

const DIALOG_COLUMNS = ['peer_type', 'peer_id', 'top_message', 'top_date', 'read_inbox_max_id', 'read_outbox_max_id', 'unread_count', 'unread_mark', 'pinned', 'folder_id'] as const;

export class BoxReader {
  constructor(private readonly db: Kysely<Tables>) {}

  private inPeer(owner: bigint, peer: PeerRef, savedPeer?: PeerRef) {
    const s = selectJoined(this.db).where('b.owner_id', '=', owner).where('b.peer_type', '=', peer.type).where('b.peer_id', '=', peer.id);
    return savedPeer ? s.where('b.saved_peer_type', '=', savedPeer.type).where('b.saved_peer_id', '=', savedPeer.id) : s;
  }

  /**
   * A page of the owner's history with `peer`, newest first, and the number of messages in the whole chat.
   * With `savedPeer` (Saved Messages only): the messages saved from that peer (messages.getSavedHistory).
   */
  async history(owner: bigint, peer: PeerRef, q: HistoryQuery, savedPeer?: PeerRef): Promise<{ rows: MessageRow[]; count: number }> {
    const limit = effectiveLimit(q.limit);
    const plan = historyPlan(q, limit);
    const bounded = () => {
      let s = this.inPeer(owner, peer, savedPeer);
      if (q.maxId > 0) s = s.where('b.id', '<', q.maxId);
      if (q.minId > 0) s = s.where('b.id', '>', q.minId);
      return s;
    };
    const byId = q.offsetId > 0;
    const byDate = !byId && q.offsetDate > 0;
    let newer: MessageRow[] = [];
    if (plan.newer > 0 && (byId || byDate)) {
      let s = bounded();
      s = byId ? s.where('b.id', '>=', q.offsetId) : s.where('b.date', '>=', q.offsetDate);
      const rows = await s.orderBy('b.id', 'asc').limit(plan.newer).execute();
      newer = rows.map(rowFromJoined).reverse().slice(0, limit);
    }
    let older: MessageRow[] = [];
    if (plan.older > 0) {
      let s = bounded();
      if (byId) s = s.where('b.id', '<', q.offsetId);
      else if (byDate) s = s.where('b.date', '<', q.offsetDate);
      let page = s.orderBy('b.id', 'desc').limit(plan.older);
      if (plan.skipOlder > 0) page = page.offset(plan.skipOlder);
      older = (await page.execute()).map(rowFromJoined);
    }
    let countQ = this.db
      .selectFrom('message_boxes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id);
    if (savedPeer) countQ = countQ.where('saved_peer_type', '=', savedPeer.type).where('saved_peer_id', '=', savedPeer.id);
    const counted = await countQ.executeTakeFirst();
    return { rows: [...newer, ...older], count: Number(counted?.n ?? 0) };
  }

  /** The owner's messages with these ids, in any chat. */
  async byIds(owner: bigint, ids: readonly number[]): Promise<Map<number, MessageRow>> {
    const out = new Map<number, MessageRow>();
    if (ids.length === 0) return out;
    const rows = await selectJoined(this.db).where('b.owner_id', '=', owner).where('b.id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(Number(r.id), rowFromJoined(r));
    return out;
  }

  async state(owner: bigint): Promise<BoxState> {
    const r = await this.db.selectFrom('update_state').select(['pts', 'seq', 'date', 'last_message_id']).where('user_id', '=', owner).executeTakeFirst();
    return r ? { pts: Number(r.pts), seq: Number(r.seq), date: Number(r.date), lastMessageId: Number(r.last_message_id) } : { pts: 0, seq: 0, date: 0, lastMessageId: 0 };
  }

  /** Unread incoming messages over all dialogs (updates.state.unread_count). */
  async unreadTotal(owner: bigint): Promise<number> {
    const r = await this.db.selectFrom('dialogs').select((eb) => eb.fn.sum<bigint | number | null>('unread_count').as('n')).where('owner_id', '=', owner).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /**
   * The events after `fromPts`: at most `limit` log entries (a slice, with the state after the last one),
   * or tooLong when the client is more than `tooLong` events behind (or ahead of the server).
   */
  async difference(owner: bigint, fromPts: number, opts: { limit: number; tooLong: number }): Promise<Difference> {
    const state = await this.state(owner);
    if (fromPts === state.pts) return { kind: 'empty', state };
    if (fromPts > state.pts || state.pts - fromPts > opts.tooLong) return { kind: 'tooLong', state };
    const rows = await this.db
      .selectFrom('update_log')
      .select(['pts', 'date', 'body'])
      .where('owner_id', '=', owner)
      .where('pts', '>', fromPts)
      .orderBy('pts', 'asc')
      .limit(opts.limit + 1)
      .execute();
    const slice = rows.length > opts.limit;
    const taken = slice ? rows.slice(0, opts.limit) : rows;
    // The log holds only what BoxWriter.appendUpdate encoded from a typed Update: the table is the contract.
    const updates = taken.map((r) => decodeObject(r.body) as TlType<'Update'>);
    if (!slice) return { kind: 'full', updates, state };
    const last = taken[taken.length - 1]!;
    return { kind: 'slice', updates, state: { ...state, pts: Number(last.pts), date: Number(last.date) } };
  }

  /** A page of dialogs, pinned first on the first page, then by top message, newest first. */
  async dialogs(owner: bigint, q: DialogsQuery): Promise<{ dialogs: DialogRow[]; count: number }> {
    const limit = effectiveLimit(q.limit);
    const base = () => {
      let s = this.db.selectFrom('dialogs').select(DIALOG_COLUMNS).where('owner_id', '=', owner);
      if (q.folderId !== undefined) s = s.where('folder_id', '=', q.folderId);
      return s;
    };
    const firstPage = q.offsetDate === 0 && q.offsetId === 0;
    let pinned: DialogRow[] = [];
    if (firstPage && !q.excludePinned) {
      pinned = (await base().where('pinned', '>', 0).orderBy('pinned', 'desc').limit(limit).execute()).map(dialogFromRow);
    }
    // Pinned dialogs come only at the top of the first page (exclude_pinned drops them altogether).
    let rest = base().where('pinned', '=', 0);
    if (!firstPage) {
      rest = rest.where((eb) => eb.or([eb('top_date', '<', q.offsetDate), eb.and([eb('top_date', '=', q.offsetDate), eb('top_message', '<', q.offsetId)])]));
    }
    const others = limit > pinned.length ? (await rest.orderBy('top_date', 'desc').orderBy('top_message', 'desc').limit(limit - pinned.length).execute()).map(dialogFromRow) : [];
    let countQ = this.db.selectFrom('dialogs').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', owner);
    if (q.folderId !== undefined) countQ = countQ.where('folder_id', '=', q.folderId);
    const counted = await countQ.executeTakeFirst();
    return { dialogs: [...pinned, ...others], count: Number(counted?.n ?? 0) };
  }

  async dialogsWith(owner: bigint, peers: readonly PeerRef[]): Promise<Map<string, DialogRow>> {
    const out = new Map<string, DialogRow>();
    if (peers.length === 0) return out;
    const rows = await this.db
      .selectFrom('dialogs')
      .select(DIALOG_COLUMNS)
      .where('owner_id', '=', owner)
      .where((eb) => eb.or(peers.map((p) => eb.and([eb('peer_type', '=', p.type), eb('peer_id', '=', p.id)]))))
      .execute();
    for (const r of rows) {
      const d = dialogFromRow(r);
      out.set(peerKey(d.peer), d);
    }
    return out;
  }
}
