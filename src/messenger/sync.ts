// Sync: delivery of updates to a user's online sessions through the bus topic Sync-T. The consumer
// only pushes; a replayed record re-sends an update whose pts the client already has, which clients
// drop (core.telegram.org/api/updates), so replays are harmless.
import { SYNC_TOPIC, type EventBus, type Subscription } from '../infra/bus/index.js';
import type { Obj, TlType } from '../tl/index.js';
import type { SessionRef, UpdatePusher } from '../contracts/push.js';

export interface SyncEvent {
  userId: bigint;
  /** An Updates object (updates, updateShort, updateShortMessage, ...). */
  updates: TlType<'Updates'>;
  /** The session that caused it and got the RPC result instead. */
  except?: SessionRef;
}

export class SyncChannel {
  private readonly sub: Subscription;

  constructor(
    private readonly bus: EventBus,
    push: UpdatePusher,
  ) {
    this.sub = bus.subscribe<SyncEvent>(SYNC_TOPIC, 'sessions', (e) => push.pushToUser(e.userId, e.updates, e.except));
  }

  publish(events: readonly SyncEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.bus.publish(SYNC_TOPIC, events.map((e) => ({ key: String(e.userId), value: e })));
  }

  close(): void {
    this.sub.close();
  }
}

/** The `updates` container with no seq (pts-ordered updates only). */
export function updatesContainer(updates: TlType<'Update'>[], users: TlType<'User'>[], date: number, chats: TlType<'Chat'>[] = []): Obj<'updates'> {
  return { _: 'updates', updates, users, chats, date, seq: 0 };
}
