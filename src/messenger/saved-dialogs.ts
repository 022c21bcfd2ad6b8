// Saved Messages dialogs (core.telegram.org/api/saved-messages): a user's Saved Messages grouped by the
// peer each message was saved from (saved-peer.ts), newest top message first, some of them pinned.
// Everything is read from the owner's Saved Messages box; pins are the only state of their own.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { PEER_USER, peerKey, samePeer, type PeerRef, type PeerType } from './peer.js';
import { effectiveLimit } from './box-reader.js';

export interface SavedDialogRow {
  peer: PeerRef;
  topMessage: number;
  topDate: number;
  pinned: boolean;
}

export interface SavedDialogsQuery {
  excludePinned: boolean;
  offsetDate: number;
  offsetId: number;
  limit: number;
}

/** Pinned saved dialogs a user may have, as Telegram's saved_dialogs_pinned_limit_default. */
export const MAX_PINNED_SAVED_DIALOGS = 5;

type N = number | bigint;

export class SavedDialogs {
  constructor(private readonly db: Kysely<Tables>) {}

  private grouped(owner: bigint) {
    return this.db
      .selectFrom('message_boxes')
      .select(['saved_peer_type', 'saved_peer_id', (eb) => eb.fn.max('id').as('top'), (eb) => eb.fn.max('date').as('top_date')])
      .where('owner_id', '=', owner)
      .where('peer_type', '=', PEER_USER)
      .where('peer_id', '=', owner)
      .where('saved_peer_id', 'is not', null)
      .groupBy(['saved_peer_type', 'saved_peer_id']);
  }

  private static row(r: { saved_peer_type: N | null; saved_peer_id: bigint | null; top: N | null; top_date: N | null }, pinned: boolean): SavedDialogRow {
    return { peer: { type: Number(r.saved_peer_type) as PeerType, id: BigInt(r.saved_peer_id!) }, topMessage: Number(r.top), topDate: Number(r.top_date), pinned };
  }

  /** The pinned peers, first first. */
  async pins(owner: bigint): Promise<PeerRef[]> {
    const rows = await this.db.selectFrom('saved_dialog_pins').select(['peer_type', 'peer_id']).where('owner_id', '=', owner).orderBy('position', 'desc').execute();
    return rows.map((r) => ({ type: Number(r.peer_type) as PeerType, id: BigInt(r.peer_id) }));
  }

  /** Pinned dialogs that have messages, in pin order. */
  async pinned(owner: bigint): Promise<SavedDialogRow[]> {
    const pins = await this.pins(owner);
    if (pins.length === 0) return [];
    const found = await this.withPeers(owner, pins);
    return pins.flatMap((p) => found.get(peerKey(p)) ?? []);
  }

  /** The saved dialogs of these peers that have messages. */
  async withPeers(owner: bigint, peers: readonly PeerRef[]): Promise<Map<string, SavedDialogRow>> {
    const out = new Map<string, SavedDialogRow>();
    if (peers.length === 0) return out;
    const pinKeys = new Set((await this.pins(owner)).map(peerKey));
    const rows = await this.grouped(owner)
      .where((eb) => eb.or(peers.map((p) => eb.and([eb('saved_peer_type', '=', p.type), eb('saved_peer_id', '=', p.id)]))))
      .execute();
    for (const r of rows) {
      const d = SavedDialogs.row(r, false);
      d.pinned = pinKeys.has(peerKey(d.peer));
      out.set(peerKey(d.peer), d);
    }
    return out;
  }

  /** A page: pinned dialogs first on the first page (unless excluded), then the rest by top message, newest first. */
  async list(owner: bigint, q: SavedDialogsQuery): Promise<{ dialogs: SavedDialogRow[]; count: number }> {
    const limit = effectiveLimit(q.limit);
    const firstPage = q.offsetId === 0 && q.offsetDate === 0;
    const pinned = firstPage && !q.excludePinned ? (await this.pinned(owner)).slice(0, limit) : [];
    const pinKeys = new Set((await this.pins(owner)).map(peerKey));
    let rest = this.grouped(owner);
    if (q.offsetId > 0) rest = rest.having((eb) => eb.fn.max('id'), '<', q.offsetId);
    else if (q.offsetDate > 0) rest = rest.having((eb) => eb.fn.max('date'), '<', q.offsetDate);
    // Pinned dialogs are listed apart (or not at all): fetch enough to fill the page without them.
    const rows = await rest.orderBy('top', 'desc').limit(limit + pinKeys.size).execute();
    const others = rows.map((r) => SavedDialogs.row(r, false)).filter((d) => !pinKeys.has(peerKey(d.peer)));
    const counted = await this.db
      .selectFrom(this.grouped(owner).as('g'))
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return { dialogs: [...pinned, ...others.slice(0, limit - pinned.length)], count: Number(counted?.n ?? 0) };
  }

  /** Ids of the owner's Saved Messages from `peer` within the bounds, newest first, at most `limit`. */
  async messageIds(owner: bigint, peer: PeerRef, bounds: { maxId: number; minDate?: number; maxDate?: number }, limit: number): Promise<number[]> {
    let q = this.db
      .selectFrom('message_boxes')
      .select('id')
      .where('owner_id', '=', owner)
      .where('peer_type', '=', PEER_USER)
      .where('peer_id', '=', owner)
      .where('saved_peer_type', '=', peer.type)
      .where('saved_peer_id', '=', peer.id);
    if (bounds.maxId > 0) q = q.where('id', '<=', bounds.maxId);
    if (bounds.minDate !== undefined) q = q.where('date', '>=', bounds.minDate);
    if (bounds.maxDate !== undefined) q = q.where('date', '<=', bounds.maxDate);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => Number(r.id));
  }

  /** Pins or unpins; true when that changed something. A new pin goes on top. */
  async setPinned(owner: bigint, peer: PeerRef, pinned: boolean): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const where = (q: any) => q.where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id);
      const existing = await where(tx.selectFrom('saved_dialog_pins').select('position')).executeTakeFirst();
      if (!pinned) {
        if (!existing) return false;
        await where(tx.deleteFrom('saved_dialog_pins')).execute();
        return true;
      }
      if (existing) return false;
      const top = await tx
        .selectFrom('saved_dialog_pins')
        .select([(eb) => eb.fn.max('position').as('p'), (eb) => eb.fn.countAll().as('n')])
        .where('owner_id', '=', owner)
        .executeTakeFirst();
      if (Number(top?.n ?? 0) >= MAX_PINNED_SAVED_DIALOGS) throw new PinLimitError();
      await tx.insertInto('saved_dialog_pins').values({ owner_id: owner, peer_type: peer.type, peer_id: peer.id, position: Number(top?.p ?? 0) + 1 }).execute();
      return true;
    });
  }

  /** Rewrites the pin order; with `force` the pins not in `order` are removed, else they follow it. */
  async reorder(owner: bigint, order: readonly PeerRef[], force: boolean): Promise<PeerRef[]> {
    return this.db.transaction().execute(async (tx) => {
      const current = (await tx.selectFrom('saved_dialog_pins').select(['peer_type', 'peer_id']).where('owner_id', '=', owner).orderBy('position', 'desc').execute()).map(
        (r) => ({ type: Number(r.peer_type) as PeerType, id: BigInt(r.peer_id) }),
      );
      const unique = order.filter((p, i) => order.findIndex((o) => samePeer(o, p)) === i);
      const kept = force ? unique : [...unique.filter((p) => current.some((c) => samePeer(c, p))), ...current.filter((c) => !unique.some((p) => samePeer(p, c)))];
      if (kept.length > MAX_PINNED_SAVED_DIALOGS) throw new PinLimitError();
      await tx.deleteFrom('saved_dialog_pins').where('owner_id', '=', owner).execute();
      for (let i = 0; i < kept.length; i++) {
        await tx.insertInto('saved_dialog_pins').values({ owner_id: owner, peer_type: kept[i]!.type, peer_id: kept[i]!.id, position: kept.length - i }).execute();
      }
      return kept;
    });
  }

  /** Drops the pin of a saved dialog that has no messages left. */
  async dropPinIfEmpty(owner: bigint, peer: PeerRef): Promise<void> {
    if ((await this.messageIds(owner, peer, { maxId: 0 }, 1)).length > 0) return;
    await this.db.deleteFrom('saved_dialog_pins').where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id).execute();
  }
}

/** More pins than MAX_PINNED_SAVED_DIALOGS (the handler answers PINNED_DIALOGS_TOO_MUCH). */
export class PinLimitError extends Error {
  constructor() {
    super('too many pinned saved dialogs');
  }
}

