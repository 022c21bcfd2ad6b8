// One test per admin right (issue 14): an admin who holds every right but one is refused the action that right
// guards, with Telegram's error, and the same action passes once the right is given. Alice (GramJS) owns a
// supergroup and a broadcast channel; Bob (GramJS) is promoted with all rights minus the one under test.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import { E2eWorld } from '../support/e2e.js';
import { rejectsWith } from '../support/rpc-errors.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { testPhone } from '../support/accounts.js';

const TIMEOUT = 60_000;
const randomId = () => bigInt(randomBytes(8).readBigInt64LE().toString());

let world: E2eWorld;
let alice: GramjsHandle;
let bob: GramjsHandle;
let carol: GramjsHandle;
let bobUser: Api.InputUser;
/** Carol as Bob reaches her (access hashes are per viewer). */
let carolForBob: Api.InputUser;
/** The supergroup and the broadcast channel as Bob reaches them (his own access hashes). */
let group: Api.InputChannel;
let broadcast: Api.InputChannel;
let aliceGroup: Api.InputChannel;
let aliceBroadcast: Api.InputChannel;

const call = <R>(h: GramjsHandle, req: Api.AnyRequest) => h.client.invoke(req) as Promise<R>;

type Right = 'changeInfo' | 'postMessages' | 'editMessages' | 'deleteMessages' | 'banUsers' | 'inviteUsers' | 'pinMessages' | 'addAdmins';
const ALL: Right[] = ['changeInfo', 'postMessages', 'editMessages', 'deleteMessages', 'banUsers', 'inviteUsers', 'pinMessages', 'addAdmins'];
/** Telegram's answer when the right is missing: editing or deleting someone else's message names the message. */
const REFUSAL: Record<Right, string> = {
  changeInfo: 'CHAT_ADMIN_REQUIRED',
  postMessages: 'CHAT_WRITE_FORBIDDEN',
  editMessages: 'MESSAGE_AUTHOR_REQUIRED',
  deleteMessages: 'MESSAGE_DELETE_FORBIDDEN',
  banUsers: 'CHAT_ADMIN_REQUIRED',
  inviteUsers: 'CHAT_ADMIN_REQUIRED',
  pinMessages: 'CHAT_ADMIN_REQUIRED',
  addAdmins: 'CHAT_ADMIN_REQUIRED',
};

function rightsWithout(missing: Right): Api.ChatAdminRights {
  const rights = Object.fromEntries(ALL.filter((r) => r !== missing).map((r) => [r, true]));
  return new Api.ChatAdminRights({ ...rights, other: true });
}

/** Alice promotes Bob in both chats with every right but `missing` (or all of them). */
async function promoteBob(missing: Right | undefined): Promise<void> {
  const rights = missing ? rightsWithout(missing) : new Api.ChatAdminRights({ ...Object.fromEntries(ALL.map((r) => [r, true])), other: true });
  for (const channel of [aliceGroup, aliceBroadcast]) await call(alice, new Api.channels.EditAdmin({ channel, userId: bobUser, adminRights: rights, rank: '' }));
}

async function alicePost(channel: Api.InputChannel, text: string): Promise<number> {
  const res = await call<Api.Updates>(alice, new Api.messages.SendMessage({ peer: new Api.InputPeerChannel({ channelId: channel.channelId, accessHash: channel.accessHash }), message: text, randomId: randomId() }));
  const u = res.updates.find((x) => x instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
  return u.message.id;
}

const peerOf = (c: Api.InputChannel) => new Api.InputPeerChannel({ channelId: c.channelId, accessHash: c.accessHash });

/** What each right guards, done by Bob; `n` makes each attempt distinct. */
const ACTIONS: Record<Right, (n: number) => Promise<unknown>> = {
  changeInfo: (n) => call(bob, new Api.channels.EditTitle({ channel: group, title: `Rights ${n}` })),
  postMessages: (n) => call(bob, new Api.messages.SendMessage({ peer: peerOf(broadcast), message: `post ${n}`, randomId: randomId() })),
  editMessages: async (n) => call(bob, new Api.messages.EditMessage({ peer: peerOf(broadcast), id: await alicePost(aliceBroadcast, `to edit ${n}`), message: `edited ${n}` })),
  deleteMessages: async (n) => call(bob, new Api.channels.DeleteMessages({ channel: group, id: [await alicePost(aliceGroup, `to delete ${n}`)] })),
  banUsers: () => call(bob, new Api.channels.EditBanned({ channel: group, participant: new Api.InputPeerUser({ userId: carolForBob.userId, accessHash: carolForBob.accessHash }), bannedRights: new Api.ChatBannedRights({ untilDate: 0, sendMessages: true }) })),
  inviteUsers: () => call(bob, new Api.messages.ExportChatInvite({ peer: peerOf(broadcast) })),
  // In the supergroup, whose default rights keep pinning to admins (in a broadcast channel edit_messages governs it).
  pinMessages: async (n) => call(bob, new Api.messages.UpdatePinnedMessage({ peer: peerOf(group), id: await alicePost(aliceGroup, `to pin ${n}`), silent: true })),
  addAdmins: () => call(bob, new Api.channels.EditAdmin({ channel: group, userId: carolForBob, adminRights: new Api.ChatAdminRights({ pinMessages: true }), rank: '' })),
};

before(async () => {
  world = await E2eWorld.start();
  alice = (await world.signUpGramjs({ phone: testPhone(416001), firstName: 'Alice' })).handle;
  const b = await world.signUpGramjs({ phone: testPhone(416002), firstName: 'Bob' });
  bob = b.handle;
  const c = await world.signUpGramjs({ phone: testPhone(416003), firstName: 'Carol' });
  carol = c.handle;
  const imported = await call<Api.contacts.ImportedContacts>(
    alice,
    new Api.contacts.ImportContacts({
      contacts: [
        new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(416002)}`, firstName: 'Bob', lastName: '' }),
        new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${testPhone(416003)}`, firstName: 'Carol', lastName: '' }),
      ],
    }),
  );
  const [b2, c2] = imported.users as Api.User[];
  bobUser = new Api.InputUser({ userId: b2!.id, accessHash: b2!.accessHash! });
  const carolUser = new Api.InputUser({ userId: c2!.id, accessHash: c2!.accessHash! });
  const bobImported = await call<Api.contacts.ImportedContacts>(bob, new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(3), phone: `+${testPhone(416003)}`, firstName: 'Carol', lastName: '' })] }));
  const c3 = bobImported.users[0] as Api.User;
  carolForBob = new Api.InputUser({ userId: c3.id, accessHash: c3.accessHash! });
  const make = async (opts: { megagroup?: boolean; broadcast?: boolean }, title: string) => {
    const res = await call<Api.Updates>(alice, new Api.channels.CreateChannel({ ...opts, title, about: '' }));
    const ch = res.chats[0] as Api.Channel;
    const input = new Api.InputChannel({ channelId: ch.id, accessHash: ch.accessHash! });
    await call(alice, new Api.channels.InviteToChannel({ channel: input, users: [bobUser, carolUser] }));
    return input;
  };
  aliceGroup = await make({ megagroup: true }, 'Rights group');
  aliceBroadcast = await make({ broadcast: true }, 'Rights channel');
  await call(alice, new Api.messages.EditChatDefaultBannedRights({ peer: peerOf(aliceGroup), bannedRights: new Api.ChatBannedRights({ untilDate: 0, pinMessages: true, changeInfo: true }) }));
  // Bob's own access hashes, from his dialogs.
  const dialogs = await call<Api.messages.Dialogs>(bob, new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 50, hash: bigInt.zero }));
  const mine = (id: bigInt.BigInteger) => {
    const ch = dialogs.chats.find((x) => x instanceof Api.Channel && x.id.equals(id)) as Api.Channel | undefined;
    assert.ok(ch, 'Bob has the channel among his dialogs');
    return new Api.InputChannel({ channelId: ch.id, accessHash: ch.accessHash! });
  };
  group = mine(aliceGroup.channelId);
  broadcast = mine(aliceBroadcast.channelId);
});

after(async () => {
  await world?.close();
});

describe('admin rights in channels: each guards its action', { timeout: TIMEOUT }, () => {
  let n = 0;
  for (const right of ALL) {
    test(`without ${right} an admin is refused; with it the action passes`, async () => {
      await promoteBob(right);
      await rejectsWith(ACTIONS[right](++n), REFUSAL[right]);
      await promoteBob(undefined);
      await ACTIONS[right](++n);
    });
  }
  test('a plain member is refused every admin action', async () => {
    for (const channel of [aliceGroup, aliceBroadcast]) await call(alice, new Api.channels.EditAdmin({ channel, userId: bobUser, adminRights: new Api.ChatAdminRights({}), rank: '' }));
    for (const right of ALL) await rejectsWith(ACTIONS[right](++n), REFUSAL[right]);
  });
});
