// Where a user's pushes go when several nodes share the engines. Sync-T is consumed by one consumer group
// shared by every node, so each record is handled once, by whichever node owns its partition (keyed by user,
// so one user's pushes stay in order). That node asks the route map in Redis which nodes hold a connection of
// the user (hash `route:<userId>`: node id -> valid until, written by each node while it holds one of the
// user's signed-in connections, as presence is) and hands the record to exactly those nodes: itself directly,
// the others on their own Redis pub/sub channel `echo:sync:<nodeId>`. No node sees the pushes of users it does
// not hold, so adding nodes does not multiply the push traffic each one reads.
//
// A push by auth key rather than by user (QR login: the device waiting for updateLoginToken has no user yet)
// goes the same way, to the nodes the device said it waits on (hash `route:key:<permKeyId>`, written with
// holdDevice when it exports its token, living as long as the token); its node pushes it to the device.
//
// The hand-over is best effort, like a push on a connection that drops: a node that is not subscribed at that
// moment (dying, reconnecting to Redis) misses it, and its devices catch up with updates.getDifference when they
// reconnect, as after any lost push. But a record is only counted as handled once the route map was read and
// every hand-over was accepted: otherwise route() rejects and the Sync-T consumer tries it again. Every record
// keeps its event id, so the receiving node's de-duplication hides such a retry, or a Kafka redelivery (routed
// again by the partition's next owner), from the client.
//
// A device's unacknowledged updates follow it between nodes (src/interface/session/hand-over.ts): when a
// signed-in device subscribes to updates on a node, that node first writes its route entry for the user, then
// announces the arrival (perm key id, node id) on the channel `echo:arrivals`, which every node reads. A node
// whose sessions of that device have lost their connection takes the updates they hold unacknowledged (event
// ids kept, oldest first) and publishes them on the arrival node's `echo:sync:<nodeId>`; those sessions draw
// no more pushes (the node's route entry may live on through the offline grace). The arrival node queues them
// to the device, skipping the events it gave the device itself. Like a forwarded push, a hand-over is best
// effort: one lost (Redis down at that moment) leaves the device to catch up with getDifference.
//
// A node that shuts down stops its Sync-T consumer before anything else it routes with (src/app/echod.ts), then
// withdraws its route entries as it closes its connections: from then on the other nodes route its users'
// pushes, to the nodes their devices moved to.
import type { Broadcast } from '../infra/kv/broadcast.js';
import type { NodePresenceMap } from '../infra/kv/presence-map.js';
import { decodeRecordValue, encodeRecordValue } from '../infra/bus/record-codec.js';
import { randomBytes } from 'node:crypto';
import type { HandedOverUpdate, NodeSessions, SessionRef, UpdatePusher } from '../contracts/push.js';
import type { TlObject, TlType } from '../tl/index.js';
import { SYNC_DEDUPE_WINDOW, type SyncRecord } from './sync.js';

export const ROUTE_KEY_PREFIX = 'route:';
/** The route map of devices waiting for a push by their perm key (QR login). */
export const DEVICE_ROUTE_KEY_PREFIX = 'route:key:';
const CHANNEL_PREFIX = 'echo:sync:';
/** Every node reads it: the devices that subscribed to updates on some node. */
export const ARRIVALS_CHANNEL = 'echo:arrivals';

/** A device's unacknowledged updates, from the node it left to the node it subscribed on. */
export interface HandOver {
  device: bigint;
  /** The account the device subscribed as. */
  userId: bigint;
  updates: HandedOverUpdate[];
}

export interface SyncRoutes {
  /** This node. */
  readonly nodeId: string;
  /** The nodes holding a live connection of each user (this one included), one round trip. */
  nodesOf(userIds: readonly bigint[]): Promise<Map<bigint, string[]>>;
  /** The device (perm key) waits on this node for pushes by its key, for `ttlMs` from now. */
  holdDevice(permKeyId: bigint, ttlMs: number): Promise<void>;
  /** The nodes a device said it waits on, still valid (this one included). */
  nodesOfDevice(permKeyId: bigint): Promise<string[]>;
  /** Hands records to another node's receiver. */
  forward(nodeId: string, records: readonly SyncRecord[]): Promise<void>;
  /** Hands a device's updates to the node it subscribed on. */
  handOver(nodeId: string, handOver: HandOver): Promise<void>;
  /** Records and hand-overs other nodes send here; resolves once listening. */
  receive(handler: (record: SyncRecord) => void, onHandOver?: (handOver: HandOver) => void): Promise<void>;
  /** Tells every node that the device (perm key), signed in as the user, subscribed to updates on this one. */
  announceArrival(permKeyId: bigint, userId: bigint): Promise<void>;
  /** Devices that subscribed on other nodes; resolves once listening. */
  onArrival(handler: (permKeyId: bigint, userId: bigint, nodeId: string) => void): Promise<void>;
}

export class RedisSyncRoutes implements SyncRoutes {
  constructor(
    readonly nodeId: string,
    private readonly map: NodePresenceMap,
    private readonly channels: Broadcast,
    private readonly now: () => number,
    /** Devices waiting for a push by their key, by perm key id (DEVICE_ROUTE_KEY_PREFIX). */
    private readonly devices: NodePresenceMap,
  ) {}

  async nodesOf(userIds: readonly bigint[]): Promise<Map<bigint, string[]>> {
    return this.live(await this.map.read(userIds));
  }

  holdDevice(permKeyId: bigint, ttlMs: number): Promise<void> {
    const now = this.now();
    return this.devices.hold([permKeyId], this.nodeId, now + ttlMs, now);
  }

  async nodesOfDevice(permKeyId: bigint): Promise<string[]> {
    return this.live(await this.devices.read([permKeyId])).get(permKeyId) ?? [];
  }

  private live(entries: Map<bigint, Map<string, number>>): Map<bigint, string[]> {
    const at = this.now();
    const out = new Map<bigint, string[]>();
    for (const [id, nodes] of entries) {
      const live = [...nodes].filter(([, until]) => until > at).map(([node]) => node);
      if (live.length > 0) out.set(id, live);
    }
    return out;
  }

  async forward(nodeId: string, records: readonly SyncRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.channels.publish(CHANNEL_PREFIX + nodeId, encodeRecordValue(records).toString('utf8'));
  }

  async handOver(nodeId: string, handOver: HandOver): Promise<void> {
    await this.channels.publish(CHANNEL_PREFIX + nodeId, encodeRecordValue({ handOver }).toString('utf8'));
  }

  receive(handler: (record: SyncRecord) => void, onHandOver?: (handOver: HandOver) => void): Promise<void> {
    return this.channels.subscribe(CHANNEL_PREFIX + this.nodeId, (message) => {
      const value = decodeRecordValue(Buffer.from(message, 'utf8')) as SyncRecord[] | { handOver: HandOver };
      if (Array.isArray(value)) for (const record of value) handler(record);
      else onHandOver?.(value.handOver);
    });
  }

  async announceArrival(permKeyId: bigint, userId: bigint): Promise<void> {
    await this.channels.publish(ARRIVALS_CHANNEL, JSON.stringify({ device: permKeyId.toString(), user: userId.toString(), node: this.nodeId }));
  }

  onArrival(handler: (permKeyId: bigint, userId: bigint, nodeId: string) => void): Promise<void> {
    return this.channels.subscribe(ARRIVALS_CHANNEL, (message) => {
      let arrival: { device: bigint; user: bigint; node: string };
      try {
        const parsed = JSON.parse(message) as { device: string; user: string; node: string };
        arrival = { device: BigInt(parsed.device), user: BigInt(parsed.user), node: String(parsed.node) };
      } catch {
        return; // Not one of ours (the channel is only written by nodes): throwing here would reach the Redis client.
      }
      if (arrival.node !== this.nodeId) handler(arrival.device, arrival.user, arrival.node);
    });
  }
}

export interface RoutedPusherOptions {
  /** This node's session layer: its devices. */
  local: NodeSessions;
  routes: SyncRoutes;
  /** Writes this node's route entries (`route:<userId>`) while it holds a user's connections. */
  held: { changed(userId: bigint): Promise<void>; close(): Promise<void> };
  /** A lookup or hand-over failed; the push then reached this node's devices only. */
  onError?: (err: unknown) => void;
}

/**
 * The UpdatePusher of a node among several: a push for a user goes to every node holding one of the user's
 * connections (the Sync-T consumer routes through it too), each node pushing once per event id to its own
 * devices. `isOnline` cannot know synchronously whether another node holds the user, so it answers "maybe"
 * (true) and the routing drops pushes for users no node holds; `isOnlineAnywhere` asks the route map.
 */
export class RoutedPusher implements UpdatePusher {
  private readonly idPrefix = randomBytes(8).toString('hex');
  private nextId = 0;
  /** Recently pushed event ids, oldest first (a Set keeps insertion order). */
  private readonly pushed = new Set<string>();
  private readonly listeners: Array<(userId: bigint, online: boolean) => void> = [];
  readonly listening: Promise<void>;

  constructor(private readonly opts: RoutedPusherOptions) {
    // A record that cannot be pushed (a bug, not a network fault) must not take the Redis subscriber down with it.
    const guarded = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.failed(err);
      }
    };
    this.listening = Promise.all([
      opts.routes.receive(guarded((record) => this.deliver(record)), guarded((h) => void opts.local.adoptDevice(h.device, h.userId, h.updates))),
      opts.routes.onArrival(guarded((device, userId, node) => this.release(device, userId, node))),
    ])
      .then(() => undefined)
      .catch((err) => this.failed(err));
    opts.local.onConnectivity((userId, online) => {
      void opts.held.changed(userId);
      for (const listener of this.listeners) listener(userId, online);
    });
    opts.local.onDeviceArrival((device, userId) => void this.announceArrival(device, userId));
  }

  /**
   * A device of the user subscribed here. Its route entry is written first, so that a node which then stops
   * queuing for the device has the pushes routed after that reach this node.
   */
  private async announceArrival(device: bigint, userId: bigint): Promise<void> {
    await this.opts.held.changed(userId);
    await this.opts.routes.announceArrival(device, userId).catch((err) => this.failed(err));
  }

  /** The device subscribed on `node`: what its sessions here held for it goes there. */
  private release(device: bigint, userId: bigint, node: string): void {
    const updates = this.opts.local.releaseDevice(device, userId);
    if (updates.length > 0) this.opts.routes.handOver(node, { device, userId, updates }).catch((err) => this.failed(err));
  }

  /** A fresh event id (for pushes that do not come from Sync-T). */
  eventId(): string {
    return `${this.idPrefix}:${this.nextId++}`;
  }

  /** Pushes to this node's devices, once per event id. */
  deliver(e: SyncRecord): void {
    if (this.pushed.has(e.eventId)) return;
    if (e.device !== undefined) this.opts.local.pushToAuthKey(e.device, e.updates, e.eventId);
    else this.opts.local.pushToUser(e.userId, e.updates, e.except, e.eventId);
    this.pushed.add(e.eventId);
    if (this.pushed.size > SYNC_DEDUPE_WINDOW) this.pushed.delete(this.pushed.values().next().value!);
  }

  /**
   * Hands the record to every node holding the user (this one directly); resolves once each has it. Rejects
   * when the route map could not be read or a hand-over failed (after delivering what it could): the Sync-T
   * consumer then does not count the record as handled and tries it again, the nodes that already have it
   * skipping it by its event id (the bus gives up only after its retries, and reports it).
   */
  async route(e: SyncRecord): Promise<void> {
    const { routes, local } = this.opts;
    let nodes: string[] = [];
    let failure: unknown;
    try {
      nodes = (await routes.nodesOf([e.userId])).get(e.userId) ?? [];
    } catch (err) {
      failure = err;
    }
    // This node's own devices count even before their route entry is written (a connection a moment old).
    if (!nodes.includes(routes.nodeId) && local.isOnline(e.userId)) nodes.push(routes.nodeId);
    await Promise.all(
      nodes.map(async (node) => {
        if (node === routes.nodeId) return this.deliver(e);
        await routes.forward(node, [e]).catch((err) => void (failure ??= err));
      }),
    );
    if (failure !== undefined) throw failure;
  }

  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void {
    this.route({ userId, updates: updates as TlType<'Updates'>, ...(except ? { except } : {}), eventId: this.eventId() }).catch((err) => this.failed(err));
  }

  /**
   * QR login's waiting device, by its perm key: to the nodes it waits on (holdDevice), which push it to the
   * device if it is still connected there. Unknown (or the lookup failed): this node's devices only.
   */
  pushToAuthKey(permKeyId: bigint, updates: TlObject): void {
    this.routeToDevice({ userId: 0n, device: permKeyId, updates: updates as TlType<'Updates'>, eventId: this.eventId() }).catch((err) => this.failed(err));
  }

  async holdDevice(permKeyId: bigint, ttlMs: number): Promise<void> {
    try {
      await this.opts.routes.holdDevice(permKeyId, ttlMs);
    } catch (err) {
      this.failed(err);
    }
  }

  private async routeToDevice(e: SyncRecord & { device: bigint }): Promise<void> {
    const { routes } = this.opts;
    let nodes: string[];
    try {
      nodes = await routes.nodesOfDevice(e.device);
    } catch (err) {
      this.failed(err);
      nodes = [];
    }
    if (nodes.length === 0) nodes = [routes.nodeId];
    await Promise.all(
      nodes.map(async (node) => {
        if (node === routes.nodeId) return this.deliver(e);
        await routes.forward(node, [e]).catch((err) => this.failed(err));
      }),
    );
  }

  isOnline(_userId: bigint): boolean {
    return true;
  }

  async isOnlineAnywhere(userId: bigint): Promise<boolean> {
    if (this.opts.local.isOnline(userId)) return true;
    try {
      return (await this.opts.routes.nodesOf([userId])).has(userId);
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  async onlineAmong(userIds: readonly bigint[]): Promise<Set<bigint>> {
    const out = new Set(userIds.filter((id) => this.opts.local.isOnline(id)));
    try {
      for (const id of (await this.opts.routes.nodesOf(userIds)).keys()) out.add(id);
    } catch (err) {
      this.failed(err);
    }
    return out;
  }

  onConnectivity(listener: (userId: bigint, online: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Withdraws this node's route entries (graceful shutdown). */
  close(): Promise<void> {
    return this.opts.held.close();
  }

  private failed(err: unknown): void {
    this.opts.onError?.(err);
  }
}
