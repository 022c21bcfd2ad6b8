// Where a pushed update goes and how it waits there (core.telegram.org/api/updates): once per device, on the
// session it last subscribed to updates with (update-subscriptions.ts), queued until the client acknowledges it.
import type { Logger } from 'pino';
import { CANONICAL_LAYER, decodeObject, encodeObject, type TlObject } from '../../tl/index.js';
import type { SessionRef } from '../../contracts/push.js';
import type { SessionMetrics } from '../../infra/metrics/metrics.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import type { Outbound } from './outbound.js';
import type { Resends } from './resend.js';
import { isLive, type SessionState } from './session-state.js';
import type { DeviceSubscriptions } from './update-subscriptions.js';
import { ArrivalWindows, inQueuedOrder, ParkedUpdates, type HandedOverUpdate } from './hand-over.js';

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
  /** Several nodes (hand-over.ts): told of each signed-in device that subscribes to updates here. */
  private readonly arrivalListeners: Array<(permKeyId: bigint, userId: bigint) => void> = [];
  private readonly arrivals = new ArrivalWindows();
  private readonly parked = new ParkedUpdates();

  constructor(private readonly deps: PushQueueDeps) {}

  /**
   * Pushes to each signed-in device of the user once, on the session it subscribed to updates with (see
   * update-subscriptions.ts): with PFS a device has several keys, and downloads run on sessions of their own.
   * `eventId` (several nodes) names the push, so that a device that just arrived here is given it once even
   * when the node it came from hands it over too.
   */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef, eventId?: string): void {
    const encoded = new Map<number, Buffer>();
    const devices = new Set<bigint>();
    for (const key of this.deps.keys.contextsOfUser(userId)) devices.add(key.permKeyId ?? key.authKey.id);
    for (const device of devices) {
      const target = this.deps.subscriptions.targetOf(device, isLive);
      if (!target || (except && except.authKeyId === target.key.authKey.id && except.sessionId === target.session.id)) continue;
      if (!this.arrivals.give(device, eventId, this.deps.now())) continue;
      const layer = target.key.layer || CANONICAL_LAYER;
      let body = encoded.get(layer);
      if (!body) {
        body = this.encodeUpdates(updates, layer);
        if (!body) continue;
        encoded.set(layer, body);
      }
      this.deliver(target, body, eventId);
    }
  }

  pushToAuthKey(permKeyId: bigint, updates: TlObject, eventId?: string): void {
    const target = this.deps.subscriptions.targetOf(permKeyId, isLive);
    if (!target || !this.arrivals.give(permKeyId, eventId, this.deps.now())) return;
    const body = this.encodeUpdates(updates, target.key.layer || CANONICAL_LAYER);
    if (body) this.deliver(target, body, eventId);
  }

  /** Several nodes: `listener` learns of each signed-in device that subscribes to updates here (hand-over.ts). */
  onDeviceArrival(listener: (permKeyId: bigint, userId: bigint) => void): void {
    this.arrivalListeners.push(listener);
  }

  /**
   * The device subscribed to updates on another node: the updates its sessions here without a connection hold
   * unacknowledged are taken off them, in the order they were queued, for that node, and those sessions stop
   * drawing pushes. If the client comes back here with one of them, it is subscribed on arrival again. A
   * session of the device with a live connection keeps its updates and subscription (a download connection may
   * reach another node while the main one stays here).
   */
  releaseDevice(permKeyId: bigint, userId: bigint): HandedOverUpdate[] {
    const taken: Array<{ msgId: bigint; update: HandedOverUpdate }> = [];
    for (const state of [...this.deps.subscriptions.sessionsOf(permKeyId)]) {
      if (isLive(state)) continue;
      const updates = this.takeUpdates(state);
      // Pushed for the user the device was signed in as then: not for another account it signed in to since.
      if (state.key.userId === userId) taken.push(...updates);
      this.deps.subscriptions.remove(state);
      state.subscribedAt = undefined;
      state.provisional = false;
    }
    // Parked ones are older than anything the device's sessions here hold.
    const released = [...this.parked.take(permKeyId, userId, this.deps.now()), ...inQueuedOrder(taken).map((t) => t.update)];
    this.arrivals.forget(permKeyId, released.map((u) => u.eventId));
    return released;
  }

  private takeUpdates(state: SessionState): Array<{ msgId: bigint; update: HandedOverUpdate }> {
    const layer = state.key.layer || CANONICAL_LAYER;
    return state.session.takeUnackedUpdateMessages().map((msg) => ({ msgId: msg.msgId, update: { body: msg.body, layer, ...(msg.eventId !== undefined ? { eventId: msg.eventId } : {}) } }));
  }

  /**
   * Updates another node held for a device that has since subscribed here: queued, in their order, to the
   * session its updates go to, except those it was given here already (pushed to both nodes while it moved).
   */
  adoptDevice(permKeyId: bigint, userId: bigint, updates: readonly HandedOverUpdate[]): number {
    const now = this.deps.now();
    const fresh = updates.filter((u) => this.arrivals.give(permKeyId, u.eventId, now));
    const target = this.deps.subscriptions.targetOf(permKeyId, isLive);
    if (!target) {
      // Its session here was a download session, and is gone from the subscriptions already.
      this.parked.park(permKeyId, userId, fresh, now);
      return 0;
    }
    // The device signed in to another account meanwhile: not for it.
    if (target.key.userId !== userId) return 0;
    return this.queueHandedOver(target, fresh);
  }

  /** Queues updates from another node (or parked here) to the session, in their order. */
  private queueHandedOver(target: SessionState, updates: readonly HandedOverUpdate[]): number {
    // A key this node has not seen a layer for yet (the client resumed without a call) keeps the layer the other
    // node served it in: that is the client's, a guess here would not be.
    const layer = target.key.layer;
    let queued = 0;
    for (const update of updates) {
      const body = !layer || update.layer === layer ? update.body : this.reencode(update.body, layer);
      if (!body) continue;
      target.session.enqueue(body, true, { update: true, eventId: update.eventId });
      queued++;
    }
    if (queued > 0) {
      if (!isLive(target)) target.session.trimQueuedUpdates(MAX_UPDATES_WHILE_AWAY);
      this.deps.metrics?.updatesPushed(queued);
      this.deps.outbound.scheduleFlush(target);
      this.deps.log.debug({ session: target.session.id.toString(), count: queued }, 'updates handed over from another node');
    }
    return queued;
  }

  /** A device signed out: what was pushed to it for its user and not yet acknowledged must not reach it any more. */
  dropPendingUpdates(permKeyId: bigint): void {
    this.deps.resends.dropUnackedUpdates(this.deps.subscriptions.sessionsOf(permKeyId));
    this.parked.drop(permKeyId);
  }

  /** A session of the device subscribed here: it takes the updates parked for the device (several nodes). */
  private unpark(state: SessionState, device: bigint): void {
    if (this.parked.size > 0 && state.key.userId !== undefined) this.queueHandedOver(state, this.parked.take(device, state.key.userId, this.deps.now()));
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
    this.unpark(state, device);
    // A provisional subscription announced the device already; another session of it is new here.
    if (!wasProvisional) this.arrived(state, device);
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
    this.unpark(state, device);
    // The other nodes hand over what they hold for the device now: a client that makes no call after
    // reconnecting is to get it too.
    this.arrived(state, device);
  }

  /** Tells the other nodes (several nodes) that the device subscribed here, and starts its arrival window. */
  private arrived(state: SessionState, device: bigint): void {
    const userId = state.key.userId;
    if (userId === undefined || this.arrivalListeners.length === 0) return;
    this.arrivals.open(device, this.deps.now());
    for (const listener of this.arrivalListeners) listener(device, userId);
  }

  /** The session's first call left its subscription as it was: a provisional one ends (a download session). */
  settleProvisional(state: SessionState, subscribing: boolean): void {
    if (!state.provisional) return;
    state.provisional = false;
    if (subscribing) return;
    this.deps.subscriptions.remove(state);
    // Several nodes: what was handed over or pushed to it and not sent yet waits for the device's next session
    // (a client ignores updates on a download session; one it was sent may have been seen, by a client that
    // downloads on its main session, and is left as on one node, where nothing changes).
    if (this.arrivalListeners.length > 0 && state.key.userId !== undefined) {
      const device = state.key.permKeyId ?? state.key.authKey.id;
      const layer = state.key.layer || CANONICAL_LAYER;
      const queued = state.session.takeQueuedUpdates().map((m) => ({ body: m.body, layer, ...(m.eventId !== undefined ? { eventId: m.eventId } : {}) }));
      this.parked.park(device, state.key.userId, queued, this.deps.now());
    }
  }

  /** An update serialized for another layer (a device whose keys declared different layers on two nodes). */
  private reencode(body: Uint8Array, layer: number): Buffer | undefined {
    try {
      return this.encodeUpdates(decodeObject(body), layer);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, layer }, 'handed-over update cannot be read for this layer');
      return undefined;
    }
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
  private deliver(target: SessionState, body: Buffer, eventId?: string): void {
    target.session.enqueue(body, true, { update: true, eventId });
    if (!isLive(target)) target.session.trimQueuedUpdates(MAX_UPDATES_WHILE_AWAY);
    this.deps.metrics?.updatesPushed(1);
    this.deps.outbound.scheduleFlush(target);
  }
}
