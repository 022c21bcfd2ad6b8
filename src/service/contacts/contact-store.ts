// SQL access for contact lists, uploaded phone books and block lists. Upserts are update-then-insert in a
// transaction, so the same statements run on SQLite and MySQL.
import { param, prepare } from '../../infra/db/prepared.js';
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';

export interface StoredContact {
  contactId: bigint;
  firstName: string;
  lastName: string;
  phone: string;
  /** The contact has the owner saved too. */
  mutual: boolean;
  createdAt: number;
}

export interface ContactInput {
  firstName: string;
  lastName: string;
  phone: string;
}

export interface PhoneBookEntry {
  phone: string;
  firstName: string;
  lastName: string;
  clientId: bigint;
}

export interface StoredPhoneBookEntry extends PhoneBookEntry {
  ownerId: bigint;
  createdAt: number;
}

export type BlockScope = 'all' | 'stories';

export interface BlockedEntry {
  peerId: bigint;
  /** Unix seconds. */
  date: number;
}

/** Bound parameters per statement stay far below every engine's limit. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class ContactStore {
  /** Asked twice for every message sent (both directions): compiled once. */
  private readonly isBlockedStatement;
  private readonly blockBetweenStatement;

  constructor(private readonly db: Kysely<Tables>) {
    this.isBlockedStatement = prepare(
      db.selectFrom('blocked_peers').select('peer_id').where('owner_id', '=', param<bigint>(0)).where('scope', '=', param<BlockScope>(1)).where('peer_id', '=', param<bigint>(2)),
    );
    // Both directions of a private chat's check (every send) in one statement: two primary-key probes.
    this.blockBetweenStatement = prepare(
      db
        .selectFrom('blocked_peers')
        .select('owner_id')
        .where('scope', '=', 'all')
        .where((eb) =>
          eb.or([
            eb.and([eb('owner_id', '=', param<bigint>(0)), eb('peer_id', '=', param<bigint>(1))]),
            eb.and([eb('owner_id', '=', param<bigint>(1)), eb('peer_id', '=', param<bigint>(0))]),
          ]),
        ),
    );
  }

  /** The owner's entries among `targets`, with the mutual flag, in one join per chunk. */
  async entriesOf(owner: bigint, targets: readonly bigint[]): Promise<Map<bigint, StoredContact>> {
    const out = new Map<bigint, StoredContact>();
    for (const part of chunks([...new Set(targets)])) {
      const rows = await this.selectContacts(owner).where('c.contact_id', 'in', part).execute();
      for (const row of rows) out.set(BigInt(row.contact_id), toContact(row));
    }
    return out;
  }

  /** The whole contact list, ordered by user id. */
  async listOf(owner: bigint): Promise<StoredContact[]> {
    const rows = await this.selectContacts(owner).orderBy('c.contact_id').execute();
    return rows.map(toContact);
  }

  async ownersOf(contactId: bigint): Promise<bigint[]> {
    const rows = await this.db.selectFrom('contacts').select('owner_id').where('contact_id', '=', contactId).orderBy('owner_id').execute();
    return rows.map((r) => BigInt(r.owner_id));
  }

  /** Adds or renames a contact; true when it was not a contact before. */
  async upsertContact(owner: bigint, contactId: bigint, input: ContactInput, nowSeconds: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('contacts')
        .set({ first_name: input.firstName, last_name: input.lastName, phone: input.phone })
        .where('owner_id', '=', owner)
        .where('contact_id', '=', contactId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return false;
      await tx
        .insertInto('contacts')
        .values({ owner_id: owner, contact_id: contactId, first_name: input.firstName, last_name: input.lastName, phone: input.phone, created_at: nowSeconds })
        .execute();
      return true;
    });
  }

  /** Removes the given contacts; returns the ids that were contacts. */
  async deleteContacts(owner: bigint, contactIds: readonly bigint[]): Promise<bigint[]> {
    const removed: bigint[] = [];
    for (const part of chunks([...new Set(contactIds)])) {
      await this.db.transaction().execute(async (tx) => {
        const rows = await tx.selectFrom('contacts').select('contact_id').where('owner_id', '=', owner).where('contact_id', 'in', part).execute();
        if (rows.length === 0) return;
        const ids = rows.map((r) => BigInt(r.contact_id));
        await tx.deleteFrom('contacts').where('owner_id', '=', owner).where('contact_id', 'in', ids).execute();
        removed.push(...ids);
      });
    }
    return removed;
  }

  /** The owner's contacts saved under one of `phones`. */
  async contactIdsByPhones(owner: bigint, phones: readonly string[]): Promise<bigint[]> {
    const out: bigint[] = [];
    for (const part of chunks([...new Set(phones)])) {
      const rows = await this.db.selectFrom('contacts').select('contact_id').where('owner_id', '=', owner).where('phone', 'in', part).execute();
      out.push(...rows.map((r) => BigInt(r.contact_id)));
    }
    return out;
  }

  /** Saves phone-book lines (a line for a number already uploaded replaces it). */
  async savePhoneBook(owner: bigint, entries: readonly PhoneBookEntry[], nowSeconds: number): Promise<void> {
    const byPhone = new Map(entries.map((e) => [e.phone, e]));
    for (const part of chunks([...byPhone.keys()])) {
      await this.db.transaction().execute(async (tx) => {
        const existing = await tx.selectFrom('phone_book').select('phone').where('owner_id', '=', owner).where('phone', 'in', part).execute();
        const known = new Set(existing.map((r) => r.phone));
        for (const phone of known) {
          const e = byPhone.get(phone)!;
          await tx
            .updateTable('phone_book')
            .set({ first_name: e.firstName, last_name: e.lastName, client_id: e.clientId })
            .where('owner_id', '=', owner)
            .where('phone', '=', phone)
            .execute();
        }
        const fresh = part.filter((p) => !known.has(p)).map((p) => byPhone.get(p)!);
        if (fresh.length > 0) {
          await tx
            .insertInto('phone_book')
            .values(fresh.map((e) => ({ owner_id: owner, phone: e.phone, first_name: e.firstName, last_name: e.lastName, client_id: e.clientId, created_at: nowSeconds })))
            .execute();
        }
      });
    }
  }

  async phoneBookOf(owner: bigint): Promise<StoredPhoneBookEntry[]> {
    const rows = await this.db.selectFrom('phone_book').selectAll().where('owner_id', '=', owner).orderBy('created_at').orderBy('phone').execute();
    return rows.map(toPhoneBookEntry);
  }

  async phoneBookCount(owner: bigint): Promise<number> {
    const row = await this.db.selectFrom('phone_book').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', owner).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every upload of `phone`, by any owner. */
  async phoneBookEntriesFor(phone: string): Promise<StoredPhoneBookEntry[]> {
    const rows = await this.db.selectFrom('phone_book').selectAll().where('phone', '=', phone).orderBy('owner_id').execute();
    return rows.map(toPhoneBookEntry);
  }

  /** Forgets uploaded lines: the given numbers, or all of them. */
  async deletePhoneBook(owner: bigint, phones?: readonly string[]): Promise<void> {
    if (!phones) {
      await this.db.deleteFrom('phone_book').where('owner_id', '=', owner).execute();
      return;
    }
    for (const part of chunks([...new Set(phones)])) {
      await this.db.deleteFrom('phone_book').where('owner_id', '=', owner).where('phone', 'in', part).execute();
    }
  }

  /** True when the peer was not on the list before. */
  async block(owner: bigint, scope: BlockScope, peerId: bigint, nowSeconds: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('blocked_peers').select('peer_id').where('owner_id', '=', owner).where('scope', '=', scope).where('peer_id', '=', peerId).executeTakeFirst();
      if (row) return false;
      await tx.insertInto('blocked_peers').values({ owner_id: owner, scope, peer_id: peerId, created_at: nowSeconds }).execute();
      return true;
    });
  }

  /** True when the peer was on the list. */
  async unblock(owner: bigint, scope: BlockScope, peerId: bigint): Promise<boolean> {
    const res = await this.db.deleteFrom('blocked_peers').where('owner_id', '=', owner).where('scope', '=', scope).where('peer_id', '=', peerId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async isBlocked(owner: bigint, peerId: bigint, scope: BlockScope = 'all'): Promise<boolean> {
    const { rows } = await this.db.executeQuery(this.isBlockedStatement.bind([owner, scope, peerId]));
    return rows.length > 0;
  }

  /** Which of `a` and `b` have blocked the other (scope 'all'): none, one or both. */
  async blockersBetween(a: bigint, b: bigint): Promise<bigint[]> {
    const { rows } = await this.db.executeQuery(this.blockBetweenStatement.bind([a, b]));
    return rows.map((r) => BigInt(r.owner_id));
  }

  /** Newest first. */
  async blockedPage(owner: bigint, scope: BlockScope, offset: number, limit: number): Promise<{ entries: BlockedEntry[]; count: number }> {
    const countRow = await this.db
      .selectFrom('blocked_peers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', owner)
      .where('scope', '=', scope)
      .executeTakeFirstOrThrow();
    const rows =
      limit > 0
        ? await this.db
            .selectFrom('blocked_peers')
            .select(['peer_id', 'created_at'])
            .where('owner_id', '=', owner)
            .where('scope', '=', scope)
            .orderBy('created_at', 'desc')
            .orderBy('peer_id', 'desc')
            .limit(limit)
            .offset(offset)
            .execute()
        : [];
    return { entries: rows.map((r) => ({ peerId: BigInt(r.peer_id), date: Number(r.created_at) })), count: Number(countRow.n) };
  }

  /** Removes every trace of a deleted account: its lists, and its place in everyone else's. */
  async forgetUser(userId: bigint): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('contacts').where('owner_id', '=', userId).execute();
      await tx.deleteFrom('contacts').where('contact_id', '=', userId).execute();
      await tx.deleteFrom('phone_book').where('owner_id', '=', userId).execute();
      await tx.deleteFrom('blocked_peers').where('owner_id', '=', userId).execute();
    });
  }

  private selectContacts(owner: bigint) {
    return this.db
      .selectFrom('contacts as c')
      .leftJoin('contacts as r', (j) => j.onRef('r.owner_id', '=', 'c.contact_id').onRef('r.contact_id', '=', 'c.owner_id'))
      .select(['c.contact_id', 'c.first_name', 'c.last_name', 'c.phone', 'c.created_at', 'r.owner_id as back_owner'])
      .where('c.owner_id', '=', owner);
  }
}

interface ContactRow {
  contact_id: bigint;
  first_name: string;
  last_name: string;
  phone: string;
  created_at: bigint;
  back_owner: bigint | null;
}

function toContact(row: ContactRow): StoredContact {
  return {
    contactId: BigInt(row.contact_id),
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    mutual: row.back_owner !== null,
    createdAt: Number(row.created_at),
  };
}

function toPhoneBookEntry(row: { owner_id: bigint; phone: string; first_name: string; last_name: string; client_id: bigint; created_at: bigint }): StoredPhoneBookEntry {
  return {
    ownerId: BigInt(row.owner_id),
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    clientId: BigInt(row.client_id),
    createdAt: Number(row.created_at),
  };
}
