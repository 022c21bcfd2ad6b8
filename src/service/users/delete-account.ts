// account.deleteAccount: the account goes for real. The row stays (ids are never reused and other users'
// data points at it) but becomes a "Deleted Account": no phone, no username, no profile, every device
// signed out, and the other areas hear about it through the userDeleted event.
import type { CoreServices } from '../core.js';
import type { Presence } from './presence.js';

export interface DeleteAccountOptions {
  /** The device asking: signed out without closing its connection, so the answer still reaches it. */
  callerPermKeyId?: bigint;
}

export async function deleteAccount(core: CoreServices, presence: Presence, userId: bigint, opts: DeleteAccountOptions = {}): Promise<void> {
  await core.users.setUsername(userId, null);
  await core.users.update(userId, { deleted: true, phone: null, firstName: '', lastName: '', about: '' });
  presence.forget(userId);
  const devices = await core.db.selectFrom('auth_keys').select('auth_key_id').where('user_id', '=', userId).where('kind', '=', 'perm').execute();
  for (const { auth_key_id } of devices) {
    const permKeyId = BigInt(auth_key_id);
    await core.signIns.signOut(permKeyId, { kick: permKeyId !== opts.callerPermKeyId });
  }
  await core.events.emit('userDeleted', { userId });
}
