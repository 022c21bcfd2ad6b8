import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { PrivacyService } from '../../../src/service/privacy/index.js';
import { AccountEvents } from '../../../src/service/events.js';
import type { CoreServices } from '../../../src/service/core.js';
import type { ContactEntry, ContactRelations } from '../../../src/service/contacts/relations.js';
import type { Logger } from '../../../src/infra/log.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OWNER = 1_000_001n;
const FRIEND = 1_000_002n;
const STRANGER = 1_000_003n;

/** Contacts as a fixed set of (owner, contact) pairs, counting lookups. */
class FakeContacts implements ContactRelations {
  lookups = 0;
  constructor(private readonly pairs: Array<[bigint, bigint]>) {}
  async contactsOf(owner: bigint, targets: readonly bigint[]): Promise<Map<bigint, ContactEntry>> {
    this.lookups++;
    const out = new Map<bigint, ContactEntry>();
    for (const t of targets) if (this.pairs.some(([o, c]) => o === owner && c === t)) out.set(t, { firstName: 'x', lastName: '', phone: '', mutual: false });
    return out;
  }
  async isBlocked(): Promise<boolean> {
    return false;
  }
  async whoHasContact(userId: bigint): Promise<bigint[]> {
    return this.pairs.filter(([, c]) => c === userId).map(([o]) => o);
  }
}

async function setup(): Promise<{ db: Database; privacy: PrivacyService; contacts: FakeContacts; events: AccountEvents }> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-privacy-'));
  dirs.push(dir);
  const db = await openDatabase(dir);
  after(() => db.close());
  const log = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  const events = new AccountEvents(log);
  const core = { db: db.kysely, events, now: () => 1_700_000_000_000 } as unknown as CoreServices;
  const contacts = new FakeContacts([[OWNER, FRIEND]]);
  return { db, privacy: new PrivacyService(core, contacts), contacts, events };
}

test('without settings the defaults apply: phone for contacts, last seen for everybody', async () => {
  const { privacy } = await setup();
  assert.equal(await privacy.allows(OWNER, 'phoneNumber', FRIEND), true);
  assert.equal(await privacy.allows(OWNER, 'phoneNumber', STRANGER), false);
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', STRANGER), true);
  assert.deepEqual(await privacy.rules(OWNER, 'profilePhoto'), [{ kind: 'allowAll' }]);
});

test('the owner always sees its own data', async () => {
  const { privacy } = await setup();
  await privacy.setRules(OWNER, 'phoneNumber', [{ kind: 'disallowAll' }]);
  assert.equal(await privacy.allows(OWNER, 'phoneNumber', OWNER), true);
});

test('setRules is stored, read back and replaces the cached rules at once', async () => {
  const { privacy, db } = await setup();
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', STRANGER), true);
  await privacy.setRules(OWNER, 'statusTimestamp', [{ kind: 'allowContacts' }, { kind: 'disallowAll' }]);
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', STRANGER), false);
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', FRIEND), true);
  // Setting again updates the row instead of inserting a second one.
  await privacy.setRules(OWNER, 'statusTimestamp', [{ kind: 'allowAll' }, { kind: 'disallowUsers', users: [FRIEND] }]);
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', FRIEND), false);
  assert.equal(await privacy.allows(OWNER, 'statusTimestamp', STRANGER), true);
  const rows = await db.kysely.selectFrom('privacy_rules').selectAll().where('user_id', '=', OWNER).execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.privacy_key, 'statusTimestamp');
});

test('rules survive a fresh service on the same database (no cache)', async () => {
  const { db, privacy, contacts } = await setup();
  await privacy.setRules(OWNER, 'about', [{ kind: 'disallowAll' }, { kind: 'allowUsers', users: [STRANGER] }]);
  const log = { error() {} } as unknown as Logger;
  const fresh = new PrivacyService({ db: db.kysely, events: new AccountEvents(log), now: () => 0 } as unknown as CoreServices, contacts);
  assert.deepEqual(await fresh.rules(OWNER, 'about'), [{ kind: 'disallowAll' }, { kind: 'allowUsers', users: [STRANGER] }]);
  assert.equal(await fresh.allows(OWNER, 'about', STRANGER), true);
  assert.equal(await fresh.allows(OWNER, 'about', FRIEND), false);
});

test('contacts are only asked when the rules depend on them', async () => {
  const { privacy, contacts } = await setup();
  await privacy.allows(OWNER, 'statusTimestamp', STRANGER); // allowAll: no lookup
  await privacy.allows(OWNER, 'profilePhoto', FRIEND);
  assert.equal(contacts.lookups, 0);
  await privacy.allows(OWNER, 'phoneNumber', STRANGER); // contacts only: lookup
  assert.equal(contacts.lookups, 1);
});

test('a deleted account loses its rules', async () => {
  const { privacy, events, db } = await setup();
  await privacy.setRules(OWNER, 'phoneNumber', [{ kind: 'allowAll' }]);
  await events.emit('userDeleted', { userId: OWNER });
  const rows = await db.kysely.selectFrom('privacy_rules').selectAll().where('user_id', '=', OWNER).execute();
  assert.equal(rows.length, 0);
  assert.deepEqual(await privacy.rules(OWNER, 'phoneNumber'), [{ kind: 'allowContacts' }, { kind: 'disallowAll' }]);
});

test('shared invalidations: a change on one node drops the cached rules on the other', async () => {
  const { MemoryBroadcast } = await import('../../../src/infra/kv/broadcast.js');
  const { db, privacy: nodeA } = await setup();
  const log = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  const core = { db: db.kysely, events: new AccountEvents(log), now: () => 1_700_000_000_000, log } as unknown as CoreServices;
  const nodeB = new PrivacyService(core, new FakeContacts([[OWNER, FRIEND]]));
  const broadcast = new MemoryBroadcast();
  await nodeA.shareInvalidations(broadcast);
  await nodeB.shareInvalidations(broadcast);
  assert.equal(await nodeB.allows(OWNER, 'statusTimestamp', STRANGER), true); // cached on B now
  await nodeA.setRules(OWNER, 'statusTimestamp', [{ kind: 'disallowAll' }]);
  assert.equal(await nodeB.allows(OWNER, 'statusTimestamp', STRANGER), false);
});

test('without shared invalidations another instance keeps its cache (what the broadcast fixes)', async () => {
  const { db, privacy: nodeA } = await setup();
  const log = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  const core = { db: db.kysely, events: new AccountEvents(log), now: () => 1_700_000_000_000, log } as unknown as CoreServices;
  const nodeB = new PrivacyService(core, new FakeContacts([[OWNER, FRIEND]]));
  assert.equal(await nodeB.allows(OWNER, 'statusTimestamp', STRANGER), true);
  await nodeA.setRules(OWNER, 'statusTimestamp', [{ kind: 'disallowAll' }]);
  assert.equal(await nodeB.allows(OWNER, 'statusTimestamp', STRANGER), true);
});
