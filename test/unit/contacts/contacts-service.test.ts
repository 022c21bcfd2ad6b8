// ContactsService over a real (temporary) SQLite store: contact entries and mutual flags, phone-book import,
// later sign-ups, deletion, blocks and search.
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
import { ContactsService, contactsHash, MAX_IMPORT_PER_CALL, normalizePhone } from '../../../src/service/contacts/index.js';
import { RpcError } from '../../../src/common/rpc-error.js';

const dirs: string[] = [];
const dbs: Database[] = [];
after(async () => {
  for (const db of dbs) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Fixture {
  service: ContactsService;
  users: UserStore;
  events: AccountEvents;
  clock: { ms: number };
  user(phone: string, firstName: string, lastName?: string): Promise<UserRecord>;
}

async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-contacts-'));
  dirs.push(dir);
  const db = await openDatabase(dir);
  dbs.push(db);
  const log = createLogger('silent');
  const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR }));
  const events = new AccountEvents(log);
  const clock = { ms: 1_700_000_000_000 };
  const service = new ContactsService({ db: db.kysely, users, events, log, now: () => clock.ms });
  return {
    service,
    users,
    events,
    clock,
    user: (phone, firstName, lastName) => users.create({ phone, firstName, lastName, createdAt: Math.floor(clock.ms / 1000) }),
  };
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.errorMessage === message);
}

test('normalizePhone keeps digits and rejects what cannot be a number', () => {
  assert.equal(normalizePhone('+1 (555) 010-0001'), '15550100001');
  assert.equal(normalizePhone('  999 66 12 34 '), '999661234');
  assert.equal(normalizePhone(''), undefined);
  assert.equal(normalizePhone('+-() '), undefined);
  assert.equal(normalizePhone('12'), undefined);
  assert.equal(normalizePhone('1'.repeat(21)), undefined);
});

test('addContact saves the name; contactsOf reports it and the mutual flag on both sides', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  const carol = await f.user('15550000003', 'Carol');

  assert.equal((await f.service.contactsOf(alice.id, [bob.id, carol.id])).size, 0);
  assert.equal(await f.service.addContact(alice.id, bob, { firstName: ' Bobby ', lastName: 'B', phone: '+1 555 000 0002' }), true);
  let seen = await f.service.contactsOf(alice.id, [bob.id, carol.id, alice.id]);
  assert.deepEqual([...seen.entries()], [[bob.id, { firstName: 'Bobby', lastName: 'B', phone: '15550000002', mutual: false }]]);
  assert.equal((await f.service.contactsOf(bob.id, [alice.id])).size, 0);

  // Renaming is not a new contact.
  assert.equal(await f.service.addContact(alice.id, bob, { firstName: 'Robert', lastName: '', phone: '' }), false);
  await f.service.addContact(bob.id, alice, { firstName: 'Al', lastName: '', phone: '' });
  seen = await f.service.contactsOf(alice.id, [bob.id]);
  assert.deepEqual(seen.get(bob.id), { firstName: 'Robert', lastName: '', phone: '', mutual: true });
  assert.deepEqual((await f.service.contactsOf(bob.id, [alice.id])).get(alice.id), { firstName: 'Al', lastName: '', phone: '', mutual: true });
  assert.deepEqual(await f.service.whoHasContact(bob.id), [alice.id]);
  assert.deepEqual(await f.service.whoHasContact(carol.id), []);
  assert.equal((await f.service.contactsOf(alice.id, [])).size, 0);
});

test('contactsOf answers for many targets at once', async () => {
  const f = await fixture();
  const owner = await f.user('15550001000', 'Owner');
  const others: UserRecord[] = [];
  for (let i = 0; i < 30; i++) others.push(await f.user(`1555000${2000 + i}`, `U${i}`));
  for (const u of others.filter((_, i) => i % 3 === 0)) await f.service.addContact(owner.id, u, { firstName: u.firstName, lastName: '', phone: '' });
  // More targets than one statement takes, most unknown.
  const targets = [...others.map((u) => u.id), ...Array.from({ length: 1200 }, (_, i) => 9_000_000n + BigInt(i))];
  const seen = await f.service.contactsOf(owner.id, targets);
  assert.deepEqual([...seen.keys()].sort(), others.filter((_, i) => i % 3 === 0).map((u) => u.id).sort());
});

test('addContact rejects empty names, oneself and deleted accounts; long names are cut', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  await rejectsWith(f.service.addContact(alice.id, bob, { firstName: '  ', lastName: '', phone: '' }), 'CONTACT_NAME_EMPTY');
  await rejectsWith(f.service.addContact(alice.id, alice, { firstName: 'Me', lastName: '', phone: '' }), 'CONTACT_ID_INVALID');
  await rejectsWith(f.service.addContact(alice.id, { ...bob, deleted: true }, { firstName: 'Gone', lastName: '', phone: '' }), 'CONTACT_ID_INVALID');
  await f.service.addContact(alice.id, bob, { firstName: '😀'.repeat(70), lastName: '', phone: '' });
  assert.equal([...(await f.service.contactsOf(alice.id, [bob.id])).get(bob.id)!.firstName].length, 64);
});

test('importContacts normalises phones, imports accounts, keeps the rest and honours privacy', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob', 'Real');
  const carol = await f.user('15550000003', 'Carol');
  const result = await f.service.importContacts(
    alice.id,
    [
      { clientId: 1n, phone: '+1 (555) 000-0002', firstName: 'Bobby', lastName: '' },
      { clientId: 2n, phone: '+1 555 000 0001', firstName: 'Myself', lastName: '' },
      { clientId: 3n, phone: '+44 7700 900123', firstName: 'Later', lastName: 'Person' },
      { clientId: 4n, phone: 'not a number', firstName: 'Junk', lastName: '' },
      { clientId: 5n, phone: '15550000003', firstName: 'Hidden', lastName: '' },
    ],
    { mayFind: async (id) => id !== carol.id },
  );
  assert.deepEqual(result, { imported: [{ userId: bob.id, clientId: 1n }], retry: [] });
  assert.deepEqual((await f.service.contactsOf(alice.id, [bob.id, carol.id, alice.id])).get(bob.id), { firstName: 'Bobby', lastName: '', phone: '15550000002', mutual: false });
  assert.equal((await f.service.contactsOf(alice.id, [carol.id])).size, 0);
  const saved = await f.service.savedPhoneBook(alice.id);
  assert.deepEqual(saved.map((s) => [s.phone, s.firstName, s.clientId]).sort(), [
    ['15550000001', 'Myself', 2n],
    ['15550000002', 'Bobby', 1n],
    ['15550000003', 'Hidden', 5n],
    ['447700900123', 'Later', 3n],
  ]);
  assert.equal(saved[0]!.createdAt, 1_700_000_000);

  // A line without a name saves the user's own; a re-import of the same number replaces the line.
  const again = await f.service.importContacts(alice.id, [{ clientId: 9n, phone: '15550000002', firstName: '', lastName: '' }]);
  assert.deepEqual(again.imported, [{ userId: bob.id, clientId: 9n }]);
  assert.deepEqual((await f.service.contactsOf(alice.id, [bob.id])).get(bob.id), { firstName: 'Bob', lastName: 'Real', phone: '15550000002', mutual: false });
  assert.equal((await f.service.savedPhoneBook(alice.id)).length, 4);
});

test('importContacts leaves lines over the per-call limit for retry_contacts', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const lines = Array.from({ length: MAX_IMPORT_PER_CALL + 2 }, (_, i) => ({ clientId: BigInt(i), phone: `4930${100000 + i}`, firstName: `N${i}`, lastName: '' }));
  const result = await f.service.importContacts(alice.id, lines);
  assert.deepEqual(result.imported, []);
  assert.deepEqual(result.retry, [BigInt(MAX_IMPORT_PER_CALL), BigInt(MAX_IMPORT_PER_CALL + 1)]);
  assert.equal((await f.service.snapshot(alice.id)).savedCount, MAX_IMPORT_PER_CALL);
});

test('someone who signs up later becomes a contact of everyone who uploaded the number', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  await f.service.importContacts(alice.id, [{ clientId: 7n, phone: '+49 30 1234567', firstName: 'Dana', lastName: 'D' }]);
  await f.service.importContacts(bob.id, [{ clientId: 1n, phone: '49301234567', firstName: '', lastName: '' }]);
  const joined: [bigint, bigint][] = [];
  f.service.onContactJoined((owner, user) => {
    joined.push([owner, user.id]);
  });
  f.service.onContactJoined(() => {
    throw new Error('a failing listener does not stop the others');
  });

  const dana = await f.user('49301234567', 'Dana', 'Real');
  await f.events.emit('userSignedUp', { user: dana });
  assert.deepEqual((await f.service.contactsOf(alice.id, [dana.id])).get(dana.id), { firstName: 'Dana', lastName: 'D', phone: '49301234567', mutual: false });
  assert.deepEqual((await f.service.contactsOf(bob.id, [dana.id])).get(dana.id), { firstName: 'Dana', lastName: 'Real', phone: '49301234567', mutual: false });
  assert.deepEqual(joined.sort((a, b) => (a[0] < b[0] ? -1 : 1)), [
    [alice.id, dana.id],
    [bob.id, dana.id],
  ]);
  // No one uploaded this number: nothing happens.
  const eve = await f.user('15550000005', 'Eve');
  await f.events.emit('userSignedUp', { user: eve });
  assert.deepEqual(await f.service.whoHasContact(eve.id), []);
});

test('snapshot gives the documented hash, which moves when the list or saved_count does', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  const carol = await f.user('15550000003', 'Carol');
  const empty = await f.service.snapshot(alice.id);
  assert.deepEqual(empty, { contacts: [], savedCount: 0, hash: 0n });
  await f.service.addContact(alice.id, carol, { firstName: 'C', lastName: '', phone: '' });
  await f.service.addContact(alice.id, bob, { firstName: 'B', lastName: '', phone: '' });
  const two = await f.service.snapshot(alice.id);
  assert.deepEqual(two.contacts.map((c) => c.contactId), [bob.id, carol.id]);
  assert.equal(two.hash, contactsHash(0, [bob.id, carol.id]));
  await f.service.importContacts(alice.id, [{ clientId: 1n, phone: '4930999999', firstName: 'X', lastName: '' }]);
  const withSaved = await f.service.snapshot(alice.id);
  assert.equal(withSaved.savedCount, 1);
  assert.notEqual(withSaved.hash, two.hash);
  assert.equal(withSaved.hash, contactsHash(1, [bob.id, carol.id]));
});

test('deleteContacts and deleteByPhones remove only what was there', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  const carol = await f.user('15550000003', 'Carol');
  await f.service.addContact(alice.id, bob, { firstName: 'B', lastName: '', phone: '' });
  await f.service.importContacts(alice.id, [{ clientId: 1n, phone: '15550000003', firstName: 'C', lastName: '' }]);
  assert.deepEqual(await f.service.deleteContacts(alice.id, [bob.id, bob.id, 12345n]), [bob.id]);
  assert.deepEqual(await f.service.deleteContacts(alice.id, [bob.id]), []);
  assert.deepEqual(await f.service.deleteByPhones(alice.id, ['+1 555 000 0003', 'junk']), [carol.id]);
  assert.deepEqual(await f.service.deleteByPhones(alice.id, ['junk']), []);
  assert.deepEqual(await f.service.list(alice.id), []);
  assert.deepEqual(await f.service.savedPhoneBook(alice.id), []);
});

test('resetSaved forgets the phone book but keeps the contacts', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  await f.service.importContacts(alice.id, [
    { clientId: 1n, phone: '15550000002', firstName: 'B', lastName: '' },
    { clientId: 2n, phone: '15550000009', firstName: 'Z', lastName: '' },
  ]);
  await f.service.resetSaved(alice.id);
  assert.deepEqual(await f.service.savedPhoneBook(alice.id), []);
  assert.deepEqual((await f.service.list(alice.id)).map((c) => c.contactId), [bob.id]);
  // The forgotten number no longer turns into a contact on sign-up.
  const zed = await f.user('15550000009', 'Zed');
  await f.events.emit('userSignedUp', { user: zed });
  assert.equal((await f.service.contactsOf(alice.id, [zed.id])).size, 0);
});

test('block lists: block, unblock, pages newest first, stories list apart, never oneself', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const others: UserRecord[] = [];
  for (let i = 0; i < 5; i++) others.push(await f.user(`1555000010${i}`, `U${i}`));
  for (const u of others) {
    f.clock.ms += 1000;
    assert.equal(await f.service.block(alice.id, u.id), true);
  }
  assert.equal(await f.service.block(alice.id, others[0]!.id), false);
  assert.equal(await f.service.isBlocked(alice.id, others[0]!.id), true);
  assert.equal(await f.service.isBlocked(others[0]!.id, alice.id), false);

  const first = await f.service.blocked(alice.id, 'all', 0, 2);
  assert.equal(first.count, 5);
  assert.deepEqual(first.entries.map((e) => e.peerId), [others[4]!.id, others[3]!.id]);
  assert.equal(first.entries[0]!.date, 1_700_000_005);
  const rest = await f.service.blocked(alice.id, 'all', 2, 100);
  assert.deepEqual(rest.entries.map((e) => e.peerId), [others[2]!.id, others[1]!.id, others[0]!.id]);
  // Bad paging input is clamped, not an error.
  assert.deepEqual((await f.service.blocked(alice.id, 'all', -5, 1)).entries.map((e) => e.peerId), [others[4]!.id]);
  assert.deepEqual((await f.service.blocked(alice.id, 'all', 0, -1)).entries, []);
  assert.equal((await f.service.blocked(alice.id, 'all', 0, 100_000)).entries.length, 5);

  assert.equal(await f.service.unblock(alice.id, others[0]!.id), true);
  assert.equal(await f.service.unblock(alice.id, others[0]!.id), false);
  assert.equal(await f.service.isBlocked(alice.id, others[0]!.id), false);

  await f.service.block(alice.id, others[0]!.id, 'stories');
  assert.equal(await f.service.isBlocked(alice.id, others[0]!.id), false);
  assert.equal((await f.service.blocked(alice.id, 'stories', 0, 10)).count, 1);
  await rejectsWith(f.service.block(alice.id, alice.id), 'CONTACT_ID_INVALID');
  await rejectsWith(f.service.unblock(alice.id, alice.id), 'CONTACT_ID_INVALID');
});

test('search finds contacts by name and username, strangers by username prefix only', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob', 'Builder');
  const bobcat = await f.user('15550000003', 'Stranger');
  const abc = await f.user('15550000004', 'Abc');
  const gone = await f.user('15550000005', 'Gone');
  await f.users.setUsername(bob.id, 'bob_the_builder');
  await f.users.setUsername(bobcat.id, 'bobcat');
  await f.users.setUsername(abc.id, 'abcdef');
  await f.users.setUsername(gone.id, 'bobgone');
  await f.users.update(gone.id, { deleted: true });
  await f.service.addContact(alice.id, bob, { firstName: 'Robert', lastName: 'Smith', phone: '' });

  let found = await f.service.search(alice.id, 'bob', 10);
  assert.deepEqual(found, { mine: [bob.id], others: [bobcat.id] });
  // By saved name, real name and surname; case does not matter; a leading @ is ignored.
  assert.deepEqual((await f.service.search(alice.id, 'ROB', 10)).mine, [bob.id]);
  assert.deepEqual((await f.service.search(alice.id, 'smi', 10)).mine, [bob.id]);
  assert.deepEqual((await f.service.search(alice.id, 'buil', 10)).mine, [bob.id]);
  assert.deepEqual(await f.service.search(alice.id, '@bobc', 10), { mine: [], others: [bobcat.id] });
  // Strangers are not found by name.
  assert.deepEqual(await f.service.search(alice.id, 'stranger', 10), { mine: [], others: [] });
  // LIKE wildcards in the query are literal.
  assert.deepEqual(await f.service.search(alice.id, 'a_c', 10), { mine: [], others: [] });
  assert.deepEqual(await f.service.search(alice.id, 'bo%', 10), { mine: [], others: [] });
  assert.deepEqual((await f.service.search(alice.id, 'bob_', 10)).mine, [bob.id]);
  // limit caps each list; a non-positive limit takes the default.
  found = await f.service.search(alice.id, 'bob', 0);
  assert.deepEqual(found.others, [bobcat.id]);

  await rejectsWith(f.service.search(alice.id, '   ', 10), 'SEARCH_QUERY_EMPTY');
  await rejectsWith(f.service.search(alice.id, '@', 10), 'SEARCH_QUERY_EMPTY');
  await rejectsWith(f.service.search(alice.id, 'bo', 10), 'QUERY_TOO_SHORT');
});

test('a deleted account disappears from every list', async () => {
  const f = await fixture();
  const alice = await f.user('15550000001', 'Alice');
  const bob = await f.user('15550000002', 'Bob');
  await f.service.addContact(alice.id, bob, { firstName: 'B', lastName: '', phone: '' });
  await f.service.addContact(bob.id, alice, { firstName: 'A', lastName: '', phone: '' });
  await f.service.block(bob.id, alice.id);
  await f.service.importContacts(bob.id, [{ clientId: 1n, phone: '4930111111', firstName: 'X', lastName: '' }]);
  await f.events.emit('userDeleted', { userId: bob.id });
  assert.deepEqual(await f.service.list(alice.id), []);
  assert.deepEqual(await f.service.list(bob.id), []);
  assert.deepEqual(await f.service.whoHasContact(alice.id), []);
  assert.equal(await f.service.isBlocked(bob.id, alice.id), false);
  assert.deepEqual(await f.service.savedPhoneBook(bob.id), []);
});
