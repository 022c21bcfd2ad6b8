// The per-send caches across nodes on a real Redis (scripts/engines.sh): two "nodes" in one process, each
// with its own UserStore, contacts area and Redis connection, sharing the database and Redis as two echod
// would. A change made on node A (block, unblock, profile, profile photo, account deletion) reaches node B's cached answer
// through the pub/sub announcement, well before the entries' one-minute age limit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisKeyValueStore } from '../../src/infra/kv/redis-kv.js';
import { RedisBroadcast } from '../../src/infra/kv/redis-broadcast.js';
import { openDatabase } from '../../src/infra/db/index.js';
import { createLogger } from '../../src/infra/log.js';
import { AccountEvents } from '../../src/service/events.js';
import { SqlIdGenerator } from '../../src/service/idgen.js';
import { UserStore, USER_ID_FLOOR } from '../../src/service/users/user-store.js';
import { ContactsService } from '../../src/service/contacts/index.js';
import { MediaStore } from '../../src/service/media/media-store.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** Polls `read` (no fixed sleep) until it answers `expected`; the pub/sub hop is asynchronous. */
async function eventually<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let got = await read();
  while (got !== expected && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    got = await read();
  }
  assert.equal(got, expected, what);
}

async function twoNodes() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-shared-caches-'));
  const db = await openDatabase(dir);
  closers.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const log = createLogger('silent');
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR });
  const nodes: { users: UserStore; events: AccountEvents; contacts: ContactsService; media: MediaStore }[] = [];
  for (let i = 0; i < 2; i++) {
    const store = new RedisKeyValueStore({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT) });
    await store.check();
    const broadcast = new RedisBroadcast(store.connection);
    closers.push(async () => {
      await broadcast.close();
      await store.close();
    });
    const users = new UserStore(db.kysely, ids);
    const events = new AccountEvents(log);
    const contacts = new ContactsService({ db: db.kysely, users, events, log, now: Date.now });
    await users.shareInvalidations(broadcast);
    await contacts.shareInvalidations(broadcast);
    const media = new MediaStore(db.kysely);
    await media.shareInvalidations(broadcast);
    nodes.push({ users, events, contacts, media });
  }
  let phone = 15550200;
  const user = () => nodes[0]!.users.create({ phone: String(phone++), firstName: 'U', createdAt: 1 });
  return { a: nodes[0]!, b: nodes[1]!, user };
}

test("a block and an unblock on node A reach node B's cached block check", async () => {
  const { a, b, user } = await twoNodes();
  const alice = await user();
  const bob = await user();
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), undefined, 'cached on B');
  await a.contacts.block(bob.id, alice.id);
  await eventually(() => b.contacts.blockBetween(alice.id, bob.id), bob.id, 'B sees the block');
  assert.equal(await b.contacts.isBlocked(bob.id, alice.id), true);
  await a.contacts.unblock(bob.id, alice.id);
  await eventually(() => b.contacts.blockBetween(alice.id, bob.id), undefined, 'B sees the unblock');
});

test("an account deleted on node A drops node B's cached blocks of it", async () => {
  const { a, b, user } = await twoNodes();
  const alice = await user();
  const bob = await user();
  await a.contacts.block(alice.id, bob.id);
  await eventually(() => b.contacts.isBlocked(alice.id, bob.id), true, 'cached on B');
  await a.events.emit('userDeleted', { userId: alice.id });
  await eventually(() => b.contacts.isBlocked(alice.id, bob.id), false, 'B forgets the deleted account\'s block');
});

test("a profile change and a deletion on node A reach node B's cached user record", async () => {
  const { a, b, user } = await twoNodes();
  const alice = await user();
  assert.equal((await b.users.byId(alice.id))!.firstName, 'U', 'cached on B');
  await a.users.update(alice.id, { firstName: 'Alice' });
  await eventually(async () => (await b.users.byId(alice.id))!.firstName, 'Alice', 'B sees the new name');
  await a.users.setUsername(alice.id, 'alice_a');
  await eventually(async () => (await b.users.byIds([alice.id])).get(alice.id)!.username, 'alice_a', 'B sees the username');
  await a.users.update(alice.id, { deleted: true, phone: null });
  await eventually(async () => (await b.users.byId(alice.id))!.deleted, true, 'B sees the account deleted');
});

test("a profile photo set and removed on node A reaches node B's cached current photo", async () => {
  const { a, b, user } = await twoNodes();
  const alice = await user();
  await a.media.insertPhoto({ id: 77n, owner_id: alice.id, date: 1n, sizes: '[]', stripped: null, video_sizes: '[]' });
  assert.equal(await b.media.currentProfilePhoto(alice.id), undefined, 'cached on B: no photo');
  await a.media.setProfilePhoto(alice.id, 77n, 100);
  await eventually(async () => (await b.media.currentProfilePhoto(alice.id))?.id, 77n, 'B sees the photo');
  await a.media.removeProfilePhotos(alice.id, [77n]);
  await eventually(async () => (await b.media.currentProfilePhoto(alice.id))?.id, undefined, 'B sees it removed');
});
