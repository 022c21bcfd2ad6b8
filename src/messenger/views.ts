// The read side of the messages and updates API as TL objects: history pages, messages by id, dialogs,
// updates.state and updates.getDifference. Users referenced by a page are loaded in one call.
import type { Obj, Res, TlType } from '../tl/index.js';
import { fwdChannelId, messageTl, userIdsOf, type MessageRow, type StoredMessageTl } from './message-row.js';
import { PEER_CHAT, PEER_USER, peerKey, peerTl, type PeerRef } from './peer.js';
import type { BoxReader, DialogRow, DialogsQuery, HistoryQuery } from './box-reader.js';
import type { UserViewSource } from './messaging.js';
import type { BoxState } from './box-writer.js';
import type { SavedDialogRow } from './saved-dialogs.js';
import { actionUserIds, chatIdsOfUpdate, isPeer } from './chats/refs.js';

export interface ViewLimits {
  /** Log entries per updates.differenceSlice. */
  differenceSlice: number;
  /** Events behind beyond which updates.differenceTooLong is answered. */
  differenceTooLong: number;
}

export const DEFAULT_VIEW_LIMITS: ViewLimits = { differenceSlice: 100, differenceTooLong: 5000 };

/** Telegram's list hash (core.telegram.org/api/offsets#hash-generation), over 64-bit unsigned arithmetic. */
export function listHash(values: readonly (number | bigint)[]): bigint {
  const M = (1n << 64n) - 1n;
  let h = 0n;
  for (const v of values) {
    h ^= h >> 21n;
    h = (h ^ (h << 35n)) & M;
    h ^= h >> 4n;
    h = (h + BigInt.asUintN(64, BigInt(v))) & M;
  }
  return BigInt.asIntN(64, h);
}

/** Chat objects as a viewer sees them (src/messenger/chats), for the `chats` vectors. */
export interface ChatViewSource {
  many(viewer: bigint, ids: readonly bigint[]): Promise<TlType<'Chat'>[]>;
}

/** dialogs / messages / chats / users: the body of messages.dialogs and its relatives. */
export interface DialogsPayload<D> {
  dialogs: D[];
  messages: StoredMessageTl[];
  users: TlType<'User'>[];
  chats: TlType<'Chat'>[];
}

export function emptyPeerNotifySettings(): Obj<'peerNotifySettings'> {
  return { _: 'peerNotifySettings' };
}

export function dialogTl(d: DialogRow): Obj<'dialog'> {
  return {
    _: 'dialog',
    pinned: d.pinned > 0 || undefined,
    unreadMark: d.unreadMark || undefined,
    peer: peerTl(d.peer),
    topMessage: d.topMessage,
    readInboxMaxId: d.readInboxMaxId,
    readOutboxMaxId: d.readOutboxMaxId,
    unreadCount: d.unreadCount,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    unreadPollVotesCount: 0,
    notifySettings: emptyPeerNotifySettings(),
    folderId: d.folderId !== 0 ? d.folderId : undefined,
  };
}

/** User ids an update refers to (messages, and the peers of read receipts). */
export function userIdsOfUpdate(u: TlType<'Update'>, into: Set<bigint>): void {
  const addPeer = (peer: TlType<'Peer'> | undefined) => {
    if (peer?._ === 'peerUser') into.add(peer.userId);
  };
  if ('message' in u && typeof u.message === 'object') {
    const message = u.message;
    if ('peerId' in message) addPeer(message.peerId);
    if (message._ === 'message' || message._ === 'messageService') addPeer(message.fromId);
    if (message._ === 'message') addPeer(message.fwdFrom?.fromId);
    if (message._ === 'messageService') actionUserIds(message.action, into);
  }
  if ('peer' in u && typeof u.peer === 'object' && isPeer(u.peer)) addPeer(u.peer);
  if ('userId' in u && typeof u.userId === 'bigint') into.add(u.userId);
}

/** Fills per-owner dialog fields kept by other modules (drafts, notify settings) into `tl`, index by index. */
export type DialogDecorator = (viewer: bigint, rows: readonly DialogRow[], tl: Obj<'dialog'>[]) => Promise<void>;

export class MessageViews {
  readonly dialogDecorators: DialogDecorator[] = [];
  /** Channels (src/messenger/channels), for messages forwarded from one; set once they exist. */
  channelViews?: ChatViewSource;

  constructor(
    private readonly reader: BoxReader,
    private readonly userViews: UserViewSource,
    private readonly now: () => number,
    private readonly limits: ViewLimits = DEFAULT_VIEW_LIMITS,
    /** Basic groups as a viewer sees them (src/messenger/chats), for the `chats` vectors. */
    private readonly chatViews?: ChatViewSource,
  ) {}

  private async withChats(viewer: bigint, rows: readonly MessageRow[], extra: readonly bigint[] = []): Promise<TlType<'Chat'>[]> {
    const ids = new Set<bigint>(extra);
    for (const r of rows) if (r.peer.type === PEER_CHAT) ids.add(r.peer.id);
    const chats = ids.size > 0 && this.chatViews ? await this.chatViews.many(viewer, [...ids]) : [];
    const channelIds = [...new Set(rows.flatMap((r) => fwdChannelId(r) ?? []))];
    return channelIds.length > 0 && this.channelViews ? [...chats, ...(await this.channelViews.many(viewer, channelIds))] : chats;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private async withUsers(viewer: bigint, rows: readonly MessageRow[], extra: readonly bigint[] = []): Promise<TlType<'User'>[]> {
    const ids = new Set<bigint>(extra);
    for (const r of rows) userIdsOf(r, ids);
    return ids.size > 0 ? this.userViews.many(viewer, [...ids]) : [];
  }

  /** messages.getHistory: messages.messages when the page is the whole chat, else messages.messagesSlice. */
  async history(viewer: bigint, peer: PeerRef, q: HistoryQuery, hash: bigint, savedPeer?: PeerRef): Promise<Res<'messages.getHistory'>> {
    const { rows, count } = await this.reader.history(viewer, peer, q, savedPeer);
    if (hash !== 0n && listHash(rows.map((r) => r.id)) === hash) return { _: 'messages.messagesNotModified', count };
    const messages = rows.map(messageTl);
    const users = await this.withUsers(viewer, rows);
    const chats = await this.withChats(viewer, rows, [peer, ...(savedPeer ? [savedPeer] : [])].filter((p) => p.type === PEER_CHAT).map((p) => p.id));
    if (rows.length >= count) return { _: 'messages.messages', messages, topics: [], chats, users };
    return { _: 'messages.messagesSlice', count, messages, topics: [], chats, users };
  }

  /** messages.getMessages: in request order, messageEmpty for ids the viewer does not have. */
  async messages(viewer: bigint, inputs: readonly TlType<'InputMessage'>[]): Promise<Res<'messages.getMessages'>> {
    const direct = inputs.flatMap((i) => (i._ === 'inputMessageID' || i._ === 'inputMessageReplyTo' ? [i.id] : []));
    const found = await this.reader.byIds(viewer, direct);
    const replyIds = inputs.flatMap((i) => (i._ === 'inputMessageReplyTo' ? [found.get(i.id)?.replyToId] : [])).filter((id): id is number => typeof id === 'number');
    const replies = await this.reader.byIds(viewer, replyIds);
    const rows: MessageRow[] = [];
    const messages = inputs.map((i): TlType<'Message'> => {
      let row: MessageRow | undefined;
      if (i._ === 'inputMessageID') row = found.get(i.id);
      else if (i._ === 'inputMessageReplyTo') {
        const replyTo = found.get(i.id)?.replyToId;
        row = replyTo !== null && replyTo !== undefined ? replies.get(replyTo) : undefined;
      }
      if (!row) return { _: 'messageEmpty', id: 'id' in i ? i.id : 0 };
      rows.push(row);
      return messageTl(row);
    });
    return { _: 'messages.messages', messages, topics: [], chats: await this.withChats(viewer, rows), users: await this.withUsers(viewer, rows) };
  }

  private async dialogsPayload(viewer: bigint, dialogs: readonly DialogRow[]): Promise<DialogsPayload<Obj<'dialog'>>> {
    const tops = await this.reader.byIds(viewer, dialogs.map((d) => d.topMessage).filter((id) => id > 0));
    const rows = [...tops.values()];
    const peers = dialogs.filter((d) => d.peer.type === PEER_USER).map((d) => d.peer.id);
    const tl = dialogs.map(dialogTl);
    for (const decorate of this.dialogDecorators) await decorate(viewer, dialogs, tl);
    const chats = await this.withChats(viewer, rows, dialogs.filter((d) => d.peer.type === PEER_CHAT).map((d) => d.peer.id));
    return { dialogs: tl, messages: rows.map(messageTl), users: await this.withUsers(viewer, rows, peers), chats };
  }

  /** dialogs/messages/chats/users of saved dialogs (messages.savedDialogs and its slice). */
  async savedDialogsPayload(viewer: bigint, dialogs: readonly SavedDialogRow[]): Promise<DialogsPayload<Obj<'savedDialog'>>> {
    const tops = await this.reader.byIds(viewer, dialogs.map((d) => d.topMessage));
    const rows = [...tops.values()];
    return {
      dialogs: dialogs.map((d): Obj<'savedDialog'> => ({ _: 'savedDialog', pinned: d.pinned || undefined, peer: peerTl(d.peer), topMessage: d.topMessage })),
      messages: rows.map(messageTl),
      chats: await this.withChats(viewer, rows, dialogs.filter((d) => d.peer.type === PEER_CHAT).map((d) => d.peer.id)),
      users: await this.withUsers(viewer, rows, dialogs.filter((d) => d.peer.type === PEER_USER).map((d) => d.peer.id)),
    };
  }

  async dialogs(viewer: bigint, q: DialogsQuery): Promise<Res<'messages.getDialogs'>> {
    const { dialogs, count } = await this.reader.dialogs(viewer, q);
    const payload = await this.dialogsPayload(viewer, dialogs);
    const firstPage = q.offsetDate === 0 && q.offsetId === 0;
    if (firstPage && dialogs.length >= count) return { _: 'messages.dialogs', ...payload };
    return { _: 'messages.dialogsSlice', count, ...payload };
  }

  /** messages.getPeerDialogs: an empty dialog for a peer without history. */
  async peerDialogs(viewer: bigint, peers: readonly PeerRef[]): Promise<Res<'messages.getPeerDialogs'>> {
    const found = await this.reader.dialogsWith(viewer, peers);
    const rows = peers.map(
      (p) => found.get(peerKey(p)) ?? { peer: p, topMessage: 0, topDate: 0, readInboxMaxId: 0, readOutboxMaxId: 0, unreadCount: 0, unreadMark: false, pinned: 0, folderId: 0 },
    );
    const payload = await this.dialogsPayload(viewer, rows);
    return { _: 'messages.peerDialogs', ...payload, state: await this.state(viewer) };
  }

  private stateTl(s: BoxState, unread: number): Obj<'updates.state'> {
    return { _: 'updates.state', pts: s.pts, qts: 0, date: Math.max(s.date, this.seconds()), seq: s.seq, unreadCount: unread };
  }

  async state(viewer: bigint): Promise<Obj<'updates.state'>> {
    const [s, unread] = await Promise.all([this.reader.state(viewer), this.reader.unreadTotal(viewer)]);
    return this.stateTl(s, unread);
  }

  /** updates.getDifference from the client's pts (date and qts are not needed without secret chats). */
  async difference(viewer: bigint, pts: number, ptsTotalLimit?: number): Promise<Res<'updates.getDifference'>> {
    const tooLong = ptsTotalLimit && ptsTotalLimit > 0 ? Math.min(ptsTotalLimit, this.limits.differenceTooLong) : this.limits.differenceTooLong;
    const diff = await this.reader.difference(viewer, pts, { limit: this.limits.differenceSlice, tooLong });
    if (diff.kind === 'empty') return { _: 'updates.differenceEmpty', date: this.seconds(), seq: diff.state.seq };
    if (diff.kind === 'tooLong') return { _: 'updates.differenceTooLong', pts: diff.state.pts };
    const newMessages: TlType<'Message'>[] = [];
    const otherUpdates: TlType<'Update'>[] = [];
    const ids = new Set<bigint>();
    const chatIds = new Set<bigint>();
    for (const u of diff.updates) {
      userIdsOfUpdate(u, ids);
      chatIdsOfUpdate(u, chatIds);
      if (u._ === 'updateNewMessage') newMessages.push(u.message);
      else otherUpdates.push(u);
    }
    const users = ids.size > 0 ? await this.userViews.many(viewer, [...ids]) : [];
    const chats = chatIds.size > 0 && this.chatViews ? await this.chatViews.many(viewer, [...chatIds]) : [];
    const unread = await this.reader.unreadTotal(viewer);
    const state: Obj<'updates.state'> = diff.kind === 'slice' ? { _: 'updates.state', pts: diff.state.pts, qts: 0, date: diff.state.date, seq: diff.state.seq, unreadCount: unread } : this.stateTl(diff.state, unread);
    if (diff.kind === 'slice') return { _: 'updates.differenceSlice', newMessages, newEncryptedMessages: [], otherUpdates, chats, users, intermediateState: state };
    return { _: 'updates.difference', newMessages, newEncryptedMessages: [], otherUpdates, chats, users, state };
  }
}
