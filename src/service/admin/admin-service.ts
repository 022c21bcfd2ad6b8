// Server administration: accounts (list, show, ban), signed-in devices (list, revoke), counts. One code
// path for the admin HTTP API (inside the running server) and the `echod users|sessions` CLI (a separate
// process): only the way a device is signed out differs, so that is injected (see signOutLive and
// signOutByNote).
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import type { SignInControl } from '../../contracts/push.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { Device, DeviceDirectory } from '../authsession/device-directory.js';

/** Signs one device (perm auth key) out; true when it was signed in. */
export type DeviceSignOut = (permKeyId: bigint, reason: 'ban' | 'admin') => Promise<boolean>;

export interface LiveCounts {
  connections(): number;
  sessions(): number;
}

export interface AdminServiceDeps {
  db: Kysely<Tables>;
  users: UserStore;
  devices: DeviceDirectory;
  signOut: DeviceSignOut;
  /** Only inside the running server. */
  live?: LiveCounts;
}

export interface ServerStats {
  users: { total: number; active: number; banned: number; deleted: number };
  authKeys: { perm: number; temp: number };
  signedInDevices: number;
  /** Absent when asked from outside the server (CLI). */
  live?: { connections: number; sessions: number };
}

export const MAX_PAGE = 1000;

export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  listUsers(opts: { limit: number; offset?: number }): Promise<UserRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(opts.limit)), MAX_PAGE);
    return this.deps.users.list({ limit, offset: Math.max(0, Math.floor(opts.offset ?? 0)) });
  }

  /** By id, or by phone number (digits, '+' and separators allowed). */
  async findUser(key: string): Promise<UserRecord | undefined> {
    const digits = key.replace(/[\s+\-()]/g, '');
    if (!/^-?\d{1,20}$/.test(digits)) return undefined;
    const n = BigInt(digits);
    const byId = n === BigInt.asIntN(64, n) ? await this.deps.users.byId(n) : undefined;
    return byId ?? (digits.startsWith('-') ? undefined : await this.deps.users.byPhone(digits));
  }

  async showUser(id: bigint): Promise<{ user: UserRecord; devices: Device[] } | undefined> {
    const user = await this.deps.users.byId(id);
    if (!user) return undefined;
    return { user, devices: await this.deps.devices.list({ userId: id }) };
  }

  /** Ban: the flag first (sign-in is refused from then on), then every device of the user is signed out. */
  async setBanned(id: bigint, banned: boolean): Promise<{ user: UserRecord; devicesSignedOut: number } | undefined> {
    const user = await this.deps.users.byId(id);
    if (!user) return undefined;
    await this.deps.users.update(id, { banned });
    let devicesSignedOut = 0;
    if (banned) for (const d of await this.deps.devices.list({ userId: id })) if (await this.deps.signOut(d.permKeyId, 'ban')) devicesSignedOut++;
    return { user: { ...user, banned }, devicesSignedOut };
  }

  listSessions(opts: { userId?: bigint } = {}): Promise<Device[]> {
    return this.deps.devices.list(opts);
  }

  /** False when no signed-in device has this perm auth key id. */
  revokeSession(permKeyId: bigint): Promise<boolean> {
    return this.deps.signOut(permKeyId, 'admin');
  }

  async stats(): Promise<ServerStats> {
    const { db } = this.deps;
    const count = sql<bigint>`count(*)`.as('n');
    const users = await db
      .selectFrom('users')
      .select(['deleted', 'banned', count])
      .where('kind', '=', 'user')
      .groupBy(['deleted', 'banned'])
      .execute();
    const keys = await db.selectFrom('auth_keys').select(['kind', count]).groupBy('kind').execute();
    const signedIn = await db.selectFrom('auth_keys').select(count).where('kind', '=', 'perm').where('user_id', 'is not', null).executeTakeFirst();
    const u = { total: 0, active: 0, banned: 0, deleted: 0 };
    for (const row of users) {
      const n = Number(row.n);
      u.total += n;
      if (Number(row.deleted) !== 0) u.deleted += n;
      else if (Number(row.banned) !== 0) u.banned += n;
      else u.active += n;
    }
    const stats: ServerStats = {
      users: u,
      authKeys: { perm: Number(keys.find((k) => k.kind === 'perm')?.n ?? 0), temp: Number(keys.find((k) => k.kind === 'temp')?.n ?? 0) },
      signedInDevices: Number(signedIn?.n ?? 0),
    };
    if (this.deps.live) stats.live = { connections: this.deps.live.connections(), sessions: this.deps.live.sessions() };
    return stats;
  }
}

/** Inside the running server: the in-memory sign-in state changes at once and the device is disconnected. */
export function signOutLive(devices: DeviceDirectory, signIns: SignInControl): DeviceSignOut {
  return async (permKeyId) => {
    const device = await devices.get(permKeyId);
    if (!device || device.userId === null) return false;
    await signIns.signOut(permKeyId, { kick: true });
    return true;
  };
}

/** From another process (CLI): signed out in the database, with a note the running server acts on (RevocationWatch). */
export function signOutByNote(devices: DeviceDirectory, now: () => number): DeviceSignOut {
  return (permKeyId, reason) => devices.revoke(permKeyId, reason, now());
}
