// Contacts end to end (issue 3): a GramJS user and an mtcute user, signed up with the fixed test code, find
// each other by phone number and username, cache the contact list by hash, become mutual contacts,
// block each other, read statuses; a number imported before its owner signs up turns into a contact.
// The tests in this file run in order and share one echod and the two signed-in clients.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import Long from 'long';
import { Raw } from 'telegram/events/index.js';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import type { MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 60_000;
const GINA_PHONE = testPhone(100001);
const MILO_PHONE = testPhone(100002);
const LARA_PHONE = testPhone(100003);
/** A number nobody signs up with. */
const NOBODY_PHONE = testPhone(100099);

/** The hash a client computes from its cached contacts.contacts (core.telegram.org/method/contacts.getContacts). */
function clientContactsHash(savedCount: number, userIds: bigint[]): bigint {
  const mask = (1n << 64n) - 1n;
  let h = 0n;
  for (const v of [BigInt(savedCount), ...[...userIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]) {
    h ^= h >> 21n;
    h ^= (h << 35n) & mask;
    h ^= h >> 4n;
    h = (h + v) & mask;
  }
  return BigInt.asIntN(64, h);
}

const big = (v: { toString(): string }): bigint => BigInt(v.toString());

let echod: EchodProcess;
let target: EchoTarget;
let gina: GramjsHandle;
let milo: MtcuteHandle;
let ginaId: bigint;
let miloId: bigint;
/** access_hash of Milo as Gina sees him, and of Gina as Milo sees her. */
let miloHashForGina: bigint;
let ginaHashForMilo: bigint;
let world: E2eWorld;

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  const g = await world.signUpGramjs({ phone: GINA_PHONE, firstName: 'Gina' });
  gina = g.handle;
  ginaId = g.userId;
  const m = await world.signUpMtcute({ phone: MILO_PHONE, firstName: 'Milo' });
  milo = m.handle;
  miloId = m.userId;
});

after(() => world?.close());

const ginaCall = <R>(req: Api.AnyRequest) => gina.client.invoke(req) as Promise<R>;

async function ginaContacts(hash = 0n): Promise<Api.contacts.TypeContacts> {
  return ginaCall(new Api.contacts.GetContacts({ hash: bigInt(hash.toString()) }));
}

async function miloContacts(): Promise<{ contacts: { userId: number; mutual: boolean }[]; savedCount: number; users: any[] }> {
  const res = await milo.client.call({ _: 'contacts.getContacts', hash: Long.ZERO });
  assert.equal(res._, 'contacts.contacts');
  return res as any;
}

describe('contacts', { timeout: TIMEOUT }, () => {
  test('GramJS imports the mtcute user by phone number and gets the user object', async () => {
    const res = await ginaCall<Api.contacts.ImportedContacts>(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${MILO_PHONE.slice(0, 1)} (${MILO_PHONE.slice(1, 4)}) ${MILO_PHONE.slice(4, 7)}-${MILO_PHONE.slice(7)}`, firstName: 'Milo', lastName: 'Mtcute' }),
          new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${NOBODY_PHONE}`, firstName: 'Nobody', lastName: '' }),
        ],
      }),
    );
    assert.ok(res instanceof Api.contacts.ImportedContacts);
    assert.equal(res.imported.length, 1);
    assert.equal(big(res.imported[0]!.userId), miloId);
    assert.equal(big(res.imported[0]!.clientId), 1n);
    assert.deepEqual(res.retryContacts, []);
    const user = res.users[0] as Api.User;
    assert.ok(user instanceof Api.User);
    assert.equal(big(user.id), miloId);
    assert.equal(user.contact, true);
    assert.equal(user.mutualContact, false);
    assert.equal(user.firstName, 'Milo');
    assert.equal(user.lastName, 'Mtcute');
    miloHashForGina = big(user.accessHash!);
  });

  test('getContacts lists the contact; the same hash back answers contactsNotModified', async () => {
    const res = await ginaContacts();
    assert.ok(res instanceof Api.contacts.Contacts);
    assert.deepEqual(
      res.contacts.map((c) => [big(c.userId), c.mutual]),
      [[miloId, false]],
    );
    assert.equal(res.savedCount, 2);
    assert.equal(big((res.users[0] as Api.User).id), miloId);
    const hash = clientContactsHash(res.savedCount, res.contacts.map((c) => big(c.userId)));
    const again = await ginaContacts(hash);
    assert.ok(again instanceof Api.contacts.ContactsNotModified, `expected contactsNotModified, got ${again.className}`);
    // A stale hash gets the list.
    assert.ok((await ginaContacts(hash + 1n)) instanceof Api.contacts.Contacts);
  });

  test('mtcute adds the GramJS user back: both sides see a mutual contact', async () => {
    const imported = await milo.client.call({
      _: 'contacts.importContacts',
      contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(7), phone: `+${GINA_PHONE}`, firstName: 'Gina', lastName: 'G' }],
    });
    assert.equal(imported.imported.length, 1);
    assert.equal(BigInt(imported.imported[0]!.userId), ginaId);
    const ginaUser = imported.users[0] as any;
    assert.equal(ginaUser.contact, true);
    assert.equal(ginaUser.mutualContact, true);
    ginaHashForMilo = BigInt(ginaUser.accessHash.toString());

    const mine = await miloContacts();
    assert.deepEqual(mine.contacts.map((c) => [BigInt(c.userId), c.mutual]), [[ginaId, true]]);
    const theirs = await ginaContacts();
    assert.ok(theirs instanceof Api.contacts.Contacts);
    assert.deepEqual(theirs.contacts.map((c) => [big(c.userId), c.mutual]), [[miloId, true]]);
    assert.equal((theirs.users[0] as Api.User).mutualContact, true);
  });

  test('addContact renames the contact and returns updates with the user', async () => {
    const res = await ginaCall<Api.Updates>(
      new Api.contacts.AddContact({ id: new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(miloHashForGina.toString()) }), firstName: 'Milo', lastName: 'Renamed', phone: '' }),
    );
    assert.ok(res instanceof Api.Updates);
    const user = res.users[0] as Api.User;
    assert.equal(big(user.id), miloId);
    assert.equal(user.lastName, 'Renamed');
    assert.equal(user.contact, true);

    await rejectsWith(
      ginaCall(new Api.contacts.AddContact({ id: new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(miloHashForGina.toString()) }), firstName: ' ', lastName: '', phone: '' })),
      'CONTACT_NAME_EMPTY',
    );
    await rejectsWith(
      ginaCall(new Api.contacts.AddContact({ id: new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt((miloHashForGina + 1n).toString()) }), firstName: 'X', lastName: '', phone: '' })),
      'CONTACT_ID_INVALID',
    );
    await rejectsWith(ginaCall(new Api.contacts.AddContact({ id: new Api.InputUserSelf(), firstName: 'Me', lastName: '', phone: '' })), 'CONTACT_ID_INVALID');
  });

  test('add_phone_privacy_exception shows a hidden number to that contact', async () => {
    await ginaCall(new Api.account.SetPrivacy({ key: new Api.InputPrivacyKeyPhoneNumber(), rules: [new Api.InputPrivacyValueDisallowAll()] }));
    const ginaSeenByMilo = async () => (await miloContacts()).users.find((u) => BigInt(u.id) === ginaId);
    // Milo imported Gina by her number, so he sees it whatever her privacy says (client-compat.test.ts);
    // saved again without a number, only her privacy decides.
    assert.equal((await ginaSeenByMilo()).phone, GINA_PHONE);
    await milo.client.call({
      _: 'contacts.addContact',
      id: { _: 'inputUser', userId: Number(ginaId), accessHash: Long.fromString(ginaHashForMilo.toString()) },
      firstName: 'Gina',
      lastName: 'G',
      phone: '',
    });
    assert.equal((await ginaSeenByMilo()).phone, undefined);

    const miloInput = new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(miloHashForGina.toString()) });
    await ginaCall(new Api.contacts.AddContact({ id: miloInput, firstName: 'Milo', lastName: 'Renamed', phone: '', addPhonePrivacyException: true }));
    assert.equal((await ginaSeenByMilo()).phone, GINA_PHONE);
    const privacy = await ginaCall<Api.account.PrivacyRules>(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyPhoneNumber() }));
    const allowed = privacy.rules.find((r) => r instanceof Api.PrivacyValueAllowUsers) as Api.PrivacyValueAllowUsers | undefined;
    assert.deepEqual(allowed?.users.map(big), [miloId]);
  });

  test('getStatuses gives each contact a status', async () => {
    const statuses = await ginaCall<Api.ContactStatus[]>(new Api.contacts.GetStatuses());
    assert.equal(statuses.length, 1);
    assert.equal(big(statuses[0]!.userId), miloId);
    // Milo is connected; the default privacy lets contacts see it.
    assert.ok(statuses[0]!.status instanceof Api.UserStatusOnline, `got ${statuses[0]!.status.className}`);
    const miloStatuses = await milo.client.call({ _: 'contacts.getStatuses' });
    assert.deepEqual(miloStatuses.map((s) => BigInt(s.userId)), [ginaId]);
  });

  test('search finds the contact by name and a stranger by username', async () => {
    await milo.client.call({ _: 'account.updateUsername', username: 'milo_mtcute' });
    const byName = await ginaCall<Api.contacts.Found>(new Api.contacts.Search({ q: 'Renam', limit: 10 }));
    assert.deepEqual(byName.myResults.map((p) => big((p as Api.PeerUser).userId)), [miloId]);
    assert.deepEqual(byName.results, []);
    const byUsername = await ginaCall<Api.contacts.Found>(new Api.contacts.Search({ q: '@milo_mt', limit: 10 }));
    assert.deepEqual(byUsername.myResults.map((p) => big((p as Api.PeerUser).userId)), [miloId]);
    assert.equal((byUsername.users[0] as Api.User).username, 'milo_mtcute');
    await rejectsWith(ginaCall(new Api.contacts.Search({ q: 'mi', limit: 10 })), 'QUERY_TOO_SHORT');
    await rejectsWith(ginaCall(new Api.contacts.Search({ q: '  ', limit: 10 })), 'SEARCH_QUERY_EMPTY');
  });

  test('deleteContacts removes the contact; the other side is no longer mutual', async () => {
    const res = await ginaCall<Api.Updates>(
      new Api.contacts.DeleteContacts({ id: [new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(miloHashForGina.toString()) })] }),
    );
    assert.ok(res instanceof Api.Updates);
    assert.equal((res.users[0] as Api.User).contact, false);
    const list = await ginaContacts();
    assert.ok(list instanceof Api.contacts.Contacts);
    assert.deepEqual(list.contacts, []);
    await rejectsWith(
      ginaCall(new Api.contacts.DeleteContacts({ id: [new Api.InputUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(7) })] })),
      'CONTACT_ID_INVALID',
    );
    const mine = await miloContacts();
    assert.deepEqual(mine.contacts.map((c) => [BigInt(c.userId), c.mutual]), [[ginaId, false]]);

    // Now a stranger to Gina, Milo turns up in results, not my_results.
    const found = await ginaCall<Api.contacts.Found>(new Api.contacts.Search({ q: 'milo_', limit: 10 }));
    assert.deepEqual(found.myResults, []);
    assert.deepEqual(found.results.map((p) => big((p as Api.PeerUser).userId)), [miloId]);
  });

  test('block, getBlocked and unblock; the other device hears updatePeerBlocked', async () => {
    const second = await world.signInGramjs({ phone: GINA_PHONE });
    const heard: Api.UpdatePeerBlocked[] = [];
    const waiters: (() => void)[] = [];
    second.handle.client.addEventHandler((update: unknown) => {
      if (update instanceof Api.UpdatePeerBlocked) {
        heard.push(update);
        waiters.shift()?.();
      }
    }, new Raw({}));
    const nextBlockedUpdate = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no updatePeerBlocked reached the other device')), 15_000);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });

    const miloPeer = new Api.InputPeerUser({ userId: bigInt(miloId.toString()), accessHash: bigInt(miloHashForGina.toString()) });
    const blockedHeard = nextBlockedUpdate();
    assert.equal(await ginaCall<boolean>(new Api.contacts.Block({ id: miloPeer })), true);
    await blockedHeard;
    assert.equal(heard[0]!.blocked, true);
    assert.equal(big((heard[0]!.peerId as Api.PeerUser).userId), miloId);
    const blocked = await ginaCall<Api.contacts.TypeBlocked>(new Api.contacts.GetBlocked({ offset: 0, limit: 10 }));
    assert.ok(blocked instanceof Api.contacts.Blocked);
    assert.deepEqual(blocked.blocked.map((b) => big((b.peerId as Api.PeerUser).userId)), [miloId]);
    assert.equal(big((blocked.users[0] as Api.User).id), miloId);

    // mtcute reads its own (empty) list.
    const miloBlocked = await milo.client.call({ _: 'contacts.getBlocked', offset: 0, limit: 10 });
    assert.equal(miloBlocked._, 'contacts.blocked');
    assert.deepEqual(miloBlocked.blocked, []);

    await rejectsWith(ginaCall(new Api.contacts.Block({ id: new Api.InputPeerSelf() })), 'CONTACT_ID_INVALID');
    await rejectsWith(
      ginaCall(new Api.contacts.Block({ id: new Api.InputPeerUser({ userId: bigInt(miloId.toString()), accessHash: bigInt((miloHashForGina ^ 1n).toString()) }) })),
      'PEER_ID_INVALID',
    );
    await rejectsWith(ginaCall(new Api.contacts.Block({ id: new Api.InputPeerChat({ chatId: bigInt(5) }) })), 'PEER_ID_INVALID');

    const unblockedHeard = nextBlockedUpdate();
    assert.equal(await ginaCall<boolean>(new Api.contacts.Unblock({ id: miloPeer })), true);
    await unblockedHeard;
    assert.equal(heard[1]!.blocked ?? false, false);
    const after = await ginaCall<Api.contacts.TypeBlocked>(new Api.contacts.GetBlocked({ offset: 0, limit: 10 }));
    assert.ok(after instanceof Api.contacts.Blocked);
    assert.deepEqual(after.blocked, []);
  });

  test('mtcute blocks with the access hash it was given', async () => {
    const peer = { _: 'inputPeerUser' as const, userId: Number(ginaId), accessHash: Long.fromString(ginaHashForMilo.toString()) };
    assert.equal(await milo.client.call({ _: 'contacts.block', id: peer }), true);
    const list = await milo.client.call({ _: 'contacts.getBlocked', offset: 0, limit: 1 });
    assert.equal(list._, 'contacts.blocked');
    assert.deepEqual(list.blocked.map((b) => BigInt((b.peerId as { userId: number }).userId)), [ginaId]);
    assert.equal(await milo.client.call({ _: 'contacts.unblock', id: peer }), true);
  });

  test('a phone imported before its owner signs up becomes a contact after sign-up', async () => {
    const res = await ginaCall<Api.contacts.ImportedContacts>(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(3), phone: `+${LARA_PHONE}`, firstName: 'Lara', lastName: 'Later' })] }),
    );
    assert.deepEqual(res.imported, []);
    const lara = await world.signUpGramjs({ phone: LARA_PHONE, firstName: 'Lara' });
    const laraId = lara.userId;

    const list = await ginaContacts();
    assert.ok(list instanceof Api.contacts.Contacts);
    assert.deepEqual(list.contacts.map((c) => big(c.userId)), [laraId]);
    const user = list.users.find((u) => big(u.id) === laraId) as Api.User;
    assert.equal(user.firstName, 'Lara');
    assert.equal(user.lastName, 'Later');
    assert.equal(user.contact, true);
  });

  test('getSaved lists the uploaded phone book; resetSaved clears it', async () => {
    const saved = await ginaCall<Api.SavedPhoneContact[]>(new Api.contacts.GetSaved());
    assert.deepEqual(saved.map((s) => s.phone).sort(), [MILO_PHONE, LARA_PHONE, NOBODY_PHONE].sort());
    assert.equal(await ginaCall<boolean>(new Api.contacts.ResetSaved()), true);
    assert.deepEqual(await ginaCall<Api.SavedPhoneContact[]>(new Api.contacts.GetSaved()), []);
  });
});
