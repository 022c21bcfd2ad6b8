// Where a pushed update goes and how it waits there (core.telegram.org/api/updates): once per device, on the
// session it last subscribed to updates with (update-subscriptions.ts), queued until the client acknowledges it.
import type { Logger } from 'pino';
import { CANONICAL_LAYER, encodeObject, type TlObject } from '../../tl/index.js';
import type { SessionRef } from '../../contracts/push.js';
import type { SessionMetrics } from '../../infra/metrics/metrics.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import type { Outbound } from './outbound.js';
import type { Resends } from './resend.js';
import { isLive, type SessionState } from './session-state.js';
import type { DeviceSubscriptions } from './update-subscriptions.js';

/**
 * Updates kept for a session whose connection is gone (it gets them when it comes back, see deliver);
 * beyond this the oldest go, and the client, seeing the pts gap, asks for a difference.
 */
const MAX_UPDATES_WHILE_AWAY = 1000;

export interface PushQueueDeps {
  keys: AuthKeyRegistry;
  log: Logger;
  now: () => number;
  metrics?: SessionMetrics;
  subscriptions: DeviceSubscriptions<SessionState>;
  outbound: Outbound;
  resends: Resends;
}

export class PushQueue {
  constructor(private readonly deps: PushQueueDeps) {}

  /**
   * Pushes to each signed-in device of the user once, on the session it subscribed to updates with (see
   * update-subscriptions.ts): with PFS a device has several keys, and downloads run on sessions of their own.
   */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void {
    const encoded = new Map<number, Buffer>();
    const devices = new Set<bigint>();
    for (const key of this.deps.keys.contextsOfUser(userId)) devices.add(key.permKeyId ?? key.authKey.id);
    for (const device of devices) {
      const target = this.deps.subscriptions.targetOf(device, isLive);
      if (!target || (except && except.authKeyId === target.key.authKey.id && except.sessionId === target.session.id)) continue;
      const layer = target.key.layer || CANONICAL_LAYER;
      let body = encoded.get(layer);
      if (!body) {
        body = this.encodeUpdates(updates, layer);
        if (!body) continue;
        encoded.set(layer, body);
      }
      this.deliver(target, body);
    }
  }

  pushToAuthKey(permKeyId: bigint, updates: TlObject): void {
    const target = this.deps.subscriptions.targetOf(permKeyId, isLive);
    if (!target) return;
    const body = this.encodeUpdates(updates, target.key.layer || CANONICAL_LAYER);
    if (body) this.deliver(target, body);
  }

  /** A device signed out: what was pushed to it for its user and not yet acknowledged must not reach it any more. */
  dropPendingUpdates(permKeyId: bigint): void {
    this.deps.resends.dropUnackedUpdates(this.deps.subscriptions.sessionsOf(permKeyId));
  }

  /**
   * The session made a call that subscribes it to updates. When it is new to its device (the client left
   * another session behind: mtcute starts a new one after a ping timeout, a PFS client after a new temporary
   * key), it takes over the updates that the device's sessions without a connection still hold unacknowledged.
   */
  subscribe(state: SessionState): void {
    const wasProvisional = state.provisional === true;
    state.provisional = false;
    const device = state.key.permKeyId ?? state.key.authKey.id;
    if (!this.deps.subscriptions.subscribe(state, device, this.deps.now()) && !wasProvisional) return;
    for (const other of this.deps.subscriptions.sessionsOf(device)) {
      if (other !== state && !isLive(other)) this.deps.resends.adoptUpdates(state, other);
    }
  }

  /**
   * A signed-in device's session that arrives here while the device has no subscribed session on this node:
   * with several nodes this is a device that moved from another node (its subscription is there, or died with
   * it), and clients do not always make a call after reconnecting (mtcute resumes its session and waits), so
   * without this its updates would find no session here. It is subscribed at the lowest priority, so any
   * session of the device that subscribes by a call takes precedence, and it loses the subscription if its first
   * call is a file transfer (a download session, whose client ignores updates).
   */
  subscribeOnArrival(state: SessionState): void {
    if (state.key.userId === undefined) return;
    const device = state.key.permKeyId ?? state.key.authKey.id;
    if (this.deps.subscriptions.targetOf(device, isLive)) return;
    // No adoption of held updates yet: a download session must not take them; its first real call does.
    this.deps.subscriptions.subscribe(state, device, 0);
    state.provisional = true;
  }

  /** The session's first call left its subscription as it was: a provisional one ends (a download session). */
  settleProvisional(state: SessionState, subscribing: boolean): void {
    if (!state.provisional) return;
    state.provisional = false;
    if (!subscribing) this.deps.subscriptions.remove(state);
  }

  private encodeUpdates(updates: TlObject, layer: number): Buffer | undefined {
    try {
      return encodeObject(updates, layer);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, layer, update: updates._ }, 'update cannot be encoded for this layer');
      return undefined;
    }
  }

  /**
   * Queues an update on the session; it stays there until the client acknowledges it. A session whose
   * connection is gone keeps it for when its client comes back: clients resume their session after a
   * reconnect and do not ask for a difference unless they see a pts gap (and mtcute not even on
   * new_session_created), so an update dropped here would be lost to them.
   */
  private deliver(target: SessionState, body: Buffer): void {
    target.session.enqueue(body, true, { update: true });
    if (!isLive(target)) target.session.trimQueuedUpdates(MAX_UPDATES_WHILE_AWAY);
    this.deps.metrics?.updatesPushed(1);
    this.deps.outbound.scheduleFlush(target);
  }
}
