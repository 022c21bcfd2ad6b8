// Sync: delivery of updates to a user's online sessions through the bus topic Sync-T. The bus delivers at
// least once, so the consumer may see a record again (Kafka: a batch whose offsets were not committed when
// the consumer lost its broker). Updates with a pts would be dropped by clients (core.telegram.org/api/updates),
// but many pushes carry none (typing, drafts, notify settings, pinned dialogs, user status), so every event
// carries an id and the consumer skips ids it has pushed recently. The window only needs to cover one
// redelivery in this process: a consumer that died took its connections with it, and the devices catch up
// with getDifference when they reconnect.
import { randomBytes } from 'node:crypto';
import { SYNC_TOPIC, type EventBus, type Subscription } from '../infra/bus/index.js';
import type { Obj, TlType } from '../tl/index.js';
import type { SessionRef, UpdatePusher } from '../contracts/push.js';
import type { RoutedPusher } from './sync-routes.js';

export interface SyncEvent {
  userId: bigint;
  /** An Updates object (updates, updateShort, updateShortMessage, ...). */
  updates: TlType<'Updates'>;
  /** The session that caused it and got the RPC result instead. */
  except?: SessionRef;
  /** Only this device of the user (its perm key id): a secret chat lives on one device of each side. */
  device?: bigint;
}

/** A SyncEvent as it travels on Sync-T. */
export interface SyncRecord extends SyncEvent {
  /** Unique per event: the process's random prefix and a counter. */
  eventId: string;
}

/** Event ids remembered for deduplication; more than a consumer's largest uncommitted batch. */
export const SYNC_DEDUPE_WINDOW = 50_000;

export class SyncChannel {
  private readonly sub: Subscription;
  private readonly idPrefix = randomBytes(8).toString('hex');
  private nextId = 0;
  /** Recently pushed event ids. */
  private readonly pushed = new Set<string>();
  /**
   * The same ids in a ring, oldest at `ringAt` once full: the one to forget is deleted by key. Taking the Set's
   * first entry instead (values().next()) walks over the slots earlier deletions left at its front, up to
   * tens of thousands per push until the Set rehashes (6% of the server's time at 3,000 msg/s).
   */
  private readonly ring: string[] = [];
  private ringAt = 0;

  /**
   * `router` (several nodes): Sync-T is consumed by one group shared by every node, so each record is handled
   * once, by the node owning its partition, which hands it to the nodes holding the user (sync-routes.ts).
   */
  constructor(
    private readonly bus: EventBus,
    push: UpdatePusher,
    router?: RoutedPusher,
  ) {
    if (router) {
      this.sub = bus.subscribe<SyncRecord>(SYNC_TOPIC, 'sessions', (e) => router.route(e));
      return;
    }
    // A bus that never hands a handled record again (in process) needs no window.
    const dedupe = bus.redeliversHandled !== false;
    this.sub = bus.subscribe<SyncRecord>(SYNC_TOPIC, 'sessions', (e) => {
      if (dedupe && this.pushed.has(e.eventId)) return;
      if (e.device !== undefined) push.pushToAuthKey(e.device, e.updates);
      else push.pushToUser(e.userId, e.updates, e.except);
      if (dedupe) this.remember(e.eventId);
    });
  }

  private remember(eventId: string): void {
    this.pushed.add(eventId);
    if (this.ring.length < SYNC_DEDUPE_WINDOW) {
      this.ring.push(eventId);
      return;
    }
    this.pushed.delete(this.ring[this.ringAt]!);
    this.ring[this.ringAt] = eventId;
    this.ringAt = (this.ringAt + 1) % SYNC_DEDUPE_WINDOW;
  }

  publish(events: readonly SyncEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.bus.publish<SyncRecord>(
      SYNC_TOPIC,
      events.map((e) => ({ key: String(e.userId), value: { ...e, eventId: `${this.idPrefix}:${this.nextId++}` } })),
    );
  }

  /** Stops this node's Sync-T consumer (see Subscription.close). */
  close(): Promise<void> {
    return this.sub.close();
  }
}

/** The `updates` container with no seq (pts-ordered updates only). */
export function updatesContainer(updates: TlType<'Update'>[], users: TlType<'User'>[], date: number, chats: TlType<'Chat'>[] = []): Obj<'updates'> {
  return { _: 'updates', updates, users, chats, date, seq: 0 };
}
