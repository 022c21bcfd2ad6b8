// updates.getDifference and channels: the common sequence's difference (with secret chats joined) gains an
// updateChannelTooLong per channel that got posts since the client's state date, so a client back from
// offline knows which channels to catch up with updates.getChannelDifference.
import type { Obj, Res, TlType } from '../../tl/index.js';

/**
 * Joins the channels' too-long updates into `diff`. A differenceEmpty becomes a difference (with `state()`);
 * the state date moves to `date` (the newest post they cover) so the next call does not name them again.
 * A slice is left alone (the client asks again and gets them with the last part); so is differenceTooLong.
 */
export async function withChannelsTooLong(diff: Res<'updates.getDifference'>, channels: { updates: TlType<'Update'>[]; chats: TlType<'Chat'>[]; date: number }, state: () => Promise<Obj<'updates.state'>>): Promise<Res<'updates.getDifference'>> {
  if (channels.updates.length === 0 || diff._ === 'updates.differenceTooLong' || diff._ === 'updates.differenceSlice') return diff;
  if (diff._ === 'updates.differenceEmpty') {
    const s = await state();
    return { _: 'updates.difference', newMessages: [], newEncryptedMessages: [], otherUpdates: channels.updates, chats: channels.chats, users: [], state: { ...s, date: Math.max(s.date, channels.date) } };
  }
  const known = new Set(diff.chats.map((c) => c.id));
  return {
    ...diff,
    otherUpdates: [...diff.otherUpdates, ...channels.updates],
    chats: [...diff.chats, ...channels.chats.filter((c) => !known.has(c.id))],
    state: { ...diff.state, date: Math.max(diff.state.date, channels.date) },
  };
}
