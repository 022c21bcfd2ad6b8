// Users in the SQL store.
import type { Kysely, Selectable } from 'kysely';
import type { Tables, UsersTable } from '../../infra/db/schema.js';
import type { IdGenerator } from '../idgen.js';
import { param, prepare, type Prepared } from '../../infra/db/prepared.js';

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

function toRecord(row: Selectable<UsersTable>): UserRecord {
  return {
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
  };
}

export class UserStore {
  /** Looked up on every message sent (the peer): compiled once. */
  private readonly byIdStatement: Prepared<Selectable<UsersTable>>;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly ids: IdGenerator,
  ) {
    this.byIdStatement = prepare(db.selectFrom('users').selectAll().where('id', '=', param<bigint>(0)));
  }

  async byId(id: bigint): Promise<UserRecord | undefined> {
    const { rows } = await this.db.executeQuery(this.byIdStatement.bind([id]));
    return rows[0] && toRecord(rows[0]);
  }

  async byIds(ids: readonly bigint[]): Promise<Map<bigint, UserRecord>> {
    const out = new Map<bigint, UserRecord>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    for (const row of rows) out.set(BigInt(row.id), toRecord(row));
    return out;
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
    await this.db.updateTable('users').set(values).where('id', '=', id).execute();
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
    }
  }

  async list(opts: { limit: number; offset?: number }): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('id').limit(opts.limit).offset(opts.offset ?? 0).execute();
    return rows.map(toRecord);
  }
}
