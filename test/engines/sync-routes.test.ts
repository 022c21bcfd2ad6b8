// Push routing between nodes on a real Redis (scripts/engines.sh): three "nodes" in one process, each with its
// own connections (the session layer's side of UpdatePusher, recording what it would push), node id and Redis
// connections, sharing only Redis, as three echod would. A push reaches exactly the nodes holding the user,
// once per node, whichever node routes it and however often.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { RedisPresenceMap } from '../../src/infra/kv/presence-map.js';
import { RedisBroadcast } from '../../src/infra/kv/redis-broadcast.js';
import { SharedPresenceDirectory } from '../../src/service/users/presence-directory.js';
import { ARRIVALS_CHANNEL, DEVICE_ROUTE_KEY_PREFIX, RedisSyncRoutes, RoutedPusher, ROUTE_KEY_PREFIX } from '../../src/messenger/sync-routes.js';
import type { HandedOverUpdate, NodeSessions, SessionRef } from '../../src/contracts/push.js';
import type { TlObject } from '../../src/tl/index.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The session layer of one node, reduced to who is connected here and what was pushed to them. */
class LocalSessions implements NodeSessions {
  readonly connected = new Set<bigint>();
  readonly pushed: { userId: bigint; updates: TlObject; except?: SessionRef }[] = [];
  /** Devices (perm keys) connected here, and what was pushed to them by key. */
  readonly devices = new Set<bigint>();
  readonly pushedToKeys: { permKeyId: bigint; updates: TlObject }[] = [];
  private listener?: (userId: bigint, online: boolean) => void;
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void {
    if (this.connected.has(userId)) this.pushed.push({ userId, updates, ...(except ? { except } : {}) });
  }
  pushToAuthKey(permKeyId: bigint, updates: TlObject): void {
    if (this.devices.has(permKeyId)) this.pushedToKeys.push({ permKeyId, updates });
  }
  isOnline(userId: bigint): boolean {
    return this.connected.has(userId);
  }
  /** What this node holds for devices that left it (handed over when they arrive elsewhere). */
  readonly heldForDevices = new Map<bigint, HandedOverUpdate[]>();
  readonly released: { device: bigint; userId: bigint }[] = [];
  readonly adopted: { device: bigint; userId: bigint; updates: readonly HandedOverUpdate[] }[] = [];
  private arrival?: (permKeyId: bigint, userId: bigint) => void;
  onDeviceArrival(listener: (permKeyId: bigint, userId: bigint) => void): void {
    this.arrival = listener;
  }
  releaseDevice(permKeyId: bigint, userId: bigint): HandedOverUpdate[] {
    this.released.push({ device: permKeyId, userId });
    const held = this.heldForDevices.get(permKeyId) ?? [];
    this.heldForDevices.delete(permKeyId);
    return held;
  }
  adoptDevice(permKeyId: bigint, userId: bigint, updates: readonly HandedOverUpdate[]): number {
    this.adopted.push({ device: permKeyId, userId, updates });
    return updates.length;
  }
  /** A signed-in device of the user subscribes here. */
  arrive(permKeyId: bigint, userId: bigint): void {
    this.connect(userId);
    this.arrival?.(permKeyId, userId);
  }
  onConnectivity(listener: (userId: bigint, online: boolean) => void): void {
    this.listener = listener;
  }
  connect(userId: bigint): void {
    this.connected.add(userId);
    this.listener?.(userId, true);
  }
  /** The user's last connection here closed; as SessionService, going offline is announced only later. */
  drop(userId: bigint): void {
    this.connected.delete(userId);
  }
  texts(): string[] {
    return this.pushed.map((p) => (p.updates as any).message);
  }
}

interface NodeOptions {
  now?: () => number;
  /** Route entries' validity and refresh period (SharedPresenceDirectory's defaults: 90 s and 30 s). */
  ttlMs?: number;
  refreshMs?: number;
}

async function node(opts: NodeOptions = {}) {
  const nodeId = `test-${randomBytes(4).toString('hex')}`;
  const now = opts.now ?? Date.now;
  const store = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
  await store.check();
  const broadcast = new RedisBroadcast(store.connection);
  const map = new RedisPresenceMap(store.connection, ROUTE_KEY_PREFIX);
  const local = new LocalSessions();
  const held = new SharedPresenceDirectory({ local, map, nodeId, now, ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}), ...(opts.refreshMs ? { refreshMs: opts.refreshMs } : {}) });
  const errors: unknown[] = [];
  const routes = new RedisSyncRoutes(nodeId, map, broadcast, now, new RedisPresenceMap(store.connection, DEVICE_ROUTE_KEY_PREFIX));
  const router = new RoutedPusher({ local, routes, held, onError: (err) => errors.push(err) });
  await router.listening;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await router.close();
    await broadcast.close();
    await store.close();
  };
  closers.push(close);
  return { nodeId, local, router, errors, routes, held, store, close };
}

const user = () => BigInt(randomBytes(4).readUInt32LE()) + 10_000_000_000n;
const short = (message: string): TlObject => ({ _: 'updateShortMessage', message } as TlObject);

/** Resolves once `pred` holds, checking whenever a pushed record may have arrived (pub/sub is asynchronous). */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a push for a user held by node A, made on node B, reaches A only; the same event routed again by C is not pushed twice', async () => {
  const [a, b, c] = [await node(), await node(), await node()];
  const u = user();
  a.local.connect(u);
  // The route entry is written on the connectivity change; changed() resolves once it is.
  await a.held.changed(u);
  assert.deepEqual((await b.routes.nodesOf([u])).get(u), [a.nodeId]);

  b.router.pushToUser(u, short('from B'));
  await until(() => a.local.texts().includes('from B'), 'A pushes "from B"');

  // A Kafka redelivery handled by another partition owner routes the same event id again.
  const record = { userId: u, updates: short('once') as never, eventId: 'evt-1' };
  await b.router.route(record);
  await c.router.route(record);
  await a.router.route(record);
  const marker = { userId: u, updates: short('marker') as never, eventId: 'evt-2' };
  await c.router.route(marker);
  await until(() => a.local.texts().includes('marker'), 'A pushes the marker');
  assert.deepEqual(a.local.texts(), ['from B', 'once', 'marker'], 'each event pushed once, in order');
  assert.deepEqual(b.local.pushed, []);
  assert.deepEqual(c.local.pushed, []);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
});

test('a user on two nodes gets a push on each of them once; a user on none is pushed nowhere and is offline everywhere', async () => {
  const [a, b, c] = [await node(), await node(), await node()];
  const u = user();
  a.local.connect(u);
  b.local.connect(u);
  await Promise.all([a.held.changed(u), b.held.changed(u)]);
  c.router.pushToUser(u, short('both'));
  await until(() => a.local.texts().includes('both') && b.local.texts().includes('both'), 'both nodes push');
  const marker = { userId: u, updates: short('end') as never, eventId: `end-${u}` };
  await c.router.route(marker);
  await until(() => a.local.texts().includes('end') && b.local.texts().includes('end'), 'marker on both');
  assert.deepEqual(a.local.texts(), ['both', 'end']);
  assert.deepEqual(b.local.texts(), ['both', 'end']);
  assert.deepEqual(c.local.pushed, []);
  assert.equal(await c.router.isOnlineAnywhere(u), true);

  const nobody = user();
  assert.equal(await c.router.isOnlineAnywhere(nobody), false);
  await c.router.route({ userId: nobody, updates: short('lost') as never, eventId: `lost-${nobody}` });
  assert.equal(c.router.isOnline(nobody), true, 'synchronously: maybe (the routing decides)');
  for (const n of [a, b, c]) assert.ok(!n.local.texts().includes('lost'));
});

test('a node that closes withdraws its route entries: pushes for its users stop going there', async () => {
  const [a, b] = [await node(), await node()];
  const u = user();
  a.local.connect(u);
  await a.held.changed(u);
  assert.equal(await b.router.isOnlineAnywhere(u), true);
  await a.router.close();
  assert.equal(await b.router.isOnlineAnywhere(u), false);
});

test('a push by perm key (QR login) made on node B reaches the device waiting on node A, and only there', async () => {
  const [a, b, c] = [await node(), await node(), await node()];
  const device = BigInt.asIntN(64, randomBytes(8).readBigUInt64LE());
  a.local.devices.add(device);
  await a.router.holdDevice(device, 30_000);
  assert.deepEqual(await b.routes.nodesOfDevice(device), [a.nodeId]);
  b.router.pushToAuthKey(device, short('token accepted'));
  await until(() => a.local.pushedToKeys.length === 1, 'A pushes to the waiting device');
  assert.equal((a.local.pushedToKeys[0]!.updates as any).message, 'token accepted');
  assert.deepEqual(b.local.pushedToKeys, []);
  assert.deepEqual(c.local.pushedToKeys, []);

  // A device that waits nowhere (or whose wait expired) is looked for on the pushing node only.
  const stranger = BigInt.asIntN(64, randomBytes(8).readBigUInt64LE());
  c.local.devices.add(stranger);
  c.router.pushToAuthKey(stranger, short('here'));
  await until(() => c.local.pushedToKeys.length === 1, 'C pushes to its own device');
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
});

test('a node that cannot read the route map does not count a record as routed: it rejects, and the record routed again reaches the user\'s node once', async () => {
  // The draining node of issue 13: its Sync-T consumer still ran after its Redis connection was closed, so the
  // pushes of users held by other nodes were dropped there and their offsets committed as handled.
  const [a, b, c] = [await node(), await node(), await node()];
  const u = user();
  a.local.connect(u);
  await a.held.changed(u);
  await b.close();
  const record = { userId: u, updates: short('held elsewhere') as never, eventId: `lookup-${u}` };
  await assert.rejects(b.router.route(record), 'a lookup that failed is not a routed record');
  // The consumer tries it again (or, once this node left the group, the partition's next owner does).
  await c.router.route(record);
  await c.router.route({ userId: u, updates: short('after') as never, eventId: `after-${u}` });
  await until(() => a.local.texts().includes('after'), 'A pushes the marker');
  assert.deepEqual(a.local.texts(), ['held elsewhere', 'after']);
  assert.deepEqual(c.errors, []);
});

test('a hand-over that fails rejects the route after delivering what it could; the retry reaches the other node and is not pushed twice here', async () => {
  const [a, b] = [await node(), await node()];
  const u = user();
  a.local.connect(u);
  b.local.connect(u);
  await Promise.all([a.held.changed(u), b.held.changed(u)]);
  const record = { userId: u, updates: short('both') as never, eventId: `fwd-${u}` };
  // B's hand-over channel fails for one publish (a Redis hiccup); its lookup still works.
  const forward = b.routes.forward.bind(b.routes);
  let failOnce = true;
  b.routes.forward = async (node, records) => {
    if (failOnce) {
      failOnce = false;
      throw new Error('publish failed');
    }
    return forward(node, records);
  };
  await assert.rejects(b.router.route(record), /publish failed/);
  assert.deepEqual(b.local.texts(), ['both'], 'B pushed to its own device');
  await b.router.route(record);
  await until(() => a.local.texts().includes('both'), 'A gets the retried record');
  await b.router.route({ userId: u, updates: short('end') as never, eventId: `fwd-end-${u}` });
  await until(() => a.local.texts().includes('end'), 'A gets the marker');
  assert.deepEqual(a.local.texts(), ['both', 'end']);
  assert.deepEqual(b.local.texts(), ['both', 'end'], 'the retry is not pushed twice on B');
});

test('a device moving from B to A: B withdrawing its entries never removes A\'s, whichever comes first; pushes then go to A only', async () => {
  // Route entries are fields of one hash per user, one per node: a node only ever writes or deletes its own.
  for (const aFirst of [true, false]) {
    const [a, b, c] = [await node(), await node(), await node()];
    const u = user();
    b.local.connect(u);
    await b.held.changed(u);
    b.local.drop(u);
    if (aFirst) {
      a.local.connect(u);
      await a.held.changed(u);
      await b.router.close();
    } else {
      await b.router.close();
      a.local.connect(u);
      await a.held.changed(u);
    }
    assert.deepEqual((await c.routes.nodesOf([u])).get(u), [a.nodeId], `A's entry only (A first: ${aFirst})`);
    await c.router.route({ userId: u, updates: short('moved') as never, eventId: `moved-${u}` });
    await until(() => a.local.texts().includes('moved'), 'A pushes');
    assert.deepEqual(b.local.pushed, []);
  }
});

test('entries of a node that died (no withdrawal) stop counting once they expire; a live connection\'s entry is refreshed and never does', async () => {
  let clock = Date.now();
  const now = () => clock;
  const dead = await node({ now, ttlMs: 60_000, refreshMs: 3_600_000 });
  const live = await node({ now, ttlMs: 60_000, refreshMs: 3_600_000 });
  const u = user();
  dead.local.connect(u);
  live.local.connect(u);
  await Promise.all([dead.held.changed(u), live.held.changed(u)]);
  // The dead node is SIGKILLed: it withdraws nothing and refreshes nothing more. The live one refreshes.
  clock += 45_000;
  await live.held.refresh();
  clock += 45_000;
  assert.deepEqual((await live.routes.nodesOf([u])).get(u), [live.nodeId], 'the dead node\'s entry expired, the refreshed one did not');
  await live.router.route({ userId: u, updates: short('after the death') as never, eventId: `death-${u}` });
  assert.deepEqual(live.local.texts(), ['after the death']);
  assert.deepEqual(dead.local.pushed, []);
});

test('a node that connects and goes again at once leaves no entry, even when Redis lost its scripts under a live connection', async () => {
  const n = await node();
  const u = user();
  const map = new RedisPresenceMap(n.store.connection, ROUTE_KEY_PREFIX);
  const now = Date.now();
  await map.hold([user()], n.nodeId, now + 60_000, now);
  // The server forgets its scripts while this connection stays (SCRIPT FLUSH; a proxy in front of Redis failing
  // over to a replica): ioredis, having sent the script on this connection, sends EVALSHA, gets NOSCRIPT and
  // sends it again as EVAL, after whatever was issued behind it. The withdrawal issued right after must still
  // come last.
  await n.store.connection.script('FLUSH');
  await Promise.all([map.hold([u], n.nodeId, now + 60_000, now), map.release([u], n.nodeId)]);
  assert.equal((await n.routes.nodesOf([u])).get(u), undefined, 'the withdrawn entry did not come back');
});

test('a device arriving on node A: node B, which held updates for it, hands them to A only, in order; a malformed arrival is ignored', async () => {
  const [a, b, c] = [await node(), await node(), await node()];
  const u = user();
  const device = BigInt(randomBytes(4).readUInt32LE()) + 1n;
  const held = [1, 2, 3].map((i) => ({ body: Buffer.from(`update ${i}`), layer: 227, eventId: `e${i}` }));
  b.local.heldForDevices.set(device, held);
  await b.store.connection.publish(ARRIVALS_CHANNEL, 'not json');
  a.local.arrive(device, u);
  await until(() => a.local.adopted.length === 1, 'A adopts what B held');
  assert.deepEqual(a.local.adopted[0]!.updates.map((x) => [Buffer.from(x.body).toString(), x.layer, x.eventId]), held.map((x) => [x.body.toString(), 227, x.eventId]));
  assert.equal(a.local.adopted[0]!.userId, u);
  await until(() => c.local.released.length === 1, 'C was asked too');
  assert.deepEqual(b.local.released, [{ device, userId: u }]);
  assert.deepEqual(a.local.released, [], 'a node does not release to itself');
  // The arrival came after A's route entry was written: a push routed from anywhere now reaches A.
  b.router.pushToUser(u, short('after the arrival'));
  await until(() => a.local.texts().includes('after the arrival'), 'the push reaches A');
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
});
