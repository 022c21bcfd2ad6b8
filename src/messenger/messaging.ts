// Msg: sending, editing, deleting and reading messages in private chats (basic groups reuse the same
// boxes with a chat peer). Every write is stored in one transaction before the caller is answered;
// other sessions learn about it through Sync-T.
//
// Durability choice: embedded mode writes the sender's copy and the recipients' copies (boxes, update
// logs, dialogs) in the same SQL transaction, so an acknowledged message is stored for everyone. The
// copies are keyed by (global_id, owner_id) (unique), which is what an Inbox-T consumer will use to
// stay idempotent once the fan-out of large groups moves behind the bus.
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import type { BlockCheck, ContactRelations } from '../service/contacts/relations.js';
import type { UpdatePusher, SessionRef } from '../contracts/push.js';
import type { MessageStore, OutgoingMessage, BoxCopy, SentMessage, Conversation } from './message-store.js';
import { fwdChannelId, messageTl, userIdsOf, type MessageRow } from './message-row.js';
import { PEER_CHAT, PEER_USER, userPeer, type PeerRef } from './peer.js';
import type { GroupDirectory } from './chats/directory.js';
import { updatesContainer, type SyncChannel, type SyncEvent } from './sync.js';
import { mentionedUsers } from './contents.js';

export const MAX_MESSAGE_LENGTH = 4096;

/** What a handler knows about the caller. */
export interface Caller {
  userId: bigint;
  /** The session that asked: it gets the RPC result, never a push. */
  session?: SessionRef;
}

export interface UserViewSource {
  many(viewer: bigint, ids: readonly bigint[]): Promise<TlType<'User'>[]>;
}

export interface MessagingDeps {
  store: MessageStore;
  sync: SyncChannel;
  userViews: UserViewSource;
  contacts: Pick<ContactRelations, 'isBlocked'> & BlockCheck;
  push: Pick<UpdatePusher, 'isOnline'>;
  now(): number;
  /** Basic groups (src/messenger/chats); without it only private chats work. */
  groups?: GroupDirectory;
  /** @username -> user id, for unread mentions in groups. */
  userIdByUsername?: (username: string) => Promise<bigint | undefined>;
}

/** The conversation between `sender` and `peer` as the store needs it. */
export function conversationOf(sender: bigint, peer: PeerRef): Conversation {
  if (peer.type !== PEER_USER) throw new RpcError(400, 'PEER_ID_INVALID');
  return { sender, peer, recipients: peer.id === sender ? [] : [peer.id], peerOf: () => userPeer(sender) };
}

/** Validates and normalizes message text and entities (offsets in UTF-16 units, as clients count). */
export function checkText(message: string, entities: TlType<'MessageEntity'>[] | undefined): { message: string; entities: TlType<'MessageEntity'>[] | undefined } {
  if (message.length > MAX_MESSAGE_LENGTH) throw new RpcError(400, 'MESSAGE_TOO_LONG');
  const trimmed = message.trim();
  if (trimmed.length === 0) throw new RpcError(400, 'MESSAGE_EMPTY');
  const valid = entities?.filter((e) => {
    const { offset, length } = e;
    return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length > 0 && offset + length <= message.length;
  });
  return { message, entities: valid && valid.length > 0 ? valid : undefined };
}

export class MessagingService {
  /** Drafts (drafts.ts): a send with clear_draft removes the dialog's draft. */
  onClearDraft?: (caller: Caller, peer: PeerRef) => Promise<void>;
  /** Read dates (read-dates.ts): authors whose outbox became read in a private chat, at `date`. */
  onOutboxRead?: (reader: bigint, outbox: readonly { owner: bigint; maxId: number }[], date: number) => Promise<void>;

  /** Channels (src/messenger/channels), for messages forwarded from one; set once they exist. */
  channelViews?: { many(viewer: bigint, ids: readonly bigint[]): Promise<TlType<'Chat'>[]> };

  constructor(private readonly deps: MessagingDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  /** Chat objects for the basic groups the rows are in, as `viewer` sees them. */
  private async chatsOf(viewer: bigint, rows: readonly MessageRow[]): Promise<TlType<'Chat'>[]> {
    const ids = [...new Set(rows.filter((r) => r.peer.type === PEER_CHAT).map((r) => r.peer.id))];
    const chats = ids.length > 0 && this.deps.groups ? await this.deps.groups.chatViews(viewer, ids) : [];
    const channelIds = [...new Set(rows.flatMap((r) => fwdChannelId(r) ?? []))];
    return channelIds.length > 0 && this.channelViews ? [...chats, ...(await this.channelViews.many(viewer, channelIds))] : chats;
  }

  private async conversation(sender: bigint, peer: PeerRef, items: readonly OutgoingMessage[]): Promise<Conversation> {
    if (peer.type !== PEER_CHAT || !this.deps.groups) return conversationOf(sender, peer);
    // A service message (a pin's) is not a post: members barred from writing may still cause one.
    return this.deps.groups.conversation(sender, peer.id, { text: items.some((i) => !i.media && !i.action), media: items.some((i) => !!i.media) });
  }

  private async checkBlocks(sender: bigint, peer: PeerRef): Promise<void> {
    if (peer.type !== PEER_USER || peer.id === sender) return;
    const blocker = await this.deps.contacts.blockBetween(sender, peer.id);
    if (blocker === sender) throw new RpcError(400, 'YOU_BLOCKED_USER');
    if (blocker !== undefined) throw new RpcError(400, 'USER_IS_BLOCKED');
  }

  /** Stores the messages and pushes them to every other session concerned. */
  async send(caller: Caller, peer: PeerRef, items: OutgoingMessage[], opts: { clearDraft?: boolean } = {}): Promise<SentMessage[]> {
    if (items.length === 0) throw new RpcError(400, 'MESSAGE_IDS_EMPTY');
    await this.checkBlocks(caller.userId, peer);
    if (peer.type === PEER_CHAT) items = await this.withMentions(items);
    const sent = await this.deps.store.send(await this.conversation(caller.userId, peer, items), items);
    const fresh = sent.filter((s) => !s.duplicate);
    if (fresh.length > 0) {
      const events: SyncEvent[] = [];
      // In a private chat the sender's other devices get the compact form with out: true, as Telegram
      // sends it: no user objects to build on every send.
      const own = fresh.map((s) => s.own!);
      const ownShort = own.length === 1 && peer.type === PEER_USER && this.deps.push.isOnline(caller.userId) ? shortMessage(own[0]!) : undefined;
      const ownPush = ownShort ?? (await this.fullUpdates(caller.userId, own));
      if (ownPush) events.push({ userId: caller.userId, updates: ownPush, except: caller.session });
      // Recipients' copies exist here unless they travel through Inbox-T (inbox-fanout.ts), whose consumer
      // pushes them with recipientPushes once written.
      events.push(...(await this.recipientPushes(fresh.flatMap((s) => s.recipients))));
      await this.deps.sync.publish(events);
    }
    if (opts.clearDraft && this.onClearDraft) await this.onClearDraft(caller, peer);
    return sent;
  }

  /** The Sync-T events telling recipients about their new copies (one per owner: short form when it fits). */
  async recipientPushes(copies: readonly BoxCopy[]): Promise<SyncEvent[]> {
    const byRecipient = new Map<bigint, BoxCopy[]>();
    for (const c of copies) byRecipient.set(c.owner, [...(byRecipient.get(c.owner) ?? []), c]);
    const events: SyncEvent[] = [];
    for (const [owner, mine] of byRecipient) {
      const short = mine.length === 1 ? shortMessage(mine[0]!) : undefined;
      const updates = short ?? (await this.fullUpdates(owner, mine));
      if (updates) events.push({ userId: owner, updates });
    }
    return events;
  }

  /** Group messages with the members their entities mention (the store marks those copies). */
  private async withMentions(items: OutgoingMessage[]): Promise<OutgoingMessage[]> {
    const byUsername = this.deps.userIdByUsername ?? (async () => undefined);
    return Promise.all(items.map(async (i) => (i.action || !i.entities ? i : { ...i, mentions: await mentionedUsers(i.message, i.entities, byUsername) })));
  }

  /** `updates` carrying the copies' logged updates and their users, or undefined when the owner is offline. */
  private async fullUpdates(owner: bigint, copies: readonly { row: MessageRow; update: TlType<'Update'> }[]): Promise<Obj<'updates'> | undefined> {
    if (!this.deps.push.isOnline(owner)) return undefined;
    const ids = new Set<bigint>();
    for (const c of copies) userIdsOf(c.row, ids);
    return updatesContainer(
      copies.map((c) => c.update),
      await this.deps.userViews.many(owner, [...ids]),
      this.seconds(),
      await this.chatsOf(owner, copies.map((c) => c.row)),
    );
  }

  /** The answer to a send: updates with updateMessageID + updateNewMessage per message (forwards, media). */
  async sentUpdates(caller: Caller, sent: readonly SentMessage[]): Promise<Obj<'updates'>> {
    const updates: TlType<'Update'>[] = [];
    const ids = new Set<bigint>();
    for (const s of sent) {
      updates.push({ _: 'updateMessageID', id: s.id, randomId: s.randomId });
      if (s.own) {
        updates.push(s.own.update);
        userIdsOf(s.own.row, ids);
      }
    }
    const rows = sent.flatMap((s) => (s.own ? [s.own.row] : []));
    return updatesContainer(updates, await this.deps.userViews.many(caller.userId, [...ids]), this.seconds(), await this.chatsOf(caller.userId, rows));
  }

  async edit(caller: Caller, peer: PeerRef, id: number, text: string, entities: TlType<'MessageEntity'>[] | undefined): Promise<Obj<'updates'>> {
    const checked = checkText(text, entities);
    const copies = await this.deps.store.edit(caller.userId, peer, id, checked.message, checked.entities);
    const mine = copies.filter((c) => c.owner === caller.userId);
    const events: SyncEvent[] = [];
    const answer = updatesContainer(
      mine.map((c) => c.update),
      await this.deps.userViews.many(caller.userId, [...collect(mine)]),
      this.seconds(),
      await this.chatsOf(caller.userId, mine.map((c) => c.row)),
    );
    events.push({ userId: caller.userId, updates: answer, except: caller.session });
    for (const c of copies) {
      if (c.owner === caller.userId) continue;
      const u = await this.fullUpdates(c.owner, [c]);
      if (u) events.push({ userId: c.owner, updates: u });
    }
    await this.deps.sync.publish(events);
    return answer;
  }

  /** Deletes for the caller (and with `revoke` for the other side); returns the caller's pts. */
  async delete(caller: Caller, ids: readonly number[], revoke: boolean): Promise<{ pts: number; ptsCount: number }> {
    const parts = await this.deps.store.delete(caller.userId, ids, revoke, revoke ? await this.moderated(caller.userId, ids) : undefined);
    const date = this.seconds();
    const events: SyncEvent[] = [];
    for (const p of parts) {
      if (p.ptsCount === 0) continue;
      events.push({ userId: p.owner, updates: updatesContainer([p.update], [], date), except: p.owner === caller.userId ? caller.session : undefined });
    }
    await this.deps.sync.publish(events);
    const mine = parts.find((p) => p.owner === caller.userId)!;
    return { pts: mine.pts, ptsCount: mine.ptsCount };
  }

  /** The basic groups of these messages in which the owner may revoke anyone's messages. */
  private async moderated(owner: bigint, ids: readonly number[]): Promise<Set<bigint> | undefined> {
    if (!this.deps.groups) return undefined;
    const rows = await this.deps.store.rowsByIds(this.deps.store.db, owner, ids);
    const chats = [...new Set([...rows.values()].filter((r) => r.peer.type === PEER_CHAT).map((r) => r.peer.id))];
    return chats.length > 0 ? this.deps.groups.moderated(owner, chats) : undefined;
  }

  async readHistory(caller: Caller, peer: PeerRef, maxId: number): Promise<{ pts: number; ptsCount: number }> {
    const reader = caller.userId;
    const res = await this.deps.store.readHistory(reader, peer, maxId, () => (peer.type === PEER_USER ? userPeer(reader) : peer));
    const date = this.seconds();
    if (res.outbox.length > 0 && peer.type === PEER_USER && this.onOutboxRead) await this.onOutboxRead(reader, res.outbox, date);
    const events: SyncEvent[] = [];
    if (res.update && this.deps.push.isOnline(reader)) {
      const users = peer.type === PEER_USER ? await this.deps.userViews.many(reader, [peer.id]) : [];
      events.push({ userId: reader, updates: updatesContainer([res.update], users, date), except: caller.session });
    }
    for (const o of res.outbox) {
      if (!this.deps.push.isOnline(o.owner)) continue;
      events.push({ userId: o.owner, updates: updatesContainer([o.update], await this.deps.userViews.many(o.owner, [reader]), date) });
    }
    await this.deps.sync.publish(events);
    return { pts: res.pts, ptsCount: res.ptsCount };
  }

  /**
   * messages.readMessageContents: the reader's other devices and each author whose played voice/video
   * note it was are told with updateReadMessagesContents. Returns the reader's pts.
   */
  async readContents(caller: Caller, ids: readonly number[]): Promise<{ pts: number; ptsCount: number }> {
    const { pts, reads } = await this.deps.store.readContents(caller.userId, ids);
    const date = this.seconds();
    await this.deps.sync.publish(
      reads.map((r) => ({ userId: r.owner, updates: updatesContainer([r.update], [], date), except: r.owner === caller.userId ? caller.session : undefined })),
    );
    return { pts, ptsCount: reads.some((r) => r.owner === caller.userId) ? 1 : 0 };
  }

  /** Typing and other chat actions: pushed to the peer's sessions, never stored. */
  async setTyping(caller: Caller, peer: PeerRef, action: TlType<'SendMessageAction'>): Promise<void> {
    if (peer.type === PEER_CHAT && this.deps.groups) {
      const others = (await this.deps.groups.othersOf(caller.userId, peer.id)).filter((o) => this.deps.push.isOnline(o));
      const update: Obj<'updateShort'> = { _: 'updateShort', update: { _: 'updateChatUserTyping', chatId: peer.id, fromId: { _: 'peerUser', userId: caller.userId }, action }, date: this.seconds() };
      await this.deps.sync.publish(others.map((userId) => ({ userId, updates: update })));
      return;
    }
    if (peer.type !== PEER_USER || peer.id === caller.userId) return;
    if (!this.deps.push.isOnline(peer.id)) return;
    if (await this.deps.contacts.isBlocked(peer.id, caller.userId)) return;
    await this.deps.sync.publish([{ userId: peer.id, updates: { _: 'updateShort', update: { _: 'updateUserTyping', userId: caller.userId, action }, date: this.seconds() } }]);
  }
}

function collect(copies: readonly { row: MessageRow }[]): Set<bigint> {
  const ids = new Set<bigint>();
  for (const c of copies) userIdsOf(c.row, ids);
  return ids;
}

/**
 * updateShortMessage, Telegram's compact form for a private text message, when it can carry the copy:
 * no media, and no forward header (whose author the recipient may not know, and the short form has no users).
 */
export function shortMessage(copy: BoxCopy): Obj<'updateShortMessage'> | Obj<'updateShortChatMessage'> | undefined {
  const row = copy.row;
  if (row.peer.type === PEER_CHAT) return shortChatMessage(copy);
  if (row.peer.type !== PEER_USER || row.media || row.fwdFrom || row.peer.id === row.ownerId) return undefined;
  const m = messageTl(row);
  if (m._ !== 'message') return undefined;
  return {
    _: 'updateShortMessage',
    out: m.out,
    mentioned: m.mentioned,
    mediaUnread: m.mediaUnread,
    silent: m.silent,
    id: row.id,
    userId: row.peer.id,
    message: row.message,
    pts: copy.pts,
    ptsCount: copy.ptsCount,
    date: row.date,
    replyTo: m.replyTo,
    entities: m.entities,
  };
}


/** updateShortChatMessage: the compact form of a text message in a basic group, under the same conditions. */
export function shortChatMessage(copy: BoxCopy): Obj<'updateShortChatMessage'> | undefined {
  const row = copy.row;
  if (row.peer.type !== PEER_CHAT || row.media || row.fwdFrom) return undefined;
  const m = messageTl(row);
  if (m._ !== 'message') return undefined;
  return {
    _: 'updateShortChatMessage',
    out: m.out,
    mentioned: m.mentioned,
    mediaUnread: m.mediaUnread,
    silent: m.silent,
    id: row.id,
    fromId: row.authorId,
    chatId: row.peer.id,
    message: row.message,
    pts: copy.pts,
    ptsCount: copy.ptsCount,
    date: row.date,
    replyTo: m.replyTo,
    entities: m.entities,
  };
}
