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
import { DEVICE_ROUTE_KEY_PREFIX, RedisSyncRoutes, RoutedPusher, ROUTE_KEY_PREFIX } from '../../src/messenger/sync-routes.js';
import type { SessionRef, UpdatePusher } from '../../src/contracts/push.js';
import type { TlObject } from '../../src/tl/index.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The session layer of one node, reduced to who is connected here and what was pushed to them. */
class LocalSessions implements UpdatePusher {
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
  onConnectivity(listener: (userId: bigint, online: boolean) => void): void {
    this.listener = listener;
  }
  connect(userId: bigint): void {
    this.connected.add(userId);
    this.listener?.(userId, true);
  }
  texts(): string[] {
    return this.pushed.map((p) => (p.updates as any).message);
  }
}

async function node() {
  const nodeId = `test-${randomBytes(4).toString('hex')}`;
  const store = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
  await store.check();
  const broadcast = new RedisBroadcast(store.connection);
  const map = new RedisPresenceMap(store.connection, ROUTE_KEY_PREFIX);
  const local = new LocalSessions();
  const held = new SharedPresenceDirectory({ local, map, nodeId, now: Date.now });
  const errors: unknown[] = [];
  const routes = new RedisSyncRoutes(nodeId, map, broadcast, Date.now, new RedisPresenceMap(store.connection, DEVICE_ROUTE_KEY_PREFIX));
  const router = new RoutedPusher({ local, routes, held, onError: (err) => errors.push(err) });
  await router.listening;
  closers.push(async () => {
    await router.close();
    await broadcast.close();
    await store.close();
  });
  return { nodeId, local, router, errors, routes, held };
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
