// The devices (perm auth keys) signed in to accounts, read straight from the auth key tables: the API
// (account.getAuthorizations) and the admin CLI both list and sign out devices through this.
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { DEFAULT_AUTHORIZATION_TTL_DAYS } from './limits.js';

/** What the device said about itself in initConnection (its latest, from the perm key or a bound temp key). */
export interface DeviceClient {
  apiId: number | null;
  deviceModel: string;
  systemVersion: string;
  appVersion: string;
  langPack: string;
  ip: string;
  /** Unix seconds. */
  updatedAt: number;
}

export interface Device {
  permKeyId: bigint;
  userId: bigint | null;
  /** Unix seconds. */
  createdAt: number;
  client?: DeviceClient;
}

export class DeviceDirectory {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Signed-in devices, oldest first; of one user when `userId` is given. */
  async list(opts: { userId?: bigint } = {}): Promise<Device[]> {
    let q = this.db.selectFrom('auth_keys').select(['auth_key_id', 'user_id', 'created_at']).where('kind', '=', 'perm').where('user_id', 'is not', null);
    if (opts.userId !== undefined) q = q.where('user_id', '=', opts.userId);
    const rows = await q.orderBy('created_at').orderBy('auth_key_id').execute();
    return this.withClients(rows);
  }

  /** A perm key, signed in or not. */
  async get(permKeyId: bigint): Promise<Device | undefined> {
    const rows = await this.db
      .selectFrom('auth_keys')
      .select(['auth_key_id', 'user_id', 'created_at'])
      .where('auth_key_id', '=', permKeyId)
      .where('kind', '=', 'perm')
      .execute();
    return (await this.withClients(rows))[0];
  }

  private async withClients(rows: { auth_key_id: bigint; user_id: bigint | null; created_at: bigint }[]): Promise<Device[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => BigInt(r.auth_key_id));
    // A client using PFS sends initConnection over its temp key, so the info is stored under the temp key id.
    const infos = await this.db
      .selectFrom('client_info')
      .innerJoin('auth_keys', 'auth_keys.auth_key_id', 'client_info.auth_key_id')
      .select([
        'auth_keys.auth_key_id as key_id',
        'auth_keys.perm_auth_key_id as perm_id',
        'client_info.api_id',
        'client_info.device_model',
        'client_info.system_version',
        'client_info.app_version',
        'client_info.lang_pack',
        'client_info.ip',
        'client_info.updated_at',
      ])
      .where((eb) => eb.or([eb('auth_keys.auth_key_id', 'in', ids), eb('auth_keys.perm_auth_key_id', 'in', ids)]))
      .execute();
    const latest = new Map<bigint, DeviceClient>();
    for (const info of infos) {
      const owner = BigInt(info.perm_id ?? info.key_id);
      const client: DeviceClient = {
        apiId: info.api_id === null ? null : Number(info.api_id),
        deviceModel: info.device_model ?? '',
        systemVersion: info.system_version ?? '',
        appVersion: info.app_version ?? '',
        langPack: info.lang_pack ?? '',
        ip: info.ip ?? '',
        updatedAt: Number(info.updated_at),
      };
      const seen = latest.get(owner);
      if (!seen || client.updatedAt >= seen.updatedAt) latest.set(owner, client);
    }
    return rows.map((r) => {
      const permKeyId = BigInt(r.auth_key_id);
      const client = latest.get(permKeyId);
      return { permKeyId, userId: r.user_id === null ? null : BigInt(r.user_id), createdAt: Number(r.created_at), ...(client ? { client } : {}) };
    });
  }

  /**
   * Signs a device out in the database and leaves a note for the running server, which keeps sign-in
   * state in memory and kicks the device when it sees the note (see RevocationWatch). For processes
   * other than the server (the admin CLI); the server itself uses SignInControl.
   */
  async revoke(permKeyId: bigint, reason: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('auth_keys')
        .set({ user_id: null })
        .where('auth_key_id', '=', permKeyId)
        .where('kind', '=', 'perm')
        .where('user_id', 'is not', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      const updated = await trx.updateTable('auth_revocations').set({ revoked_at: now, reason }).where('perm_auth_key_id', '=', permKeyId).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) await trx.insertInto('auth_revocations').values({ perm_auth_key_id: permKeyId, revoked_at: now, reason }).execute();
      return true;
    });
  }

  /** Revocation notes left by other processes, removed as they are read; only keys still signed out count. */
  async takeRevocations(): Promise<bigint[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('auth_revocations')
        .leftJoin('auth_keys', 'auth_keys.auth_key_id', 'auth_revocations.perm_auth_key_id')
        .select(['auth_revocations.perm_auth_key_id as id', 'auth_keys.user_id as user_id'])
        .execute();
      if (rows.length === 0) return [];
      await trx.deleteFrom('auth_revocations').where('perm_auth_key_id', 'in', rows.map((r) => r.id)).execute();
      // Signed in again since the note was written: the new sign-in stands.
      return rows.filter((r) => r.user_id === null).map((r) => BigInt(r.id));
    });
  }

  async authorizationTtl(userId: bigint): Promise<number> {
    const row = await this.db.selectFrom('authorization_ttl').select('days').where('user_id', '=', userId).executeTakeFirst();
    return row ? Number(row.days) : DEFAULT_AUTHORIZATION_TTL_DAYS;
  }

  async setAuthorizationTtl(userId: bigint, days: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('authorization_ttl').set({ days }).where('user_id', '=', userId).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) await trx.insertInto('authorization_ttl').values({ user_id: userId, days }).execute();
    });
  }
}
