// Presence and cache invalidation across nodes on a real Redis (scripts/engines.sh): two "nodes" in one
// process, each with its own connections, node id and clock, sharing only Redis, as two echod would.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { RedisPresenceMap, PRESENCE_KEY_PREFIX } from '../../src/infra/kv/presence-map.js';
import { RedisBroadcast } from '../../src/infra/kv/redis-broadcast.js';
import { Presence } from '../../src/service/users/presence.js';
import { SharedPresenceDirectory } from '../../src/service/users/presence-directory.js';
import { PrivacyService } from '../../src/service/privacy/index.js';
import { AccountEvents } from '../../src/service/events.js';
import { openDatabase } from '../../src/infra/db/index.js';
import type { CoreServices } from '../../src/service/core.js';
import type { ContactRelations } from '../../src/service/contacts/relations.js';
import type { Logger } from '../../src/infra/log.js';
import type { PresenceView } from '../../src/service/users/presence.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const stores: RedisKeyValueStore[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  for (const s of stores) await s.close();
});

async function redis(): Promise<RedisKeyValueStore> {
  const store = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
  await store.check();
  stores.push(store);
  return store;
}

/** A node: its own connections (a set of connected users), clock and presence directory. */
async function node(nodeId: string, opts: { ttlMs?: number } = {}) {
  const store = await redis();
  const connected = new Set<bigint>();
  const clock = { now: Date.now() };
  const presence = new Presence({ isOnline: (id) => connected.has(id) });
  const errors: unknown[] = [];
  const directory = new SharedPresenceDirectory({
    local: presence,
    map: new RedisPresenceMap(store.connection),
    nodeId,
    now: () => clock.now,
    ttlMs: opts.ttlMs ?? 60_000,
    refreshMs: 3_600_000,
    onError: (err) => errors.push(err),
  });
  closers.push(() => directory.close());
  presence.onChange((id) => directory.changed(id));
  return {
    store,
    clock,
    presence,
    directory,
    errors,
    /** Resolves once the node's entry is written, as the connection's effect would be by the time others look. */
    connect(id: bigint): Promise<void> {
      connected.add(id);
      return directory.changed(id);
    },
    disconnect(id: bigint): Promise<void> {
      connected.delete(id);
      return directory.changed(id);
    },
    /** account.updateStatus on this node; resolves once the entry follows. */
    mark(id: bigint, offline: boolean): Promise<void> {
      presence.mark(id, 1n, offline);
      return directory.changed(id);
    },
    async online(id: bigint): Promise<boolean> {
      const view: PresenceView = await directory.lookup([id]);
      return view.isOnline(id);
    },
  };
}

let nextUser = BigInt(Date.now()) * 10n;
const freshUser = () => nextUser++;

test('a user connected on node A is online in node B\'s views, and offline once A lets go', async () => {
  const a = await node(`A-${process.pid}`);
  const b = await node(`B-${process.pid}`);
  const user = freshUser();
  const other = freshUser();
  assert.equal(await b.online(user), false);
  await a.connect(user);
  assert.equal(await b.online(user), true, 'B sees the user A holds');
  assert.equal(await b.online(other), false);
  // One lookup answers for several users at once.
  const view = await b.directory.lookup([user, other]);
  assert.deepEqual([view.isOnline(user), view.isOnline(other)], [true, false]);
  // account.updateStatus(offline) on A withdraws A's entry; back online restores it.
  await a.mark(user, true);
  assert.equal(await b.online(user), false);
  await a.mark(user, false);
  assert.equal(await b.online(user), true);
  await a.disconnect(user);
  assert.equal(await b.online(user), false, 'offline after A disconnects');
  assert.equal(await a.store.get(PRESENCE_KEY_PREFIX + user), undefined);
  assert.equal((await a.store.connection.exists(PRESENCE_KEY_PREFIX + user)), 0, 'the last holder gone, the key is gone');
  assert.deepEqual([a.errors, b.errors], [[], []]);
});

test('held on two nodes: online until both have let go', async () => {
  const a = await node(`A2-${process.pid}`);
  const b = await node(`B2-${process.pid}`);
  const c = await node(`C2-${process.pid}`);
  const user = freshUser();
  await a.connect(user);
  await b.connect(user);
  await a.disconnect(user);
  assert.equal(await c.online(user), true);
  await b.disconnect(user);
  assert.equal(await c.online(user), false);
});

test('a node that stops refreshing (died) stops vouching once its entry expires, and the key carries a TTL', async () => {
  const ttlMs = 30_000;
  const a = await node(`A3-${process.pid}`, { ttlMs });
  const b = await node(`B3-${process.pid}`);
  const user = freshUser();
  await a.connect(user);
  const pttl = await a.store.connection.pttl(PRESENCE_KEY_PREFIX + user);
  assert.ok(pttl > 0 && pttl <= ttlMs, `presence key expires (PTTL ${pttl})`);
  assert.equal(await b.online(user), true);
  // B's clock passes A's "online until" without A refreshing (A died): B no longer counts the user.
  b.clock.now = a.clock.now + ttlMs + 1;
  assert.equal(await b.online(user), false);
  // A refresh moves "online until" forward again.
  a.clock.now = b.clock.now;
  await a.directory.refresh();
  assert.equal(await b.online(user), true);
  await a.disconnect(user);
});

test('a stale entry of a dead node is dropped by the next write and does not extend the key', async () => {
  const a = await node(`A4-${process.pid}`, { ttlMs: 1000 });
  const b = await node(`B4-${process.pid}`, { ttlMs: 60_000 });
  const user = freshUser();
  await a.connect(user);
  b.clock.now = a.clock.now + 5000;
  await b.connect(user);
  const fields = await a.store.connection.hgetall(PRESENCE_KEY_PREFIX + user);
  assert.deepEqual(Object.keys(fields), [`B4-${process.pid}`]);
  await b.disconnect(user);
});

test('privacy change on node A invalidates node B\'s cached rules (Redis pub/sub)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-shared-privacy-'));
  const db = await openDatabase(dir);
  closers.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const log = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  const contacts: ContactRelations = { contactsOf: async () => new Map(), isBlocked: async () => false, whoHasContact: async () => [] };
  const services = [];
  for (let i = 0; i < 2; i++) {
    const core = { db: db.kysely, events: new AccountEvents(log), now: () => Date.now(), log } as unknown as CoreServices;
    const privacy = new PrivacyService(core, contacts);
    const broadcast = new RedisBroadcast((await redis()).connection);
    closers.push(() => broadcast.close());
    await privacy.shareInvalidations(broadcast);
    services.push(privacy);
  }
  const [nodeA, nodeB] = services as [PrivacyService, PrivacyService];
  const owner = freshUser();
  const viewer = freshUser();
  assert.equal(await nodeB.allows(owner, 'statusTimestamp', viewer), true, 'default: everybody; now cached on B');
  await nodeA.setRules(owner, 'statusTimestamp', [{ kind: 'disallowAll' }]);
  // Pub/sub delivery to B is asynchronous: wait for B's answer to change (without the invalidation it
  // never would, B's cache entry lives for a minute).
  const deadline = Date.now() + 5000;
  while ((await nodeB.allows(owner, 'statusTimestamp', viewer)) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal(await nodeB.allows(owner, 'statusTimestamp', viewer), false, 'B answers the new rule');
});
