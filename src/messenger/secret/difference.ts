// updates.getDifference with secret chats: the common sequence's difference (pts, views.ts) joined with the
// device's encrypted messages after its qts and the chat state changes since its date.
import type { Obj, Res, TlType } from '../../tl/index.js';
import type { SecretDifference } from './secret-chats.js';

/**
 * Joins `secret` into `base`. A differenceEmpty becomes a difference when something secret waits (its
 * state from `state()`); a difference whose encrypted messages do not all fit becomes a slice, so the
 * client asks again from the intermediate state's qts. A differenceTooLong stays as it is: the client
 * fetches the state again and then asks for the rest, encrypted messages included.
 */
export async function withSecretDifference(
  base: Res<'updates.getDifference'>,
  secret: SecretDifference,
  users: TlType<'User'>[],
  state: () => Promise<Obj<'updates.state'>>,
): Promise<Res<'updates.getDifference'>> {
  if (base._ === 'updates.differenceTooLong') return base;
  const nothing = secret.messages.length === 0 && secret.updates.length === 0;
  if (base._ === 'updates.differenceEmpty') {
    if (nothing) return base;
    const s = { ...(await state()), qts: secret.qts };
    const body = { newMessages: [], newEncryptedMessages: secret.messages, otherUpdates: secret.updates, chats: [], users };
    return secret.more ? { _: 'updates.differenceSlice', ...body, intermediateState: s } : { _: 'updates.difference', ...body, state: s };
  }
  const known = new Set(base.users.map((u) => u.id));
  const body = {
    newMessages: base.newMessages,
    newEncryptedMessages: secret.messages,
    otherUpdates: [...base.otherUpdates, ...secret.updates],
    chats: base.chats,
    users: [...base.users, ...users.filter((u) => !known.has(u.id))],
  };
  if (base._ === 'updates.differenceSlice') return { _: 'updates.differenceSlice', ...body, intermediateState: { ...base.intermediateState, qts: secret.qts } };
  const s = { ...base.state, qts: secret.qts };
  return secret.more ? { _: 'updates.differenceSlice', ...body, intermediateState: s } : { _: 'updates.difference', ...body, state: s };
}
