// The users and chats a message or an update refers to, beyond author and peer: the people named by a
// service message's action, and the chat of a group message. Responses carry them in their `users` and
// `chats` vectors so clients never meet an id they cannot resolve.
import type { TlObject } from '../../tl/index.js';

/** Users named by a MessageAction. */
export function actionUserIds(action: TlObject | undefined, into: Set<bigint>): void {
  if (!action) return;
  const users = action.users as bigint[] | undefined;
  if (Array.isArray(users)) for (const u of users) into.add(u);
  if (typeof action.userId === 'bigint') into.add(action.userId);
  if (typeof action.inviterId === 'bigint') into.add(action.inviterId);
}

/** Chat ids of peerChat peers. */
export function chatIdOfPeer(peer: unknown, into: Set<bigint>): void {
  const p = peer as TlObject | undefined;
  if (p?._ === 'peerChat') into.add(p.chatId as bigint);
}

/** Chats an update (as logged: updateNewMessage, updateReadHistory*, ...) refers to. */
export function chatIdsOfUpdate(u: TlObject, into: Set<bigint>): void {
  const message = u.message as TlObject | undefined;
  if (message && typeof message === 'object') chatIdOfPeer(message.peerId, into);
  chatIdOfPeer(u.peer, into);
  if (typeof u.chatId === 'bigint') into.add(u.chatId);
}
