// The contacts area (core.telegram.org/api/contacts): contact lists with the names their owners chose,
// uploaded phone books (kept so people who sign up later turn up as contacts), block lists and search.
// It answers ContactRelations for the other areas: user views ask contactsOf for every user they build.
import { sql, type Kysely } from 'kysely';
import { RpcError } from '../../common/rpc-error.js';
import type { Tables } from '../../infra/db/schema.js';
import type { Logger } from '../../infra/log.js';
import type { AccountEvents } from '../events.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { Broadcast } from '../../infra/kv/broadcast.js';
import { BlockCache } from './block-cache.js';
import { ContactStore, type BlockScope, type BlockedEntry, type StoredContact, type StoredPhoneBookEntry } from './contact-store.js';
import { normalizePhone } from './phone.js';
import type { BlockCheck, ContactEntry, ContactRelations } from './relations.js';
import { contactsHash } from './vector-hash.js';

export type { StoredContact, StoredPhoneBookEntry, BlockScope, BlockedEntry } from './contact-store.js';
export { contactsHash, vectorHash } from './vector-hash.js';
export { normalizePhone } from './phone.js';

/** Lines past this in one contacts.importContacts call come back in retry_contacts, for a later call. */
export const MAX_IMPORT_PER_CALL = 1000;
/** Names are stored as users' own names are (varchar(64)). */
export const MAX_NAME_LENGTH = 64;
/** contacts.search answers QUERY_TOO_SHORT below this many characters (after a leading '@'). */
export const MIN_SEARCH_QUERY_LENGTH = 3;
export const MAX_SEARCH_LIMIT = 100;
export const DEFAULT_SEARCH_LIMIT = 20;

export interface ContactsDeps {
  db: Kysely<Tables>;
  users: UserStore;
  events: AccountEvents;
  log: Logger;
  now(): number;
}

export interface ImportLine {
  clientId: bigint;
  phone: string;
  firstName: string;
  lastName: string;
}

export interface ImportResult {
  imported: { userId: bigint; clientId: bigint }[];
  /** client_ids the server did not process (over the per-call limit). */
  retry: bigint[];
}

export interface ImportOptions {
  /** May the importer find this user by phone number (the user's addedByPhone privacy)? Everyone when omitted. */
  mayFind?(userId: bigint): Promise<boolean>;
}

export interface SearchResult {
  /** The owner's contacts that match, by their saved name, real name or username. */
  mine: bigint[];
  /** Other users whose username starts with the query. */
  others: bigint[];
}

/** Called when a phone-book upload of `ownerId` turned into a contact because `userId` signed up. */
export type ContactJoinedListener = (ownerId: bigint, user: UserRecord) => void | Promise<void>;

export class ContactsService implements ContactRelations, BlockCheck {
  readonly store: ContactStore;
  private readonly joinedListeners: ContactJoinedListener[] = [];
  /** Blocks in the 'all' scope (every private send and typing notification asks). */
  private readonly blocks: BlockCache;

  constructor(private readonly deps: ContactsDeps) {
    this.store = new ContactStore(deps.db);
    this.blocks = new BlockCache({
      load: (a, b) => this.store.blockersBetween(a, b),
      now: deps.now,
      onBroadcastError: (err, message) => deps.log.warn({ err: err.message, message }, 'block cache invalidation not broadcast'),
    });
    deps.events.on('userSignedUp', ({ user }) => this.onSignedUp(user));
    deps.events.on('userDeleted', async ({ userId }) => {
      try {
        await this.store.forgetUser(userId);
      } finally {
        await this.blocks.userGone(userId);
      }
    });
  }

  /** Shares block cache invalidations with the other nodes (see BlockCache). Resolves once subscribed. */
  shareInvalidations(broadcast: Broadcast): Promise<void> {
    return this.blocks.share(broadcast);
  }

  /**
   * Lets another area react to "someone from your phone book joined" (messaging posts
   * messageActionContactSignUp in the new chat, as Telegram does; updateContactSignUp left the API long ago).
   */
  onContactJoined(listener: ContactJoinedListener): void {
    this.joinedListeners.push(listener);
  }

  async contactsOf(owner: bigint, targets: readonly bigint[]): Promise<Map<bigint, ContactEntry>> {
    const out = new Map<bigint, ContactEntry>();
    if (targets.length === 0) return out;
    for (const [id, c] of await this.store.entriesOf(owner, targets)) out.set(id, { firstName: c.firstName, lastName: c.lastName, phone: c.phone, mutual: c.mutual });
    return out;
  }

  isBlocked(blocker: bigint, target: bigint): Promise<boolean> {
    return this.blocks.isBlocked(blocker, target);
  }

  blockBetween(a: bigint, b: bigint): Promise<bigint | undefined> {
    return this.blocks.between(a, b);
  }

  whoHasContact(userId: bigint): Promise<bigint[]> {
    return this.store.ownersOf(userId);
  }

  list(owner: bigint): Promise<StoredContact[]> {
    return this.store.listOf(owner);
  }

  /** The contact list with saved_count and the hash a client holding this exact list would send. */
  async snapshot(owner: bigint): Promise<{ contacts: StoredContact[]; savedCount: number; hash: bigint }> {
    const [contacts, savedCount] = await Promise.all([this.store.listOf(owner), this.store.phoneBookCount(owner)]);
    return { contacts, savedCount, hash: contactsHash(savedCount, contacts.map((c) => c.contactId)) };
  }

  /**
   * Saves the phone-book lines and makes contacts of the numbers that have accounts. Lines with unusable
   * numbers are skipped; lines past MAX_IMPORT_PER_CALL are left for a retry.
   */
  async importContacts(owner: bigint, lines: readonly ImportLine[], opts: ImportOptions = {}): Promise<ImportResult> {
    const now = this.nowSeconds();
    const batch = lines.slice(0, MAX_IMPORT_PER_CALL);
    const retry = lines.slice(MAX_IMPORT_PER_CALL).map((l) => l.clientId);
    const valid: (ImportLine & { phone: string })[] = [];
    for (const line of batch) {
      const phone = normalizePhone(line.phone);
      if (phone) valid.push({ clientId: line.clientId, phone, firstName: cleanName(line.firstName), lastName: cleanName(line.lastName) });
    }
    await this.store.savePhoneBook(owner, valid, now);

    const found = await this.deps.users.byPhones(valid.map((l) => l.phone));
    const reachable = new Map<string, UserRecord>();
    for (const [phone, user] of found) {
      if (user.id === owner || user.deleted || user.kind !== 'user') continue;
      if (opts.mayFind && !(await opts.mayFind(user.id))) continue;
      reachable.set(phone, user);
    }
    // The last line for a number wins, as a re-upload of a phone book would.
    const lastLine = new Map(valid.map((l) => [l.phone, l]));
    for (const [phone, user] of reachable) {
      const line = lastLine.get(phone)!;
      await this.store.upsertContact(owner, user.id, nameOr(line, user, phone), now);
    }
    const imported = valid.filter((l) => reachable.has(l.phone)).map((l) => ({ userId: reachable.get(l.phone)!.id, clientId: l.clientId }));
    return { imported, retry };
  }

  /** contacts.addContact: adds or renames; true when the user was not a contact before. */
  async addContact(owner: bigint, target: UserRecord, input: { firstName: string; lastName: string; phone: string }): Promise<boolean> {
    if (target.id === owner || target.deleted) throw RpcError.badRequest('CONTACT_ID_INVALID');
    const firstName = cleanName(input.firstName);
    const lastName = cleanName(input.lastName);
    if (!firstName && !lastName) throw RpcError.badRequest('CONTACT_NAME_EMPTY');
    const phone = normalizePhone(input.phone) ?? '';
    return this.store.upsertContact(owner, target.id, { firstName, lastName, phone }, this.nowSeconds());
  }

  /** Returns the ids that were contacts. */
  deleteContacts(owner: bigint, ids: readonly bigint[]): Promise<bigint[]> {
    return this.store.deleteContacts(owner, ids);
  }

  /** Removes contacts with these numbers (theirs or as saved) and the uploaded lines; returns removed contact ids. */
  async deleteByPhones(owner: bigint, rawPhones: readonly string[]): Promise<bigint[]> {
    const phones = rawPhones.map(normalizePhone).filter((p): p is string => p !== undefined);
    if (phones.length === 0) return [];
    const users = await this.deps.users.byPhones(phones);
    const ids = new Set([...[...users.values()].map((u) => u.id), ...(await this.store.contactIdsByPhones(owner, phones))]);
    await this.store.deletePhoneBook(owner, phones);
    return this.store.deleteContacts(owner, [...ids]);
  }

  /** contacts.resetSaved: forgets the uploaded phone book (contacts already made stay). */
  resetSaved(owner: bigint): Promise<void> {
    return this.store.deletePhoneBook(owner);
  }

  savedPhoneBook(owner: bigint): Promise<StoredPhoneBookEntry[]> {
    return this.store.phoneBookOf(owner);
  }

  /** True when the list changed. */
  async block(owner: bigint, peerId: bigint, scope: BlockScope = 'all'): Promise<boolean> {
    if (peerId === owner) throw RpcError.badRequest('CONTACT_ID_INVALID');
    try {
      return await this.store.block(owner, scope, peerId, this.nowSeconds());
    } finally {
      // Also after a failure: whether the list changed is then unknown.
      if (scope === 'all') await this.blocks.pairChanged(owner, peerId);
    }
  }

  async unblock(owner: bigint, peerId: bigint, scope: BlockScope = 'all'): Promise<boolean> {
    if (peerId === owner) throw RpcError.badRequest('CONTACT_ID_INVALID');
    try {
      return await this.store.unblock(owner, scope, peerId);
    } finally {
      if (scope === 'all') await this.blocks.pairChanged(owner, peerId);
    }
  }

  /** Which lists of the owner hold the peer (the two flags of updatePeerBlocked). */
  async blockFlags(owner: bigint, peerId: bigint): Promise<{ blocked: boolean; blockedMyStoriesFrom: boolean }> {
    const [blocked, blockedMyStoriesFrom] = await Promise.all([this.store.isBlocked(owner, peerId, 'all'), this.store.isBlocked(owner, peerId, 'stories')]);
    return { blocked, blockedMyStoriesFrom };
  }

  blocked(owner: bigint, scope: BlockScope, offset: number, limit: number): Promise<{ entries: BlockedEntry[]; count: number }> {
    return this.store.blockedPage(owner, scope, Math.max(0, offset), Math.min(Math.max(0, limit), 100));
  }

  /**
   * contacts.search: the owner's contacts by any word of their saved or real name or by username prefix,
   * and other users by username prefix (names of strangers are not searchable, as in Telegram).
   */
  async search(owner: bigint, rawQuery: string, rawLimit: number): Promise<SearchResult> {
    const query = rawQuery.trim().replace(/^@/, '').toLowerCase();
    if (query.length === 0) throw RpcError.badRequest('SEARCH_QUERY_EMPTY');
    if ([...query].length < MIN_SEARCH_QUERY_LENGTH) throw RpcError.badRequest('QUERY_TOO_SHORT');
    const limit = rawLimit <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(rawLimit, MAX_SEARCH_LIMIT);

    const contacts = await this.store.listOf(owner);
    const records = await this.deps.users.byIds(contacts.map((c) => c.contactId));
    const mine: bigint[] = [];
    for (const c of contacts) {
      const user = records.get(c.contactId);
      if (!user || user.deleted) continue;
      const words = [c.firstName, c.lastName, user.firstName, user.lastName].flatMap((n) => n.toLowerCase().split(/\s+/));
      const fullNames = [`${c.firstName} ${c.lastName}`, `${user.firstName} ${user.lastName}`].map((n) => n.toLowerCase());
      if (words.some((w) => w.startsWith(query)) || fullNames.some((n) => n.startsWith(query)) || user.username?.toLowerCase().startsWith(query)) mine.push(c.contactId);
      if (mine.length >= limit) break;
    }

    const contactIds = new Set(contacts.map((c) => c.contactId));
    const rows = await this.deps.db
      .selectFrom('users')
      .select(['id', 'username_lower'])
      .where(sql<boolean>`username_lower like ${likePrefix(query)} escape '!'`)
      .where('deleted', '=', 0n)
      .where('banned', '=', 0n)
      // Shortest first puts the exact match on top; contacts may take up to `limit` of the rows.
      .orderBy(sql`length(username_lower)`)
      .orderBy('id')
      .limit(limit + contactIds.size)
      .execute();
    const others = rows
      .map((r) => BigInt(r.id))
      .filter((id) => !contactIds.has(id))
      .slice(0, limit);
    return { mine, others };
  }

  private async onSignedUp(user: UserRecord): Promise<void> {
    if (!user.phone) return;
    const entries = await this.store.phoneBookEntriesFor(user.phone);
    const now = this.nowSeconds();
    for (const entry of entries) {
      if (entry.ownerId === user.id) continue;
      await this.store.upsertContact(entry.ownerId, user.id, nameOr(entry, user, user.phone), now);
      for (const listener of this.joinedListeners) {
        try {
          await listener(entry.ownerId, user);
        } catch (err) {
          this.deps.log.error({ err, ownerId: entry.ownerId, userId: user.id }, 'contact joined listener failed');
        }
      }
    }
    if (entries.length > 0) this.deps.log.info({ userId: user.id, importers: entries.length }, 'new user added to the contacts of earlier importers');
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }
}

/** Trimmed and cut to MAX_NAME_LENGTH characters (code points, not UTF-16 units). */
function cleanName(name: string): string {
  const trimmed = name.trim();
  const chars = [...trimmed];
  return chars.length > MAX_NAME_LENGTH ? chars.slice(0, MAX_NAME_LENGTH).join('').trimEnd() : trimmed;
}

/** The saved name, or the user's own when the phone book line had none. */
function nameOr(line: { firstName: string; lastName: string }, user: UserRecord, phone: string): { firstName: string; lastName: string; phone: string } {
  const firstName = cleanName(line.firstName);
  const lastName = cleanName(line.lastName);
  if (firstName || lastName) return { firstName, lastName, phone };
  return { firstName: user.firstName, lastName: user.lastName, phone };
}

/** A LIKE pattern matching strings that start with `prefix`, with '!' as the escape character. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
