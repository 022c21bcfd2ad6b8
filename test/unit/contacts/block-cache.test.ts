// The block checks every private send makes (ContactsService.blockBetween / isBlocked) are served from a
// per-pair cache: a block or unblock made after a cached answer is seen by the next check, on this node and,
// through the broadcast, on another; a deleted account's pairs are forgotten; and the messaging service
// answers a send after such a change as Telegram does (USER_IS_BLOCKED, YOU_BLOCKED_USER).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { AccountEvents } from '../../../src/service/events.js';
import { SqlIdGenerator } from '../../../src/service/idgen.js';
import { UserStore, USER_ID_FLOOR, type UserRecord } from '../../../src/service/users/user-store.js';
import { ContactsService } from '../../../src/service/contacts/index.js';
import { MemoryBroadcast } from '../../../src/infra/kv/broadcast.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { Messenger } from '../../../src/messenger/index.js';
import { userPeer } from '../../../src/messenger/peer.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { plainUserViews, recordingPush, type Pushed } from '../messenger/stubs.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-block-cache-'));
  const db: Database = await openDatabase(dir);
  cleanups.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const log = createLogger('silent');
  const clock = { ms: 1_700_000_000_000 };
  const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR }), { now: () => clock.ms });
  /** A node's contacts area over the shared database; `events` are that node's. */
  const node = () => {
    const events = new AccountEvents(log);
    return { events, contacts: new ContactsService({ db: db.kysely, users, events, log, now: () => clock.ms }) };
  };
  let phone = 15550100;
  const user = (): Promise<UserRecord> => users.create({ phone: String(phone++), firstName: 'U', createdAt: 1 });
  return { db, clock, node, user };
}

test('a block and an unblock made after a cached answer are seen by the next check, both directions', async () => {
  const s = await setup();
  const { contacts } = s.node();
  const alice = await s.user();
  const bob = await s.user();
  assert.equal(await contacts.blockBetween(alice.id, bob.id), undefined);
  assert.equal(await contacts.isBlocked(bob.id, alice.id), false);
  await contacts.block(bob.id, alice.id);
  assert.equal(await contacts.blockBetween(alice.id, bob.id), bob.id);
  assert.equal(await contacts.isBlocked(bob.id, alice.id), true);
  assert.equal(await contacts.isBlocked(alice.id, bob.id), false);
  await contacts.block(alice.id, bob.id);
  assert.equal(await contacts.blockBetween(alice.id, bob.id), alice.id, 'both blocked: the first named');
  assert.equal(await contacts.blockBetween(bob.id, alice.id), bob.id);
  await contacts.unblock(bob.id, alice.id);
  await contacts.unblock(alice.id, bob.id);
  assert.equal(await contacts.blockBetween(alice.id, bob.id), undefined);
  assert.equal(await contacts.isBlocked(bob.id, alice.id), false);
});

test('the stories list is not the block list', async () => {
  const s = await setup();
  const { contacts } = s.node();
  const alice = await s.user();
  const bob = await s.user();
  assert.equal(await contacts.blockBetween(alice.id, bob.id), undefined);
  await contacts.block(bob.id, alice.id, 'stories');
  assert.equal(await contacts.blockBetween(alice.id, bob.id), undefined);
  assert.deepEqual(await contacts.blockFlags(bob.id, alice.id), { blocked: false, blockedMyStoriesFrom: true });
});

test("a deleted account's blocks are forgotten by the cache with its rows", async () => {
  const s = await setup();
  const { contacts, events } = s.node();
  const alice = await s.user();
  const bob = await s.user();
  await contacts.block(alice.id, bob.id);
  assert.equal(await contacts.blockBetween(bob.id, alice.id), alice.id);
  await events.emit('userDeleted', { userId: alice.id });
  assert.equal(await contacts.blockBetween(bob.id, alice.id), undefined);
  assert.equal(await contacts.isBlocked(alice.id, bob.id), false);
});

/** Two nodes on one database announcing their changes to each other, and two users. */
async function twoSharingNodes() {
  const s = await setup();
  const broadcast = new MemoryBroadcast();
  const a = s.node();
  const b = s.node();
  await a.contacts.shareInvalidations(broadcast);
  await b.contacts.shareInvalidations(broadcast);
  return { s, a, b, alice: await s.user(), bob: await s.user() };
}

test('with shared invalidations a block made on one node is seen by the next check on the other', async () => {
  const { s, a, b, alice, bob } = await twoSharingNodes();
  const carol = await s.user();
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), undefined);
  assert.equal(await b.contacts.blockBetween(alice.id, carol.id), undefined);
  await a.contacts.block(bob.id, alice.id);
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), bob.id);
  await a.contacts.block(carol.id, alice.id);
  assert.equal(await b.contacts.isBlocked(carol.id, alice.id), true);
  await a.events.emit('userDeleted', { userId: carol.id });
  assert.equal(await b.contacts.isBlocked(carol.id, alice.id), false, "the deletion on A drops B's pairs of the account");
  await a.contacts.unblock(bob.id, alice.id);
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), undefined);
});

test('without an announcement (missed by a node) an entry ages out after a minute', async () => {
  const s = await setup();
  const a = s.node();
  const b = s.node(); // not sharing: A's change never reaches B's cache
  const alice = await s.user();
  const bob = await s.user();
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), undefined);
  await a.contacts.block(bob.id, alice.id);
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), undefined, 'B still holds its answer');
  s.clock.ms += 60_001;
  assert.equal(await b.contacts.blockBetween(alice.id, bob.id), bob.id);
});

test('a send after a block made on another node is refused as Telegram refuses it', async () => {
  const { s, a, b, alice, bob } = await twoSharingNodes();
  const bus = new MemoryBus({ maxAttempts: 1 });
  cleanups.push(() => bus.close());
  const pushed: Pushed[] = [];
  // Node B's messaging, using node B's (cached) block checks.
  const messenger = new Messenger({ db: s.db.kysely, bus, push: recordingPush(pushed, () => true), contacts: b.contacts, userViews: plainUserViews, now: () => s.clock.ms });
  let rid = 1n;
  const send = (from: UserRecord, to: UserRecord) => messenger.messaging.send({ userId: from.id }, userPeer(to.id), [{ randomId: rid++, message: 'hi' }]);
  const refused = (message: string) => (err: unknown) => err instanceof RpcError && err.errorMessage === message;
  await send(alice, bob); // B now holds "no block" for the pair
  await a.contacts.block(bob.id, alice.id);
  await assert.rejects(send(alice, bob), refused('USER_IS_BLOCKED'));
  await assert.rejects(send(bob, alice), refused('YOU_BLOCKED_USER'));
  await a.contacts.unblock(bob.id, alice.id);
  const [sent] = await send(alice, bob);
  assert.ok(sent && sent.id > 0);
});
