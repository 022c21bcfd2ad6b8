// What Msg needs to know about basic groups to send, delete and show messages in them: who gets a copy,
// who may write, who may revoke others' messages, and the chat objects for `chats` vectors.
import { RpcError } from '../../common/rpc-error.js';
import type { TlType } from '../../tl/index.js';
import type { Conversation } from '../message-store.js';
import { chatPeer } from '../peer.js';
import type { ChatStore } from './chat-store.js';
import type { ChatViews } from './chat-views.js';
import { adminRightsOf, requireMember, requirePinRight, requireSend } from './participants.js';
import { hasAdminRight } from './rights.js';

export interface GroupDirectory {
  /**
   * The conversation of `sender` posting into chat `chatId` (a copy for every current member), or the
   * error when they may not: CHAT_ID_INVALID, CHAT_WRITE_FORBIDDEN (left, kicked, or banned from sending).
   */
  conversation(sender: bigint, chatId: bigint, kinds: { text: boolean; media: boolean }): Promise<Conversation>;
  /** Current members other than `except`, or CHAT_WRITE_FORBIDDEN when `except` is not one (typing). */
  othersOf(member: bigint, chatId: bigint): Promise<bigint[]>;
  /** The chats among `chatIds` in which `user` may delete anyone's messages for everyone. */
  moderated(user: bigint, chatIds: readonly bigint[]): Promise<Set<bigint>>;
  /** The chat objects as `viewer` sees them (chats they never belonged to are left out). */
  chatViews(viewer: bigint, chatIds: readonly bigint[]): Promise<TlType<'Chat'>[]>;
  /** Nothing when `user` may pin and unpin in chat `chatId`; else CHAT_ID_INVALID, CHAT_WRITE_FORBIDDEN or CHAT_ADMIN_REQUIRED. */
  requirePin(user: bigint, chatId: bigint): Promise<void>;
}

export class ChatDirectory implements GroupDirectory {
  constructor(
    private readonly store: ChatStore,
    private readonly views: ChatViews,
  ) {}

  async conversation(sender: bigint, chatId: bigint, kinds: { text: boolean; media: boolean }): Promise<Conversation> {
    const [chat, me] = await Promise.all([this.store.chat(chatId), this.store.participant(chatId, sender)]);
    if (!chat || !me) throw RpcError.badRequest('CHAT_ID_INVALID');
    // A migrated (deactivated) group takes no more messages: its supergroup does.
    if (chat.migratedTo !== undefined) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
    requireSend(chat, me, kinds);
    const members = await this.store.activeMemberIds(chatId);
    const peer = chatPeer(chatId);
    return { sender, peer, recipients: members.filter((m) => m !== sender), peerOf: () => peer };
  }

  async othersOf(member: bigint, chatId: bigint): Promise<bigint[]> {
    requireMember(await this.store.participant(chatId, member));
    return (await this.store.activeMemberIds(chatId)).filter((m) => m !== member);
  }

  async moderated(user: bigint, chatIds: readonly bigint[]): Promise<Set<bigint>> {
    const mine = await this.store.memberships(user, chatIds);
    const out = new Set<bigint>();
    for (const [id, p] of mine) if (hasAdminRight(adminRightsOf(p), 'deleteMessages')) out.add(id);
    return out;
  }

  chatViews(viewer: bigint, chatIds: readonly bigint[]): Promise<TlType<'Chat'>[]> {
    return this.views.many(viewer, chatIds);
  }

  async requirePin(user: bigint, chatId: bigint): Promise<void> {
    const [chat, me] = await Promise.all([this.store.chat(chatId), this.store.participant(chatId, user)]);
    if (!chat || !me) throw RpcError.badRequest('CHAT_ID_INVALID');
    requirePinRight(chat, me);
  }
}
