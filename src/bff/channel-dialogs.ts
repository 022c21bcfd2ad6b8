// Channel dialogs merged into messages.getDialogs: the per-user boxes give private chats and basic
// groups, the channel service gives the channels the user is in; both are ordered by their top message's
// date, pinned box dialogs first, and cut to the page size.
import type { Obj, Res, TlType } from '../tl/index.js';
import { effectiveLimit } from '../messenger/box-reader.js';
import type { ChannelDialog } from '../messenger/channels/index.js';

interface ChannelPayload {
  dialogs: Obj<'dialog'>[];
  messages: TlType<'Message'>[];
  chats: TlType<'Chat'>[];
  users: TlType<'User'>[];
}

/** `channelTotal`: every channel dialog of the user (the page's `list` holds those past the offset). */
export function mergeChannelDialogs(base: Res<'messages.getDialogs'>, list: readonly ChannelDialog[], extra: ChannelPayload, requestedLimit: number, channelTotal: number): Res<'messages.getDialogs'> {
  if (base._ === 'messages.dialogsNotModified') return base;
  const limit = effectiveLimit(requestedLimit);
  const dateOf = new Map<string, number>();
  for (const m of base.messages) if (m._ !== 'messageEmpty' && m.peerId._ !== 'peerChannel') dateOf.set(String(m.id), m.date);
  type Entry = { dialog: TlType<'Dialog'>; date: number; pinned: boolean; channel?: number };
  const entries: Entry[] = base.dialogs.map((d) => ({ dialog: d, date: d._ === 'dialog' ? (dateOf.get(String(d.topMessage)) ?? 0) : 0, pinned: d.pinned === true }));
  list.forEach((c, i) => entries.push({ dialog: extra.dialogs[i]!, date: c.channel.topDate, pinned: false, channel: i }));
  entries.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.date - a.date);
  const page = entries.slice(0, limit);
  const keptChannels = new Set(page.flatMap((e) => (e.channel !== undefined ? [list[e.channel]!.channel.id] : [])));
  const channelMessages = extra.messages.filter((m) => m._ !== 'messageEmpty' && m.peerId._ === 'peerChannel' && keptChannels.has(m.peerId.channelId));
  const seen = new Set<bigint>();
  const users = [...base.users, ...extra.users].filter((u) => !seen.has(u.id) && (seen.add(u.id), true));
  const chats = [...base.chats, ...extra.chats.filter((c) => keptChannels.has(c.id))];
  const payload = { dialogs: page.map((e) => e.dialog), messages: [...base.messages, ...channelMessages], chats, users };
  const baseCount = base._ === 'messages.dialogsSlice' ? base.count : base.dialogs.length;
  const total = baseCount + channelTotal;
  if (base._ === 'messages.dialogs' && page.length >= total) return { _: 'messages.dialogs', ...payload };
  return { _: 'messages.dialogsSlice', count: total, ...payload };
}
