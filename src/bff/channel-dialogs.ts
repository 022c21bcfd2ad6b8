// Channel dialogs merged into messages.getDialogs, getPeerDialogs and getPinnedDialogs: the per-user boxes
// give private chats and basic groups, the channel service gives the channels the user is in; pinned
// dialogs first in the user's pin order (which spans both), then by their top message's date, cut to the
// page size.
import type { Obj, Res, TlType } from '../tl/index.js';
import { effectiveLimit } from '../messenger/box-reader.js';
import type { ChannelDialog } from '../messenger/channels/index.js';
import { peerFromTl, peerKey } from '../messenger/peer.js';

export interface ChannelPayload {
  dialogs: Obj<'dialog'>[];
  messages: TlType<'Message'>[];
  chats: TlType<'Chat'>[];
  users: TlType<'User'>[];
}

/** `peerKey` of a dialog's peer. */
export const dialogKey = (d: TlType<'Dialog'>): string => ('peer' in d ? peerKey(peerFromTl(d.peer)) : `${d._}`);

/**
 * `channelTotal`: every channel dialog of the user in the listed folder (the page's `list` holds those past
 * the offset). `pinRank`: the rank of each pinned dialog by peerKey (higher: nearer the top).
 */
export function mergeChannelDialogs(base: Res<'messages.getDialogs'>, list: readonly ChannelDialog[], extra: ChannelPayload, requestedLimit: number, channelTotal: number, pinRank: ReadonlyMap<string, number>): Res<'messages.getDialogs'> {
  if (base._ === 'messages.dialogsNotModified') return base;
  const limit = effectiveLimit(requestedLimit);
  const dateOf = new Map<string, number>();
  for (const m of base.messages) if (m._ !== 'messageEmpty' && m.peerId._ !== 'peerChannel') dateOf.set(String(m.id), m.date);
  type Entry = { dialog: TlType<'Dialog'>; date: number; rank: number; channel?: number };
  const rankOf = (d: TlType<'Dialog'>) => (d.pinned ? (pinRank.get(dialogKey(d)) ?? 1) : 0);
  const entries: Entry[] = base.dialogs.map((d) => ({ dialog: d, date: d._ === 'dialog' ? (dateOf.get(String(d.topMessage)) ?? 0) : 0, rank: rankOf(d) }));
  list.forEach((c, i) => entries.push({ dialog: extra.dialogs[i]!, date: c.channel.topDate, rank: rankOf(extra.dialogs[i]!), channel: i }));
  entries.sort((a, b) => b.rank - a.rank || b.date - a.date);
  const page = entries.slice(0, limit);
  const keptChannels = new Set(page.flatMap((e) => (e.channel !== undefined ? [list[e.channel]!.channel.id] : [])));
  const channelMessages = extra.messages.filter((m) => m._ !== 'messageEmpty' && m.peerId._ === 'peerChannel' && keptChannels.has(m.peerId.channelId));
  const chats = [...base.chats, ...extra.chats.filter((c) => keptChannels.has(c.id))];
  const payload = { dialogs: page.map((e) => e.dialog), messages: [...base.messages, ...channelMessages], chats, users: dedupeUsers([...base.users, ...extra.users]) };
  const baseCount = base._ === 'messages.dialogsSlice' ? base.count : base.dialogs.length;
  const total = baseCount + channelTotal;
  if (base._ === 'messages.dialogs' && page.length >= total) return { _: 'messages.dialogs', ...payload };
  return { _: 'messages.dialogsSlice', count: total, ...payload };
}

/** messages.peerDialogs of box dialogs plus channel dialogs, in the order of `order` (peerKeys) when given. */
export function mergePeerDialogs(res: Obj<'messages.peerDialogs'>, extra: ChannelPayload, order?: readonly string[]): Obj<'messages.peerDialogs'> {
  let dialogs = [...res.dialogs, ...extra.dialogs];
  if (order) {
    const at = new Map(order.map((k, i) => [k, i]));
    dialogs = dialogs.sort((a, b) => (at.get(dialogKey(a)) ?? 0) - (at.get(dialogKey(b)) ?? 0));
  }
  return { ...res, dialogs, messages: [...res.messages, ...extra.messages], chats: [...res.chats, ...extra.chats], users: dedupeUsers([...res.users, ...extra.users]) };
}

/** Users by id, first occurrence kept (two payloads merged may both carry a user). */
export function dedupeUsers(users: TlType<'User'>[]): TlType<'User'>[] {
  const seen = new Set<bigint>();
  return users.filter((u) => !seen.has(u.id) && (seen.add(u.id), true));
}
