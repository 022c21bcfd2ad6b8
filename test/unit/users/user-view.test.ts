import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessHashes } from '../../../src/service/access-hash.js';
import { UserViews, approximateStatus, ONLINE_WINDOW_SECONDS, type UserViewDeps } from '../../../src/service/users/user-view.js';
import type { UserRecord, UserStore } from '../../../src/service/users/user-store.js';
import type { ContactEntry, ContactRelations } from '../../../src/service/contacts/relations.js';
import type { PrivacyKey, PrivacyRules } from '../../../src/service/privacy/rules.js';

const NOW = 1_700_000_000;
const DAY = 86400;
const ALICE = 1_000_001n;
const BOB = 1_000_002n;

function record(id: bigint, patch: Partial<UserRecord> = {}): UserRecord {
  return { id, phone: `4477${id}`, firstName: `F${id}`, lastName: `L${id}`, username: null, about: '', createdAt: NOW - 100 * DAY, lastSeenAt: NOW - 60, deleted: false, banned: false, kind: 'user', ...patch };
}

interface World {
  users: Map<bigint, UserRecord>;
  /** owner -> viewer -> name */
  contacts: Map<bigint, Map<bigint, ContactEntry>>;
  blocked: Set<string>;
  /** `${owner}:${key}:${viewer}` denied */
  denied: Set<string>;
  online: Set<bigint>;
}

function views(world: World, extra: Partial<UserViewDeps> = {}): UserViews {
  const users = {
    async byId(id: bigint) {
      return world.users.get(id);
    },
    async byIds(ids: readonly bigint[]) {
      return new Map(ids.flatMap((id) => (world.users.has(id) ? [[id, world.users.get(id)!] as const] : [])));
    },
  } as unknown as UserStore;
  const contacts: ContactRelations = {
    async contactsOf(owner, targets) {
      const mine = world.contacts.get(owner) ?? new Map();
      return new Map(targets.flatMap((t) => (mine.has(t) ? [[t, mine.get(t)!] as const] : [])));
    },
    async isBlocked(blocker, target) {
      return world.blocked.has(`${blocker}:${target}`);
    },
    async whoHasContact() {
      return [];
    },
  };
  const privacy: PrivacyRules = {
    async allows(owner: bigint, key: PrivacyKey, viewer: bigint) {
      return owner === viewer || !world.denied.has(`${owner}:${key}:${viewer}`);
    },
  };
  return new UserViews({
    users,
    accessHashes: new AccessHashes(Buffer.alloc(32, 7)),
    contacts,
    privacy,
    presence: { isOnline: (id) => world.online.has(id) },
    now: () => NOW * 1000,
    ...extra,
  });
}

function world(): World {
  return { users: new Map([[ALICE, record(ALICE, { username: 'alice', about: 'hello' })], [BOB, record(BOB)]]), contacts: new Map(), blocked: new Set(), denied: new Set(), online: new Set() };
}

test('self: all fields, self flag, the exact status', async () => {
  const w = world();
  const u = (await views(w).one(ALICE, ALICE)) as unknown as Record<string, unknown>;
  assert.equal(u.self, true);
  assert.equal(u.phone, `4477${ALICE}`);
  assert.equal(u.firstName, `F${ALICE}`);
  assert.equal(u.username, 'alice');
  assert.deepEqual(u.status, { _: 'userStatusOffline', wasOnline: NOW - 60 });
});

test('the access hash is per viewer and checks out with AccessHashes', async () => {
  const w = world();
  const hashes = new AccessHashes(Buffer.alloc(32, 7));
  const u = (await views(w).one(BOB, ALICE)) as unknown as { accessHash: bigint };
  assert.equal(hashes.check('user', BOB, ALICE, u.accessHash), true);
  assert.equal(hashes.check('user', ALICE, ALICE, u.accessHash), false);
});

test('phone follows the phoneNumber privacy', async () => {
  const w = world();
  assert.equal(((await views(w).one(BOB, ALICE)) as unknown as { phone?: string }).phone, `4477${ALICE}`);
  w.denied.add(`${ALICE}:phoneNumber:${BOB}`);
  assert.equal(((await views(w).one(BOB, ALICE)) as unknown as { phone?: string }).phone, undefined);
});

test('a number the viewer saved in their phone book is shown whatever the phoneNumber privacy', async () => {
  const w = world();
  w.denied.add(`${ALICE}:phoneNumber:${BOB}`);
  w.contacts.set(BOB, new Map([[ALICE, { firstName: 'Ally', lastName: '', phone: `4477${ALICE}`, mutual: false }]]));
  assert.equal(((await views(w).one(BOB, ALICE)) as unknown as { phone?: string }).phone, `4477${ALICE}`);
  // A contact saved under another (an old) number does not reveal the current one.
  w.contacts.set(BOB, new Map([[ALICE, { firstName: 'Ally', lastName: '', phone: '447700000000', mutual: false }]]));
  assert.equal(((await views(w).one(BOB, ALICE)) as unknown as { phone?: string }).phone, undefined);
  w.contacts.set(BOB, new Map([[ALICE, { firstName: 'Ally', lastName: '', phone: '', mutual: false }]]));
  assert.equal(((await views(w).one(BOB, ALICE)) as unknown as { phone?: string }).phone, undefined);
});

test('a contact sees the saved name and the contact flags', async () => {
  const w = world();
  w.contacts.set(BOB, new Map([[ALICE, { firstName: 'Ally', lastName: '', phone: '', mutual: true }]]));
  const u = (await views(w).one(BOB, ALICE)) as unknown as Record<string, unknown>;
  assert.equal(u.contact, true);
  assert.equal(u.mutualContact, true);
  assert.equal(u.firstName, 'Ally');
  assert.equal(u.lastName, undefined);
  const stranger = (await views(w).one(ALICE, BOB)) as unknown as Record<string, unknown>;
  assert.equal(stranger.contact, false);
  assert.equal(stranger.firstName, `F${BOB}`);
});

test('online users show userStatusOnline with an expiry', async () => {
  const w = world();
  w.online.add(ALICE);
  const u = (await views(w).one(BOB, ALICE)) as unknown as { status: unknown };
  assert.deepEqual(u.status, { _: 'userStatusOnline', expires: NOW + ONLINE_WINDOW_SECONDS });
});

test('a hidden last-seen time becomes an approximation; hiding your own sets by_me', async () => {
  const w = world();
  w.denied.add(`${ALICE}:statusTimestamp:${BOB}`);
  assert.deepEqual(((await views(w).one(BOB, ALICE)) as unknown as { status: unknown }).status, { _: 'userStatusRecently' });
  w.denied.clear();
  w.denied.add(`${BOB}:statusTimestamp:${ALICE}`);
  assert.deepEqual(((await views(w).one(BOB, ALICE)) as unknown as { status: unknown }).status, { _: 'userStatusRecently', byMe: true });
});

test('approximations by age', () => {
  assert.deepEqual(approximateStatus(true, 0, NOW, false), { _: 'userStatusRecently' });
  assert.deepEqual(approximateStatus(false, 0, NOW, false), { _: 'userStatusEmpty' });
  assert.deepEqual(approximateStatus(false, NOW - 2 * DAY, NOW, false), { _: 'userStatusRecently' });
  assert.deepEqual(approximateStatus(false, NOW - 5 * DAY, NOW, true), { _: 'userStatusLastWeek', byMe: true });
  assert.deepEqual(approximateStatus(false, NOW - 20 * DAY, NOW, false), { _: 'userStatusLastMonth' });
  assert.deepEqual(approximateStatus(false, NOW - 90 * DAY, NOW, false), { _: 'userStatusEmpty' });
});

test('deleted users show as deleted with no profile', async () => {
  const w = world();
  w.users.set(BOB, record(BOB, { deleted: true, phone: null }));
  const u = (await views(w).one(ALICE, BOB)) as unknown as Record<string, unknown>;
  assert.equal(u.deleted, true);
  assert.equal(u.firstName, undefined);
  assert.equal(u.phone, undefined);
});

test('unknown ids are skipped and duplicates collapse', async () => {
  const w = world();
  const list = await views(w).many(ALICE, [BOB, 42n, BOB, ALICE]);
  assert.deepEqual(
    list.map((u) => (u as unknown as { id: bigint }).id),
    [BOB, ALICE],
  );
});

test('fullUser: about by privacy, blocked flag, the user included', async () => {
  const w = world();
  w.blocked.add(`${BOB}:${ALICE}`);
  const full = (await views(w).fullUser(BOB, ALICE)) as unknown as { fullUser: Record<string, unknown>; users: Array<{ id: bigint }>; chats: unknown[] };
  assert.equal(full.fullUser.about, 'hello');
  assert.equal(full.fullUser.blocked, true);
  assert.equal(full.fullUser.commonChatsCount, 0);
  assert.deepEqual(full.users.map((u) => u.id), [ALICE]);
  w.denied.add(`${ALICE}:about:${BOB}`);
  const hidden = (await views(w).fullUser(BOB, ALICE)) as unknown as { fullUser: Record<string, unknown> };
  assert.equal(hidden.fullUser.about, undefined);
  assert.equal(await views(w).fullUser(BOB, 42n), undefined);
});

test('nameUpdate carries the name the recipient sees and the username', async () => {
  const w = world();
  w.contacts.set(BOB, new Map([[ALICE, { firstName: 'Ally', lastName: 'S', phone: '', mutual: false }]]));
  const v = views(w);
  assert.deepEqual(await v.nameUpdate(BOB, w.users.get(ALICE)!), {
    _: 'updateUserName',
    userId: ALICE,
    firstName: 'Ally',
    lastName: 'S',
    usernames: [{ _: 'username', editable: false, active: true, username: 'alice' }],
  });
  const own = (await v.nameUpdate(ALICE, w.users.get(ALICE)!)) as unknown as { firstName: string; usernames: Array<{ editable: boolean }> };
  assert.equal(own.firstName, `F${ALICE}`);
  assert.equal(own.usernames[0]!.editable, true);
});

test('presence from the directory: one lookup for all users shown, and a user online on another node shows online', async () => {
  const w = world();
  const lookups: bigint[][] = [];
  // The same world, with a directory that knows Bob is held by another node.
  const directory = {
    async lookup(ids: readonly bigint[]) {
      lookups.push([...ids]);
      return { isOnline: (id: bigint) => id === BOB };
    },
  };
  const shared = views(w, { directory });
  const [alice, bob] = await shared.many(ALICE, [ALICE, BOB]);
  assert.deepEqual(lookups, [[ALICE, BOB]]);
  assert.deepEqual(bob!.status, { _: 'userStatusOnline', expires: NOW + ONLINE_WINDOW_SECONDS });
  assert.deepEqual(alice!.status, { _: 'userStatusOffline', wasOnline: NOW - 60 });
  // Without the directory (one node) Bob is not online here.
  assert.deepEqual((await views(w).one(ALICE, BOB))!.status, { _: 'userStatusOffline', wasOnline: NOW - 60 });
});
