// The service notifications account (Telegram's 777000): login codes and security notices come from it.
import type { UserStore } from '../users/user-store.js';

export const SERVICE_USER_ID = 777000n;
/** Telegram's service account has this short number; it can never pass phone validation, so nobody signs up with it. */
export const SERVICE_USER_PHONE = '42777';
export const SERVICE_USER_NAME = 'Echo';

/** Creates the service account if missing; safe to call on every start and from several nodes. */
export async function ensureServiceAccount(users: UserStore, now: number): Promise<void> {
  if (await users.byId(SERVICE_USER_ID)) return;
  try {
    await users.create({ id: SERVICE_USER_ID, phone: SERVICE_USER_PHONE, firstName: SERVICE_USER_NAME, kind: 'service', createdAt: Math.floor(now / 1000) });
  } catch (err) {
    // Another node (or an earlier, interrupted start) created it between the check and the insert.
    if (!(await users.byId(SERVICE_USER_ID))) throw err;
  }
}
