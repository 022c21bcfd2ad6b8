// Users in the SQL store. Records by id are cached in memory (every private send looks up its peer, every
// user object built reads its user): every write goes through this store and drops the entry, and with
// several nodes the write is announced on a broadcast channel so the other nodes drop theirs too.
import type { Kysely, Selectable } from 'kysely';
import type { Tables, UsersTable } from '../../infra/db/schema.js';
import type { IdGenerator } from '../idgen.js';
import type { Broadcast } from '../../infra/kv/broadcast.js';
import { param, prepare, type Prepared } from '../../infra/db/prepared.js';
import { BoundedCache } from '../../common/bounded-cache.js';

export interface UserRecord {
  id: bigint;
  /** Digits only, no '+'; null for deleted accounts. */
  phone: string | null;
  firstName: string;
  lastName: string;
  username: string | null;
  about: string;
  createdAt: number;
  /** Unix seconds of the last activity (0 = never). */
  lastSeenAt: number;
  deleted: boolean;
  banned: boolean;
  kind: 'user' | 'service' | 'bot';
}

export interface NewUser {
  phone: string;
  firstName: string;
  lastName?: string;
  createdAt: number;
  kind?: UserRecord['kind'];
  /** Fixed id (service accounts); otherwise one comes from idgen. */
  id?: bigint;
}

export type UserPatch = Partial<Pick<UserRecord, 'firstName' | 'lastName' | 'about' | 'lastSeenAt' | 'deleted' | 'banned' | 'phone'>>;

/** First user ids are above this, as Telegram's are far from 0. */
export const USER_ID_FLOOR = 1_000_000n;

/** The broadcast channel telling every node whose `users` row changed (the message is the user's id). */
export const USERS_INVALIDATION_CHANNEL = 'echo:users';

export interface UserStoreOptions {
  /** Records kept in memory (least recently used dropped first). */
  cacheEntries?: number;
  /**
   * How long a cached record is trusted (ms): heals an invalidation another node announced while this one
   * was not subscribed, and a write made by another process (the `echod users ban` command).
   */
  cacheMaxAgeMs?: number;
  now?: () => number;
  /** Told when an announcement of a change could not be sent. */
  onBroadcastError?: (err: Error, userId: bigint) => void;
}

export const USER_CACHE_ENTRIES = 100_000;
export const USER_CACHE_MAX_AGE_MS = 60_000;

/** Cached records are shared by every reader: frozen, so that none can change another's copy. */
function toRecord(row: Selectable<UsersTable>): UserRecord {
  return Object.freeze({
    id: BigInt(row.id),
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    about: row.about,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    deleted: Number(row.deleted) !== 0,
    banned: Number(row.banned) !== 0,
    kind: row.kind,
  });
}

export class UserStore {
  /** Looked up on every message sent (the peer): compiled once. */
  private readonly byIdStatement: Prepared<Selectable<UsersTable>>;
  /** Existing users only: an unknown id is asked again (it may be created meanwhile, on another node). */
  private readonly cache: BoundedCache<bigint, UserRecord | undefined>;
  private invalidations: Broadcast | undefined;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly ids: IdGenerator,
    private readonly opts: UserStoreOptions = {},
  ) {
    this.byIdStatement = prepare(db.selectFrom('users').selectAll().where('id', '=', param<bigint>(0)));
    this.cache = new BoundedCache({ maxEntries: opts.cacheEntries ?? USER_CACHE_ENTRIES, maxAgeMs: opts.cacheMaxAgeMs ?? USER_CACHE_MAX_AGE_MS, now: opts.now ?? Date.now });
  }

  /**
   * Shares invalidations with the other nodes: writes made here are announced on `broadcast`, and
   * announcements from anywhere drop the user's cached record here. Resolves once subscribed.
   */
  async shareInvalidations(broadcast: Broadcast): Promise<void> {
    this.invalidations = broadcast;
    await broadcast.subscribe(USERS_INVALIDATION_CHANNEL, (message) => {
      if (/^\d+$/.test(message)) this.cache.delete(BigInt(message));
    });
  }

  byId(id: bigint): Promise<UserRecord | undefined> {
    return this.cache.get(id, () => this.queryById(id), exists);
  }

  async byIds(ids: readonly bigint[]): Promise<Map<bigint, UserRecord>> {
    const out = new Map<bigint, UserRecord>();
    if (ids.length === 0) return out;
    const cached: Promise<UserRecord | undefined>[] = [];
    const missing: bigint[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.peek(id);
      if (hit) cached.push(hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      // One query for every id not cached; each id's entry waits on it.
      const loaded = this.queryByIds(missing);
      for (const id of missing) cached.push(this.cache.set(id, loaded.then((rows) => rows.get(id)), exists));
    }
    for (const record of await Promise.all(cached)) if (record) out.set(record.id, record);
    return out;
  }

  private async queryById(id: bigint): Promise<UserRecord | undefined> {
    const { rows } = await this.db.executeQuery(this.byIdStatement.bind([id]));
    return rows[0] && toRecord(rows[0]);
  }

  private async queryByIds(ids: readonly bigint[]): Promise<Map<bigint, UserRecord>> {
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [BigInt(row.id), toRecord(row)]));
  }

  /** Drops the cached record here and, once the write is stored, on every other node. */
  private async changed(id: bigint): Promise<void> {
    this.cache.delete(id);
    // The write is stored: a failed announcement must not make it look failed. Other nodes then keep the
    // old record until their entry ages out (cacheMaxAgeMs).
    await this.invalidations?.publish(USERS_INVALIDATION_CHANNEL, id.toString()).catch((err: Error) => this.opts.onBroadcastError?.(err, id));
  }

  async byPhone(phone: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('phone', '=', phone).executeTakeFirst();
    return row && toRecord(row);
  }

  async byPhones(phones: readonly string[]): Promise<Map<string, UserRecord>> {
    const out = new Map<string, UserRecord>();
    if (phones.length === 0) return out;
    const rows = await this.db.selectFrom('users').selectAll().where('phone', 'in', [...new Set(phones)]).execute();
    for (const row of rows) out.set(row.phone!, toRecord(row));
    return out;
  }

  async byUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return row && toRecord(row);
  }

  async create(user: NewUser): Promise<UserRecord> {
    const id = user.id ?? (await this.ids.next('user'));
    await this.db
      .insertInto('users')
      .values({ id, phone: user.phone, first_name: user.firstName, last_name: user.lastName ?? '', created_at: user.createdAt, kind: user.kind ?? 'user' })
      .execute();
    // A lookup of this id may have been in flight (a guessed id): it must not stand for the new row.
    this.cache.delete(id);
    return (await this.byId(id))!;
  }

  async update(id: bigint, patch: UserPatch): Promise<void> {
    const values: Record<string, unknown> = {};
    if (patch.firstName !== undefined) values.first_name = patch.firstName;
    if (patch.lastName !== undefined) values.last_name = patch.lastName;
    if (patch.about !== undefined) values.about = patch.about;
    if (patch.lastSeenAt !== undefined) values.last_seen_at = patch.lastSeenAt;
    if (patch.deleted !== undefined) values.deleted = patch.deleted ? 1 : 0;
    if (patch.banned !== undefined) values.banned = patch.banned ? 1 : 0;
    if (patch.phone !== undefined) values.phone = patch.phone;
    if (Object.keys(values).length === 0) return;
    try {
      await this.db.updateTable('users').set(values).where('id', '=', id).execute();
    } finally {
      // Also after a failure: whether the row changed is then unknown.
      await this.changed(id);
    }
  }

  /** Sets or clears the username; false when another user holds it (case-insensitively). */
  async setUsername(id: bigint, username: string | null): Promise<boolean> {
    try {
      await this.db
        .updateTable('users')
        .set({ username, username_lower: username?.toLowerCase() ?? null })
        .where('id', '=', id)
        .execute();
      return true;
    } catch (err) {
      if (/UNIQUE|Duplicate/i.test((err as Error).message)) return false;
      throw err;
    } finally {
      await this.changed(id);
    }
  }

  async list(opts: { limit: number; offset?: number }): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('id').limit(opts.limit).offset(opts.offset ?? 0).execute();
    return rows.map(toRecord);
  }
}

const exists = (record: UserRecord | undefined): boolean => record !== undefined;
