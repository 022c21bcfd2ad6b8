// Several nodes: a device's pushed updates follow it from node to node (src/messenger/sync-routes.ts carries
// them). When a signed-in device subscribes to updates on a node, every other node hands that node what the
// device's sessions there hold unacknowledged and stops queuing for the device, so nothing sent while it moved
// stays behind (a pts-less update would be lost) or reaches it twice when it comes back to the old node with
// its old session. The arrival node queues the handed-over updates to the device's session, skipping those it
// gave the device itself: while the device moves, a push may be routed to both nodes (the old node's route
// entry lives on through the offline grace), and it arrives at the two in either order. Only what was pushed
// for the account the device arrives signed in to moves (one that signed in to another account since gets
// none of the first one's). Updates handed to a device whose session here turns out to be a download session
// (subscribed on arrival until its first call, a file transfer) are parked for its next session here, or go on
// with it when it arrives elsewhere.

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

  /** These events left this node with the device (handed over): given again here, they are new to it. */
  forget(device: bigint, eventIds: Iterable<string | undefined>): void {
    const window = this.windows.get(device);
    if (window) for (const id of eventIds) if (id !== undefined) window.given.delete(id);
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

/** How long updates wait for their device's next session on this node (as long as a session without a connection lives). */
export const PARKED_MS = 30 * 60 * 1000;
/** Updates parked per device; beyond this the oldest go, and the device, seeing the pts gap, asks for a difference. */
const MAX_PARKED_PER_DEVICE = 1000;

/**
 * Updates handed over for a device that has no session here to take them: its arrival here was a download
 * session (subscribed on arrival, until its first call showed a file transfer; its client ignores updates
 * there). They wait for the device's next session here, or go on with the device when it arrives elsewhere.
 */
export class ParkedUpdates {
  /** By device, the least recently parked first (every entry lives as long). */
  private readonly byDevice = new Map<bigint, { until: number; userId: bigint; updates: HandedOverUpdate[] }>();

  constructor(private readonly parkedMs = PARKED_MS) {}

  /** Updates pushed to the device for `userId` (the account it was signed in to). */
  park(device: bigint, userId: bigint, updates: readonly HandedOverUpdate[], now: number): void {
    if (updates.length === 0) return;
    this.expire(now);
    const entry = this.byDevice.get(device);
    const held = entry?.userId === userId ? entry.updates : [];
    held.push(...updates);
    if (held.length > MAX_PARKED_PER_DEVICE) held.splice(0, held.length - MAX_PARKED_PER_DEVICE);
    this.byDevice.delete(device);
    this.byDevice.set(device, { until: now + this.parkedMs, userId, updates: held });
  }

  /** The device's parked updates for `userId`, oldest first; none stay parked (another account's go). */
  take(device: bigint, userId: bigint, now: number): HandedOverUpdate[] {
    this.expire(now);
    const entry = this.byDevice.get(device);
    if (!entry) return [];
    this.byDevice.delete(device);
    return entry.userId === userId ? entry.updates : [];
  }

  /** The device signed out. */
  drop(device: bigint): void {
    this.byDevice.delete(device);
  }

  get size(): number {
    return this.byDevice.size;
  }

  private expire(now: number): void {
    for (const [device, entry] of this.byDevice) {
      if (entry.until > now) break;
      this.byDevice.delete(device);
    }
  }
}
