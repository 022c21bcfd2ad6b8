// Auth keys outlive connections and restarts: a client that reconnects with a known auth_key_id must find
// its key again, and a temp key must find the perm key it was bound to (auth.bindTempAuthKey).
import type { Kysely, Selectable } from 'kysely';
import type { AuthKeysTable, Tables } from './schema.js';

export type AuthKeyKind = 'perm' | 'temp';

export interface StoredAuthKey {
  /** Signed 64-bit, as read from the wire. */
  id: bigint;
  /** 256 bytes. */
  key: Buffer;
  kind: AuthKeyKind;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds; null for perm keys. */
  expiresAt: number | null;
  /** For a temp key bound with auth.bindTempAuthKey. */
  permAuthKeyId: bigint | null;
  /** Set once the key has signed in. */
  userId: bigint | null;
}

export interface NewAuthKey {
  id: bigint;
  key: Buffer;
  kind: AuthKeyKind;
  createdAt: number;
  /** Required for temp keys, absent for perm keys. */
  expiresAt?: number;
}

/** What the client said about itself in initConnection. Strings longer than the columns are cut. */
export interface ClientInfo {
  layer: number | null;
  apiId: number | null;
  deviceModel: string | null;
  systemVersion: string | null;
  appVersion: string | null;
  systemLangCode: string | null;
  langPack: string | null;
  langCode: string | null;
  ip: string | null;
  /** Unix seconds. */
  updatedAt: number;
}

export interface AuthKeyStore {
  get(id: bigint): Promise<StoredAuthKey | undefined>;
  /** Throws if the id exists already. */
  create(key: NewAuthKey): Promise<void>;
  /** Binds a temp key to a perm key; false when either is missing or of the wrong kind. */
  bindTemp(tempId: bigint, permId: bigint, expiresAt: number): Promise<boolean>;
  /** The perm key a temp key is bound to. */
  getPermFor(tempId: bigint): Promise<StoredAuthKey | undefined>;
  /** Replaces the stored client info of a key; the key must exist. */
  saveClientInfo(id: bigint, info: ClientInfo): Promise<void>;
  getClientInfo(id: bigint): Promise<ClientInfo | undefined>;
  /** Removes a key and its client info; temp keys bound to it lose the binding. False if it did not exist. */
  delete(id: bigint): Promise<boolean>;
  /** Removes keys whose expiry is at or before `now` (unix seconds); returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Signs a perm key in (userId) or out (null). */
  setUser(permId: bigint, userId: bigint | null): Promise<void>;
  /** The perm keys signed in as `userId`, with their client info: the user's authorizations. */
  listForUser(userId: bigint): Promise<(StoredAuthKey & { clientInfo?: ClientInfo })[]>;
}

const AUTH_KEY_BYTES = 256;

// Column widths of 0001_auth_keys; cutting here keeps SQLite and MySQL (which would reject) in agreement.
const TEXT_LIMITS = {
  deviceModel: 255,
  systemVersion: 255,
  appVersion: 255,
  systemLangCode: 32,
  langPack: 64,
  langCode: 32,
  ip: 64,
} as const;

/** Works on any Kysely dialect whose driver returns 64-bit integers as bigint (see open.ts). */
export class SqlAuthKeyStore implements AuthKeyStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(id: bigint): Promise<StoredAuthKey | undefined> {
    const row = await this.db.selectFrom('auth_keys').selectAll().where('auth_key_id', '=', id).executeTakeFirst();
    return row && toStored(row);
  }

  async create(key: NewAuthKey): Promise<void> {
    if (key.key.length !== AUTH_KEY_BYTES) throw new RangeError(`auth key must be ${AUTH_KEY_BYTES} bytes, got ${key.key.length}`);
    if (key.kind === 'temp' && key.expiresAt === undefined) throw new RangeError('a temp auth key needs expiresAt');
    if (key.kind === 'perm' && key.expiresAt !== undefined) throw new RangeError('a perm auth key does not expire');
    await this.db
      .insertInto('auth_keys')
      .values({
        auth_key_id: key.id,
        auth_key: key.key,
        kind: key.kind,
        created_at: key.createdAt,
        expires_at: key.expiresAt ?? null,
      })
      .execute();
  }

  async bindTemp(tempId: bigint, permId: bigint, expiresAt: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const perm = await trx
        .selectFrom('auth_keys')
        .select('auth_key_id')
        .where('auth_key_id', '=', permId)
        .where('kind', '=', 'perm')
        .executeTakeFirst();
      if (!perm) return false;
      const result = await trx
        .updateTable('auth_keys')
        .set({ perm_auth_key_id: permId, expires_at: expiresAt })
        .where('auth_key_id', '=', tempId)
        .where('kind', '=', 'temp')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  async getPermFor(tempId: bigint): Promise<StoredAuthKey | undefined> {
    const row = await this.db
      .selectFrom('auth_keys as temp')
      .innerJoin('auth_keys as perm', 'perm.auth_key_id', 'temp.perm_auth_key_id')
      .selectAll('perm')
      .where('temp.auth_key_id', '=', tempId)
      .where('temp.kind', '=', 'temp')
      .executeTakeFirst();
    return row && toStored(row);
  }

  async saveClientInfo(id: bigint, info: ClientInfo): Promise<void> {
    const row = {
      layer: info.layer,
      api_id: info.apiId,
      device_model: cut(info.deviceModel, TEXT_LIMITS.deviceModel),
      system_version: cut(info.systemVersion, TEXT_LIMITS.systemVersion),
      app_version: cut(info.appVersion, TEXT_LIMITS.appVersion),
      system_lang_code: cut(info.systemLangCode, TEXT_LIMITS.systemLangCode),
      lang_pack: cut(info.langPack, TEXT_LIMITS.langPack),
      lang_code: cut(info.langCode, TEXT_LIMITS.langCode),
      ip: cut(info.ip, TEXT_LIMITS.ip),
      updated_at: info.updatedAt,
    };
    // Update-then-insert instead of an upsert clause: SQLite and MySQL spell upserts differently.
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('client_info').set(row).where('auth_key_id', '=', id).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) await trx.insertInto('client_info').values({ auth_key_id: id, ...row }).execute();
    });
  }

  async getClientInfo(id: bigint): Promise<ClientInfo | undefined> {
    const row = await this.db.selectFrom('client_info').selectAll().where('auth_key_id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return {
      layer: toNumberOrNull(row.layer),
      apiId: toNumberOrNull(row.api_id),
      deviceModel: row.device_model,
      systemVersion: row.system_version,
      appVersion: row.app_version,
      systemLangCode: row.system_lang_code,
      langPack: row.lang_pack,
      langCode: row.lang_code,
      ip: row.ip,
      updatedAt: Number(row.updated_at),
    };
  }

  async delete(id: bigint): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('client_info').where('auth_key_id', '=', id).execute();
      await trx.updateTable('auth_keys').set({ perm_auth_key_id: null }).where('perm_auth_key_id', '=', id).execute();
      const result = await trx.deleteFrom('auth_keys').where('auth_key_id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async setUser(permId: bigint, userId: bigint | null): Promise<void> {
    await this.db.updateTable('auth_keys').set({ user_id: userId }).where('auth_key_id', '=', permId).execute();
  }

  async listForUser(userId: bigint): Promise<(StoredAuthKey & { clientInfo?: ClientInfo })[]> {
    const rows = await this.db.selectFrom('auth_keys').selectAll().where('user_id', '=', userId).where('kind', '=', 'perm').orderBy('created_at').execute();
    const out: (StoredAuthKey & { clientInfo?: ClientInfo })[] = [];
    for (const row of rows) {
      const key = toStored(row);
      out.push({ ...key, clientInfo: await this.getClientInfo(key.id) });
    }
    return out;
  }

  async deleteExpired(now: number): Promise<number> {
    const cutoff = BigInt(Math.floor(now));
    return this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('client_info')
        .where('auth_key_id', 'in', (qb) => qb.selectFrom('auth_keys').select('auth_key_id').where('expires_at', '<=', cutoff))
        .execute();
      const result = await trx.deleteFrom('auth_keys').where('expires_at', '<=', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}

function toStored(row: Selectable<AuthKeysTable>): StoredAuthKey {
  return {
    id: BigInt(row.auth_key_id),
    key: Buffer.from(row.auth_key),
    kind: row.kind,
    createdAt: Number(row.created_at),
    expiresAt: toNumberOrNull(row.expires_at),
    permAuthKeyId: row.perm_auth_key_id === null ? null : BigInt(row.perm_auth_key_id),
    userId: row.user_id === null ? null : BigInt(row.user_id),
  };
}

function toNumberOrNull(value: bigint | number | null): number | null {
  return value === null ? null : Number(value);
}

function cut(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  // Do not split a surrogate pair.
  return Array.from(value).slice(0, max).join('');
}
