// Several nodes: a device's pushed updates follow it from node to node (src/messenger/sync-routes.ts carries
// them). When a signed-in device subscribes to updates on a node, every other node hands that node what the
// device's sessions there hold unacknowledged and stops queuing for the device, so nothing sent while it moved
// stays behind (a pts-less update would be lost) or reaches it twice when it comes back to the old node with
// its old session. The arrival node queues the handed-over updates to the device's session, skipping those it
// gave the device itself: while the device moves, a push may be routed to both nodes (the old node's route
// entry lives on through the offline grace), and it arrives at the two in either order.

import type { HandedOverUpdate } from '../../contracts/push.js';

export type { HandedOverUpdate };

/** How long after a device arrives the events given to it are remembered: hand-overs come within moments. */
export const ARRIVAL_WINDOW_MS = 60_000;
/** Events remembered per device in its window; a device given more meanwhile is a busy one, caught up by pts. */
const MAX_EVENTS_PER_DEVICE = 4096;

/**
 * The events each recently arrived device was given on this node (pushed live or handed over), so that it is
 * given each event once. Outside its window a device is not tracked: nothing is handed over to it then.
 */
export class ArrivalWindows {
  /** By device; every window lasts as long, so the oldest to expire come first (a Map keeps insertion order). */
  private readonly windows = new Map<bigint, { until: number; given: Set<string> }>();

  constructor(private readonly windowMs = ARRIVAL_WINDOW_MS) {}

  /** The device subscribed here: its window (re)starts, keeping what it was given already. */
  open(device: bigint, now: number): void {
    this.expire(now);
    const given = this.windows.get(device)?.given ?? new Set<string>();
    this.windows.delete(device);
    this.windows.set(device, { until: now + this.windowMs, given });
  }

  /**
   * Whether the device is to be given this event now: false when its window shows it was given it already.
   * An answer of true records the event.
   */
  give(device: bigint, eventId: string | undefined, now: number): boolean {
    if (eventId === undefined) return true;
    this.expire(now);
    const window = this.windows.get(device);
    if (!window) return true;
    if (window.given.has(eventId)) return false;
    if (window.given.size < MAX_EVENTS_PER_DEVICE) window.given.add(eventId);
    return true;
  }

  /** Devices with an open window (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private expire(now: number): void {
    for (const [device, window] of this.windows) {
      if (window.until > now) break;
      this.windows.delete(device);
    }
  }
}

/**
 * The order a node hands a device's updates over in: the order it queued them (server msg_ids grow with time
 * on one node), across the device's sessions there.
 */
export function inQueuedOrder<T extends { msgId: bigint }>(messages: T[]): T[] {
  return messages.sort((a, b) => (a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0));
}
