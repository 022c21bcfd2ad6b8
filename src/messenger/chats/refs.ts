// The users and chats a message or an update refers to, beyond author and peer: the people named by a
// service message's action, and the chat of a group message. Responses carry them in their `users` and
// `chats` vectors so clients never meet an id they cannot resolve.
import type { TlType } from '../../tl/index.js';

/** Users named by a MessageAction. */
export function actionUserIds(action: TlType<'MessageAction'> | undefined, into: Set<bigint>): void {
  if (!action) return;
  if ('users' in action) for (const u of action.users) into.add(u);
  if ('userId' in action) into.add(action.userId);
  if ('inviterId' in action) into.add(action.inviterId);
}

/** Chat ids of peerChat peers. */
export function chatIdOfPeer(peer: TlType<'Peer'> | undefined, into: Set<bigint>): void {
  if (peer?._ === 'peerChat') into.add(peer.chatId);
}

/** Chats an update (as logged: updateNewMessage, updateReadHistory*, ...) refers to. */
export function chatIdsOfUpdate(u: TlType<'Update'>, into: Set<bigint>): void {
  if ('message' in u && typeof u.message === 'object' && 'peerId' in u.message) chatIdOfPeer(u.message.peerId, into);
  if ('peer' in u && typeof u.peer === 'object' && isPeer(u.peer)) chatIdOfPeer(u.peer, into);
  if ('chatId' in u && typeof u.chatId === 'bigint') into.add(u.chatId);
}

/** Whether an update's `peer` field is a Peer (some updates carry a DialogPeer or NotifyPeer there). */
export function isPeer(p: { _: string }): p is TlType<'Peer'> {
  return p._ === 'peerUser' || p._ === 'peerChat' || p._ === 'peerChannel';
}
