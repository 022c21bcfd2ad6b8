// UserStore's cache of records by id over a real SQLite store: every write through the store is seen by the
// next read, a write made behind its back (another process) once the entry ages out, and with a shared
// broadcast a write on one node is seen by the next read on the other.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { SqlIdGenerator } from '../../../src/service/idgen.js';
import { UserStore, USER_ID_FLOOR } from '../../../src/service/users/user-store.js';
import { MemoryBroadcast } from '../../../src/infra/kv/broadcast.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-user-cache-'));
  const db: Database = await openDatabase(dir);
  cleanups.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = { ms: 1_700_000_000_000 };
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR });
  const store = (maxAgeMs = 60_000) => new UserStore(db.kysely, ids, { now: () => clock.ms, cacheMaxAgeMs: maxAgeMs });
  return { db, clock, store };
}

test('a write behind the cache is not seen until the entry ages out (the read is served from memory)', async () => {
  const s = await setup();
  const node = s.store();
  const other = s.store(); // another process writing the same database (`echod users ban`)
  const alice = await node.create({ phone: '15550001', firstName: 'Alice', createdAt: 1 });
  assert.equal((await node.byId(alice.id))!.banned, false);
  await other.update(alice.id, { banned: true });
  assert.equal((await node.byId(alice.id))!.banned, false, 'cached');
  s.clock.ms += 60_001;
  assert.equal((await node.byId(alice.id))!.banned, true, 'aged out and read again');
});

test('update, setUsername and account deletion through the store are seen by the next byId and byIds', async () => {
  const s = await setup();
  const node = s.store();
  const alice = await node.create({ phone: '15550002', firstName: 'Alice', createdAt: 1 });
  const bob = await node.create({ phone: '15550003', firstName: 'Bob', createdAt: 1 });
  await node.byIds([alice.id, bob.id]);
  await node.update(alice.id, { firstName: 'Alicia', lastSeenAt: 42 });
  assert.equal((await node.byId(alice.id))!.firstName, 'Alicia');
  assert.equal((await node.byIds([alice.id, bob.id])).get(alice.id)!.lastSeenAt, 42);
  assert.equal(await node.setUsername(bob.id, 'bobby'), true);
  assert.equal((await node.byIds([bob.id])).get(bob.id)!.username, 'bobby');
  assert.equal(await node.setUsername(alice.id, 'BOBBY'), false, 'taken');
  assert.equal((await node.byId(alice.id))!.username, null);
  await node.update(bob.id, { deleted: true, phone: null });
  const gone = (await node.byId(bob.id))!;
  assert.equal(gone.deleted, true);
  assert.equal(gone.phone, null);
});

test('byIds reads the ids it has not cached in one query and answers every known id once', async () => {
  const s = await setup();
  const node = s.store();
  const other = s.store();
  const a = await node.create({ phone: '15550004', firstName: 'A', createdAt: 1 });
  const b = await other.create({ phone: '15550005', firstName: 'B', createdAt: 1 }); // not cached by node
  await other.update(a.id, { firstName: 'A2' }); // behind node's back: its cached A stays
  await other.update(b.id, { firstName: 'B2' });
  const got = await node.byIds([a.id, b.id, a.id, 999n]);
  assert.deepEqual([...got.keys()], [a.id, b.id]);
  assert.equal(got.get(a.id)!.firstName, 'A', 'from the cache');
  assert.equal(got.get(b.id)!.firstName, 'B2', 'read');
});

test('an unknown id is not cached: the user created later is found', async () => {
  const s = await setup();
  const node = s.store();
  const other = s.store();
  const next = (await other.create({ phone: '15550006', firstName: 'X', createdAt: 1 })).id + 1n;
  assert.equal(await node.byId(next), undefined);
  const created = await other.create({ phone: '15550007', firstName: 'Late', createdAt: 1 });
  assert.equal(created.id, next);
  assert.equal((await node.byId(next))!.firstName, 'Late');
});

test('cached records are frozen: one reader cannot change what the next one gets', async () => {
  const s = await setup();
  const node = s.store();
  const a = await node.create({ phone: '15550008', firstName: 'A', createdAt: 1 });
  const record = (await node.byId(a.id))!;
  assert.throws(() => {
    (record as { firstName: string }).firstName = 'changed';
  }, TypeError);
});

test('with shared invalidations a write on one node is seen by the next read on the other', async () => {
  const s = await setup();
  const broadcast = new MemoryBroadcast();
  const nodeA = s.store();
  const nodeB = s.store();
  await nodeA.shareInvalidations(broadcast);
  await nodeB.shareInvalidations(broadcast);
  const alice = await nodeA.create({ phone: '15550009', firstName: 'Alice', createdAt: 1 });
  assert.equal((await nodeB.byId(alice.id))!.firstName, 'Alice');
  await nodeA.update(alice.id, { firstName: 'Alicia' });
  assert.equal((await nodeB.byId(alice.id))!.firstName, 'Alicia');
  await nodeA.setUsername(alice.id, 'alicia');
  assert.equal((await nodeB.byIds([alice.id])).get(alice.id)!.username, 'alicia');
});
