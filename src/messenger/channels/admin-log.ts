// The admin log of a channel (channels.getAdminLog, core.telegram.org/api/recent-actions): each recorded
// action keeps its kind (the flag of channelAdminLogEventsFilter that selects it) and its TL action.
import type { Obj, TlType } from '../../tl/index.js';

export const LOG_KINDS = ['join', 'leave', 'invite', 'ban', 'unban', 'kick', 'unkick', 'promote', 'demote', 'info', 'settings', 'pinned', 'edit', 'delete', 'invites'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export const logKindCode = (k: LogKind): number => LOG_KINDS.indexOf(k);
export const logKindOf = (code: number): LogKind | undefined => LOG_KINDS[code];

/** The kinds a channelAdminLogEventsFilter selects (all of them without a filter). */
export function kindsOf(filter: Obj<'channelAdminLogEventsFilter'> | undefined): number[] {
  if (!filter) return LOG_KINDS.map(logKindCode);
  return LOG_KINDS.filter((k) => filter[k] === true).map(logKindCode);
}

export interface LogEntry {
  id: bigint;
  date: number;
  userId: bigint;
  kind: LogKind;
  action: TlType<'ChannelAdminLogEventAction'>;
}

/** User ids an action names (participants), for the users vector. */
export function logUserIds(action: TlType<'ChannelAdminLogEventAction'>, into: Set<bigint>): void {
  const add = (p: TlType<'ChannelParticipant'> | undefined) => {
    if (!p) return;
    if ('userId' in p) into.add(p.userId);
    if ('peer' in p && p.peer._ === 'peerUser') into.add(p.peer.userId);
  };
  if ('participant' in action && typeof action.participant === 'object' && action.participant._.startsWith('channelParticipant')) add(action.participant as TlType<'ChannelParticipant'>);
  if ('prevParticipant' in action) add(action.prevParticipant);
  if ('newParticipant' in action) add(action.newParticipant);
}
