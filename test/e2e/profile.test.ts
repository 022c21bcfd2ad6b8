// Profiles end to end (issue 3): a GramJS user (layer 198) and an mtcute user (layer 227), signed up with the
// fixed test code, edit their names, bio and username, find each other by username, see each other's names
// in both layers, meet the access-hash checks, hide and show the phone number through privacy rules, follow
// each other's online status, and an account deletes itself.
// The tests in this file run in order and share one echod and the signed-in clients.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import Long from 'long';
import { Raw } from 'telegram/events/index.js';
import type { EchodProcess } from '../support/echod.js';
import { E2eWorld } from '../support/e2e.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, GRAMJS_LAYER, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { MTCUTE_LAYER, type MtcuteHandle } from '../support/mtcute.js';

const TIMEOUT = 90_000;
const GINA_PHONE = '15550200001';
const MILO_PHONE = '15550200002';
const DORA_PHONE = '15550200003';

const big = (v: { toString(): string }): bigint => BigInt(v.toString());
const gbig = (v: bigint) => bigInt(v.toString());

/** Updates GramJS received, with a way to wait for the first one matching a predicate. */
class UpdateLog {
  readonly seen: Api.TypeUpdate[] = [];
  private waiters: { match: (u: Api.TypeUpdate) => boolean; resolve: (u: Api.TypeUpdate) => void }[] = [];

  push(update: Api.TypeUpdate): void {
    this.seen.push(update);
    for (const w of [...this.waiters]) {
      if (w.match(update)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(update);
      }
    }
  }

  /** Resolves with the first update from index `from` on that matches (already received or not). */
  waitFor<T extends Api.TypeUpdate>(match: (u: Api.TypeUpdate) => boolean, from = 0, timeoutMs = 20_000): Promise<T> {
    const found = this.seen.slice(from).find(match);
    if (found) return Promise.resolve(found as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching update within ${timeoutMs} ms; got ${this.seen.map((u) => u.className).join(', ')}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (u) => {
          clearTimeout(timer);
          resolve(u as T);
        },
      });
    });
  }
}

let echod: EchodProcess;
let target: EchoTarget;
let gina: GramjsHandle;
let milo: MtcuteHandle;
let ginaId: bigint;
let miloId: bigint;
/** Milo's access_hash as Gina sees him, and Gina's as Milo sees her. */
let miloHashForGina: bigint;
let ginaHashForMilo: bigint;
const ginaUpdates = new UpdateLog();
let world: E2eWorld;

before(async () => {
  world = await E2eWorld.start();
  ({ echod, target } = world);
  gina = (await world.signUpGramjs({ phone: GINA_PHONE, firstName: 'Gina' })).handle;
  milo = (await world.signUpMtcute({ phone: MILO_PHONE, firstName: 'Milo' })).handle;
  gina.client.addEventHandler((update: Api.TypeUpdate) => ginaUpdates.push(update), new Raw({}));
});

after(() => world?.close());

const ginaCall = <R>(req: Api.AnyRequest) => gina.client.invoke(req) as Promise<R>;
const miloAsGinaSees = () => new Api.InputUser({ userId: gbig(miloId), accessHash: gbig(miloHashForGina) });
const ginaAsMiloSees = () => ({ _: 'inputUser' as const, userId: Number(ginaId), accessHash: Long.fromString(ginaHashForMilo.toString()) });

async function miloSeenByGina(): Promise<Api.User> {
  const [user] = await ginaCall<Api.TypeUser[]>(new Api.users.GetUsers({ id: [miloAsGinaSees()] }));
  assert.ok(user instanceof Api.User);
  return user;
}

async function miloSetPrivacy(key: string, rules: object[]): Promise<any> {
  return milo.client.call({ _: 'account.setPrivacy', key: { _: key }, rules } as any);
}

describe('profiles', { timeout: TIMEOUT }, () => {
  test('getMe (users.getUsers [inputUserSelf]) works in both clients', async () => {
    const me = await gina.client.getMe();
    assert.equal(me.self, true);
    assert.equal(me.firstName, 'Gina');
    assert.equal(me.phone, GINA_PHONE);
    ginaId = big(me.id);
    const miloMe = await milo.client.getMe();
    assert.equal(miloMe.isSelf, true);
    assert.equal(miloMe.firstName, 'Milo');
    miloId = BigInt(miloMe.id);
    assert.ok(GRAMJS_LAYER < MTCUTE_LAYER, 'the two clients speak different layers');
  });

  test('updateProfile sets names and bio; bad values get Telegram errors', async () => {
    const user = await ginaCall<Api.User>(new Api.account.UpdateProfile({ firstName: 'Gina', lastName: 'Gramjs', about: 'layer 198 here' }));
    assert.ok(user instanceof Api.User);
    assert.equal(user.self, true);
    assert.equal(user.lastName, 'Gramjs');
    const miloUser: any = await milo.client.call({ _: 'account.updateProfile', firstName: 'Milo', lastName: 'Mtcute', about: 'layer 227 here' });
    assert.equal(miloUser._, 'user');
    assert.equal(miloUser.lastName, 'Mtcute');

    await rejectsWith(ginaCall(new Api.account.UpdateProfile({ firstName: '  ' })), 'FIRSTNAME_INVALID');
    await rejectsWith(ginaCall(new Api.account.UpdateProfile({ lastName: 'x'.repeat(65) })), 'LASTNAME_INVALID');
    await rejectsWith(milo.client.call({ _: 'account.updateProfile', about: 'y'.repeat(71) }), 'ABOUT_TOO_LONG');
    // Only the given field changes.
    const again = await ginaCall<Api.User>(new Api.account.UpdateProfile({ about: 'still 198' }));
    assert.equal(again.firstName, 'Gina');
    assert.equal(again.lastName, 'Gramjs');
  });

  test('usernames: check, set, occupied, not modified, invalid', async () => {
    assert.equal(await milo.client.call({ _: 'account.checkUsername', username: 'milo_mtcute' }), true);
    const user: any = await milo.client.call({ _: 'account.updateUsername', username: 'milo_mtcute' });
    assert.equal(user.username, 'milo_mtcute');
    await rejectsWith(milo.client.call({ _: 'account.updateUsername', username: 'milo_mtcute' }), 'USERNAME_NOT_MODIFIED');
    await rejectsWith(ginaCall(new Api.account.CheckUsername({ username: 'Milo_Mtcute' })), 'USERNAME_OCCUPIED');
    await rejectsWith(ginaCall(new Api.account.UpdateUsername({ username: 'MILO_MTCUTE' })), 'USERNAME_OCCUPIED');
    for (const bad of ['gi', '1gina', 'gina__g', 'gina_', 'gina-g']) {
      await rejectsWith(ginaCall(new Api.account.CheckUsername({ username: bad })), 'USERNAME_INVALID');
      await rejectsWith(ginaCall(new Api.account.UpdateUsername({ username: bad })), 'USERNAME_INVALID');
    }
    const gUser = await ginaCall<Api.User>(new Api.account.UpdateUsername({ username: 'gina_gramjs' }));
    assert.equal(gUser.username, 'gina_gramjs');
  });

  test('each client resolves the other by username and sees the right names in its own layer', async () => {
    const res = await ginaCall<Api.contacts.ResolvedPeer>(new Api.contacts.ResolveUsername({ username: 'milo_mtcute' }));
    assert.ok(res.peer instanceof Api.PeerUser);
    assert.equal(big(res.peer.userId), miloId);
    const miloUser = res.users[0] as Api.User;
    assert.equal(miloUser.firstName, 'Milo');
    assert.equal(miloUser.lastName, 'Mtcute');
    assert.equal(miloUser.username, 'milo_mtcute');
    assert.equal(miloUser.self, false);
    miloHashForGina = big(miloUser.accessHash!);

    const back: any = await milo.client.call({ _: 'contacts.resolveUsername', username: '@Gina_Gramjs' });
    assert.equal(back.peer._, 'peerUser');
    assert.equal(BigInt(back.peer.userId), ginaId);
    const ginaUser = back.users[0];
    assert.equal(ginaUser.firstName, 'Gina');
    assert.equal(ginaUser.lastName, 'Gramjs');
    assert.equal(ginaUser.username, 'gina_gramjs');
    ginaHashForMilo = BigInt(ginaUser.accessHash.toString());
    // One user's hash is useless to the other.
    assert.notEqual(miloHashForGina, ginaHashForMilo);

    await rejectsWith(ginaCall(new Api.contacts.ResolveUsername({ username: 'nobody_here' })), 'USERNAME_NOT_OCCUPIED');
    await rejectsWith(ginaCall(new Api.contacts.ResolveUsername({ username: 'bad name!' })), 'USERNAME_INVALID');
  });

  test('getUsers and getFullUser with the right hash, and the errors for a wrong one', async () => {
    const user = await miloSeenByGina();
    assert.equal(user.firstName, 'Milo');
    const full = await ginaCall<Api.users.UserFull>(new Api.users.GetFullUser({ id: miloAsGinaSees() }));
    assert.equal(big(full.fullUser.id), miloId);
    assert.equal(full.fullUser.about, 'layer 227 here');
    assert.equal(full.fullUser.blocked, false);
    assert.equal(big(full.users[0]!.id), miloId);

    const miloFull: any = await milo.client.call({ _: 'users.getFullUser', id: ginaAsMiloSees() });
    assert.equal(miloFull.fullUser.about, 'still 198');
    assert.equal(miloFull.users[0].firstName, 'Gina');

    const wrong = new Api.InputUser({ userId: gbig(miloId), accessHash: gbig(miloHashForGina ^ 1n) });
    await rejectsWith(ginaCall(new Api.users.GetFullUser({ id: wrong })), 'USER_ID_INVALID');
    await rejectsWith(ginaCall(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: gbig(999n), accessHash: gbig(0n) }) })), 'USER_ID_INVALID');
    // Milo's hash for Gina does not work for Milo himself to reach Gina's id with Gina's value.
    await rejectsWith(milo.client.call({ _: 'users.getFullUser', id: { ...ginaAsMiloSees(), accessHash: Long.fromString(miloHashForGina.toString()) } }), 'USER_ID_INVALID');
    // getUsers leaves unresolvable entries out.
    const list = await ginaCall<Api.TypeUser[]>(new Api.users.GetUsers({ id: [wrong, new Api.InputUserSelf(), miloAsGinaSees()] }));
    assert.deepEqual(
      list.map((u) => big(u.id)),
      [ginaId, miloId],
    );
    await rejectsWith(ginaCall(new Api.users.GetUsers({ id: Array.from({ length: 201 }, () => new Api.InputUserSelf()) })), 'LIMIT_INVALID');
    // An InputPeer with a wrong hash is PEER_ID_INVALID.
    await rejectsWith(ginaCall(new Api.contacts.Block({ id: new Api.InputPeerUser({ userId: gbig(miloId), accessHash: gbig(miloHashForGina ^ 1n) }) })), 'PEER_ID_INVALID');
  });

  test('privacy: the phone number is hidden by default from a stranger, shown with allowAll, hidden with disallowAll', async () => {
    assert.equal((await miloSeenByGina()).phone ?? undefined, undefined);
    const res = await miloSetPrivacy('inputPrivacyKeyPhoneNumber', [{ _: 'inputPrivacyValueAllowAll' }]);
    assert.equal(res._, 'account.privacyRules');
    assert.deepEqual(res.rules.map((r: any) => r._), ['privacyValueAllowAll']);
    assert.equal((await miloSeenByGina()).phone, MILO_PHONE);
    await miloSetPrivacy('inputPrivacyKeyPhoneNumber', [{ _: 'inputPrivacyValueDisallowAll' }]);
    assert.equal((await miloSeenByGina()).phone ?? undefined, undefined);
    // The owner always sees its own.
    assert.equal((await milo.client.getMe()).phoneNumber, MILO_PHONE);
  });

  test('privacy: an allowUsers exception shows the phone to that user only; getPrivacy reads the rules back', async () => {
    const res = await miloSetPrivacy('inputPrivacyKeyPhoneNumber', [{ _: 'inputPrivacyValueDisallowAll' }, { _: 'inputPrivacyValueAllowUsers', users: [ginaAsMiloSees()] }]);
    assert.deepEqual(res.users.map((u: any) => BigInt(u.id)), [ginaId]);
    assert.equal((await miloSeenByGina()).phone, MILO_PHONE);
    const read: any = await milo.client.call({ _: 'account.getPrivacy', key: { _: 'inputPrivacyKeyPhoneNumber' } });
    assert.deepEqual(
      read.rules.map((r: any) => [r._, (r.users ?? []).map((u: number) => BigInt(u))]),
      [
        ['privacyValueDisallowAll', []],
        ['privacyValueAllowUsers', [ginaId]],
      ],
    );
    // GramJS reads its own defaults: last seen for everybody, phone for contacts.
    const status = await ginaCall<Api.account.PrivacyRules>(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyStatusTimestamp() }));
    assert.ok(status.rules[0] instanceof Api.PrivacyValueAllowAll);
    const phone = await ginaCall<Api.account.PrivacyRules>(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyPhoneNumber() }));
    assert.ok(phone.rules[0] instanceof Api.PrivacyValueAllowContacts);
    // A user named with a wrong hash makes the rule invalid.
    await rejectsWith(
      miloSetPrivacy('inputPrivacyKeyPhoneNumber', [{ _: 'inputPrivacyValueAllowUsers', users: [{ ...ginaAsMiloSees(), accessHash: Long.fromInt(1) }] }]),
      'PRIVACY_VALUE_INVALID',
    );
  });

  test('privacy: "my contacts" shows the phone once the owner adds the viewer as a contact', async () => {
    await miloSetPrivacy('inputPrivacyKeyPhoneNumber', [{ _: 'inputPrivacyValueAllowContacts' }, { _: 'inputPrivacyValueDisallowAll' }]);
    assert.equal((await miloSeenByGina()).phone ?? undefined, undefined);
    await milo.client.call({ _: 'contacts.addContact', id: ginaAsMiloSees(), firstName: 'Gina', lastName: 'Contact', phone: '' });
    assert.equal((await miloSeenByGina()).phone, MILO_PHONE);
  });

  test('updateStatus reaches a user who has the owner as a contact, within the owner privacy', async () => {
    // Gina keeps Milo as a contact, so she follows his status.
    await ginaCall(new Api.contacts.AddContact({ id: miloAsGinaSees(), firstName: 'Milo', lastName: 'M', phone: '' }));
    const isMiloStatus = (u: Api.TypeUpdate) => u instanceof Api.UpdateUserStatus && big(u.userId) === miloId;

    let from = ginaUpdates.seen.length;
    assert.equal(await milo.client.call({ _: 'account.updateStatus', offline: true }), true);
    const offline = await ginaUpdates.waitFor<Api.UpdateUserStatus>((u) => isMiloStatus(u) && (u as Api.UpdateUserStatus).status instanceof Api.UserStatusOffline, from);
    assert.ok((offline.status as Api.UserStatusOffline).wasOnline > 0);
    assert.ok((await miloSeenByGina()).status instanceof Api.UserStatusOffline);

    from = ginaUpdates.seen.length;
    await milo.client.call({ _: 'account.updateStatus', offline: false });
    await ginaUpdates.waitFor((u) => isMiloStatus(u) && (u as Api.UpdateUserStatus).status instanceof Api.UserStatusOnline, from);
    assert.ok((await miloSeenByGina()).status instanceof Api.UserStatusOnline);

    // Hidden from everybody: no push, and Gina sees only "recently".
    await miloSetPrivacy('inputPrivacyKeyStatusTimestamp', [{ _: 'inputPrivacyValueDisallowAll' }]);
    from = ginaUpdates.seen.length;
    await milo.client.call({ _: 'account.updateStatus', offline: true });
    const hidden = (await miloSeenByGina()).status;
    assert.ok(hidden instanceof Api.UserStatusRecently, `got ${hidden?.className}`);
    // Shared again: the next change arrives, and nothing arrived in between.
    await miloSetPrivacy('inputPrivacyKeyStatusTimestamp', [{ _: 'inputPrivacyValueAllowAll' }]);
    await milo.client.call({ _: 'account.updateStatus', offline: false });
    await ginaUpdates.waitFor((u) => isMiloStatus(u) && (u as Api.UpdateUserStatus).status instanceof Api.UserStatusOnline, from);
    const between = ginaUpdates.seen.slice(from).filter(isMiloStatus);
    assert.equal(between.length, 1, `expected only the update after sharing again, got ${between.map((u) => (u as Api.UpdateUserStatus).status.className)}`);
  });

  test('a username change reaches the contact as updateUserName, with the contact name kept', async () => {
    const from = ginaUpdates.seen.length;
    await milo.client.call({ _: 'account.updateUsername', username: 'milo_two' });
    const update = await ginaUpdates.waitFor<Api.UpdateUserName>((u) => u instanceof Api.UpdateUserName && big(u.userId) === miloId, from);
    assert.deepEqual(
      update.usernames.map((u) => u.username),
      ['milo_two'],
    );
    assert.equal(update.firstName, 'Milo');
    assert.equal(update.lastName, 'M');
    // The old name is free again, the new one resolves.
    await rejectsWith(ginaCall(new Api.contacts.ResolveUsername({ username: 'milo_mtcute' })), 'USERNAME_NOT_OCCUPIED');
    const res = await ginaCall<Api.contacts.ResolvedPeer>(new Api.contacts.ResolveUsername({ username: 'milo_two' }));
    assert.equal(big((res.peer as Api.PeerUser).userId), miloId);
    // An empty username removes it.
    const cleared: any = await milo.client.call({ _: 'account.updateUsername', username: '' });
    assert.equal(cleared.username, undefined);
    await rejectsWith(milo.client.call({ _: 'account.updateUsername', username: '' }), 'USERNAME_NOT_MODIFIED');
  });

  test("the owner's other device hears about its privacy and name changes", async () => {
    const second = await world.signInGramjs({ phone: MILO_PHONE });
    assert.equal(second.userId, miloId);
    const log = new UpdateLog();
    second.handle.client.addEventHandler((update: Api.TypeUpdate) => log.push(update), new Raw({}));

    await miloSetPrivacy('inputPrivacyKeyProfilePhoto', [{ _: 'inputPrivacyValueAllowContacts' }, { _: 'inputPrivacyValueDisallowUsers', users: [ginaAsMiloSees()] }]);
    const privacy = await log.waitFor<Api.UpdatePrivacy>((u) => u instanceof Api.UpdatePrivacy);
    assert.ok(privacy.key instanceof Api.PrivacyKeyProfilePhoto);
    assert.ok(privacy.rules[0] instanceof Api.PrivacyValueAllowContacts);
    const disallowed = privacy.rules[1] as Api.PrivacyValueDisallowUsers;
    assert.ok(disallowed instanceof Api.PrivacyValueDisallowUsers);
    assert.deepEqual(disallowed.users.map(big), [ginaId]);
    // The GramJS device reads back what the mtcute device set.
    const read = await second.handle.client.invoke(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyProfilePhoto() }));
    assert.equal(read.rules.length, 2);

    await milo.client.call({ _: 'account.updateProfile', firstName: 'Milo', lastName: 'Renamed' });
    const name = await log.waitFor<Api.UpdateUserName>((u) => u instanceof Api.UpdateUserName && big(u.userId) === miloId);
    assert.equal(name.firstName, 'Milo');
    assert.equal(name.lastName, 'Renamed');
  });

  test('deleteAccount signs the device out and leaves a deleted user behind', async () => {
    const dora = (await world.signUpGramjs({ phone: DORA_PHONE, firstName: 'Dora' })).handle;
    const doraCall = <R>(req: Api.AnyRequest) => dora.client.invoke(req) as Promise<R>;
    await doraCall(new Api.account.UpdateUsername({ username: 'dora_deleted' }));
    const res = await ginaCall<Api.contacts.ResolvedPeer>(new Api.contacts.ResolveUsername({ username: 'dora_deleted' }));
    const doraUser = res.users[0] as Api.User;

    assert.equal(await doraCall<boolean>(new Api.account.DeleteAccount({ reason: 'testing' })), true);
    await rejectsWith(doraCall(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })), 'AUTH_KEY_UNREGISTERED');

    await rejectsWith(ginaCall(new Api.contacts.ResolveUsername({ username: 'dora_deleted' })), 'USERNAME_NOT_OCCUPIED');
    const [gone] = await ginaCall<Api.TypeUser[]>(new Api.users.GetUsers({ id: [new Api.InputUser({ userId: doraUser.id, accessHash: doraUser.accessHash! })] }));
    assert.ok(gone instanceof Api.User);
    assert.equal(gone.deleted, true);
    assert.equal(gone.phone ?? undefined, undefined);
    assert.equal(gone.username ?? undefined, undefined);
    assert.equal(gone.firstName ?? undefined, undefined);
  });
});
