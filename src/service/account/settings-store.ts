// Per-user account preferences and the push tokens devices register.
// Push tokens are kept for a future push sender (FCM, APNs, web push): Echo delivers updates only over
// MTProto connections today. A token belongs to one device (permanent auth key) and is only valid while
// that device is still signed in to the account that registered it: devicesOf() checks the binding, so
// a sign-out or a deleted account needs no clean-up to stop pushes.
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';

export interface PushDevice {
  permKeyId: bigint;
  userId: bigint;
  tokenType: number;
  token: string;
  appSandbox: boolean;
  noMuted: boolean;
  secret?: Buffer;
  otherUids: bigint[];
}

export class AccountSettingsStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly now: () => number,
  ) {}

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** account.getContactSignUpNotification: whether "contact joined" notices are silent (default: not). */
  async contactSignUpSilent(userId: bigint): Promise<boolean> {
    const row = await this.db.selectFrom('account_settings').select('contact_signup_silent').where('user_id', '=', userId).executeTakeFirst();
    return row !== undefined && Number(row.contact_signup_silent) !== 0;
  }

  async setContactSignUpSilent(userId: bigint, silent: boolean): Promise<void> {
    const values = { contact_signup_silent: silent ? 1 : 0, updated_at: this.seconds() };
    await this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('account_settings').set(values).where('user_id', '=', userId).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await tx.insertInto('account_settings').values({ user_id: userId, ...values }).execute();
    });
  }

  /** Registers (or replaces) the device's token of this type for the signed-in user. */
  async registerDevice(device: PushDevice): Promise<void> {
    const values = {
      user_id: device.userId,
      token: device.token,
      app_sandbox: device.appSandbox ? 1 : 0,
      no_muted: device.noMuted ? 1 : 0,
      secret: device.secret && device.secret.length > 0 ? device.secret : null,
      other_uids: JSON.stringify(device.otherUids.map(String)),
      updated_at: this.seconds(),
    };
    await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('push_devices')
        .set(values)
        .where('perm_key_id', '=', device.permKeyId)
        .where('token_type', '=', BigInt(device.tokenType))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await tx.insertInto('push_devices').values({ perm_key_id: device.permKeyId, token_type: device.tokenType, ...values }).execute();
    });
  }

  /** Removes the user's registrations of this token (on any of their devices); how many there were. */
  async unregisterDevice(userId: bigint, tokenType: number, token: string): Promise<number> {
    const r = await this.db.deleteFrom('push_devices').where('user_id', '=', userId).where('token_type', '=', BigInt(tokenType)).where('token', '=', token).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The tokens a push sender may use for `userId`: those of devices still signed in to that account. */
  async devicesOf(userId: bigint): Promise<PushDevice[]> {
    const rows = await this.db
      .selectFrom('push_devices as p')
      .innerJoin('auth_keys as k', 'k.auth_key_id', 'p.perm_key_id')
      .select(['p.perm_key_id', 'p.user_id', 'p.token_type', 'p.token', 'p.app_sandbox', 'p.no_muted', 'p.secret', 'p.other_uids'])
      .where('p.user_id', '=', userId)
      .where('k.user_id', '=', userId)
      .orderBy('p.perm_key_id')
      .orderBy('p.token_type')
      .execute();
    return rows.map((r) => ({
      permKeyId: BigInt(r.perm_key_id),
      userId: BigInt(r.user_id),
      tokenType: Number(r.token_type),
      token: r.token,
      appSandbox: Number(r.app_sandbox) !== 0,
      noMuted: Number(r.no_muted) !== 0,
      ...(r.secret ? { secret: r.secret } : {}),
      otherUids: (JSON.parse(r.other_uids) as string[]).map((s) => BigInt(s)),
    }));
  }

  /** Drops everything kept for a deleted account. */
  async forgetUser(userId: bigint): Promise<void> {
    await this.db.deleteFrom('push_devices').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('account_settings').where('user_id', '=', userId).execute();
  }
}
