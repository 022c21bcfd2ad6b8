// Saved Messages dialogs (issue 9 item 6): messages.getSavedDialogs, getSavedHistory, deleteSavedHistory,
// getPinnedSavedDialogs, toggleSavedDialogPin and reorderPinnedSavedDialogs, grouping Saved Messages by
// the original sender of forwards. Zoe (GramJS, two devices) saves; Yan (mtcute) writes to her.
// The tests in this file run in order and share one echod.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { E2eWorld } from '../support/e2e.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { Inbox, watchGramjs } from '../support/inbox.js';
import { testPhone } from '../support/accounts.js';
import { listHash } from '../../src/messenger/views.js';

const TIMEOUT = 90_000;
const ZOE_PHONE = testPhone(920001);
const YAN_PHONE = testPhone(920002);

let world: E2eWorld;
let zoe: GramjsHandle;
let zoe2: GramjsHandle;
let zoeId: bigint;
let yanId: bigint;
let yanForZoe: Api.InputPeerUser;
const zoe2Inbox = new Inbox();
const zoeInbox = new Inbox();
/** Zoe's ids: two forwards of Yan's messages and a note of her own, in Saved Messages. */
const saved = { fwd1: 0, fwd2: 0, note: 0 };

const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());
const big = (v: { toString(): string }) => BigInt(v.toString());
const call = <R>(req: Api.AnyRequest, h: GramjsHandle = zoe) => h.client.invoke(req) as Promise<R>;
const self = () => new Api.InputPeerSelf();
// GramJS's typings of layer 198 omit message.saved_peer_id (layer 172+), its reader fills it in.
const savedPeerOf = (m: Api.Message) => {
  const p = (m as unknown as { savedPeerId?: Api.TypePeer }).savedPeerId;
  return p instanceof Api.PeerUser ? big(p.userId) : undefined;
};

async function savedDialogs(opts: { excludePinned?: boolean; hash?: bigint } = {}): Promise<Api.messages.TypeSavedDialogs> {
  return call(
    new Api.messages.GetSavedDialogs({ excludePinned: opts.excludePinned, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 20, hash: bigInt((opts.hash ?? 0n).toString()) }),
  );
}

const dialogPeers = (res: Api.messages.TypeSavedDialogs) =>
  (res as Api.messages.SavedDialogs).dialogs.map((d) => [big(((d as Api.SavedDialog).peer as Api.PeerUser).userId), (d as Api.SavedDialog).topMessage, (d as Api.SavedDialog).pinned ?? false]);

before(async () => {
  world = await E2eWorld.start();
  const z = await world.signUpGramjs({ phone: ZOE_PHONE, firstName: 'Zoe' });
  zoe = z.handle;
  zoeId = z.userId;
  const y = await world.signUpMtcute({ phone: YAN_PHONE, firstName: 'Yan' });
  yanId = y.userId;
  zoe2 = (await world.signInGramjs({ phone: ZOE_PHONE })).handle;
  watchGramjs(zoe, zoeInbox);
  watchGramjs(zoe2, zoe2Inbox);
  await call(new Api.updates.GetState(), zoe2);
  const imported = await call<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${YAN_PHONE}`, firstName: 'Yan', lastName: '' })] }),
  );
  const yan = imported.users[0] as Api.User;
  yanForZoe = new Api.InputPeerUser({ userId: yan.id, accessHash: yan.accessHash! });
  // Yan writes to Zoe (he finds her by her number too).
  const yanImport: any = await y.handle.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.ONE, phone: `+${ZOE_PHONE}`, firstName: 'Zoe', lastName: '' }] });
  const zoeForYan = { _: 'inputPeerUser', userId: yanImport.users[0].id, accessHash: yanImport.users[0].accessHash };
  for (const text of ['first from Yan', 'second from Yan']) {
    await y.handle.client.call({ _: 'messages.sendMessage', peer: zoeForYan, message: text, randomId: Long.fromString(randomLong().toString()) } as any);
  }
});

after(() => world?.close());

describe('Saved Messages dialogs', { timeout: TIMEOUT }, () => {
  test('forwards to Saved Messages carry the original sender as saved_peer_id; a note of her own carries herself', async () => {
    const history = await call<Api.messages.Messages>(new Api.messages.GetHistory({ peer: yanForZoe, limit: 10, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: 0, hash: bigInt(0) }));
    const fromYan = (history.messages as Api.Message[]).filter((m) => m.message.endsWith('from Yan')).sort((a, b) => a.id - b.id);
    assert.equal(fromYan.length, 2);
    for (const [i, m] of fromYan.entries()) {
      const res = await call<Api.Updates>(new Api.messages.ForwardMessages({ fromPeer: yanForZoe, toPeer: self(), id: [m.id], randomId: [randomLong()] }));
      const fwd = res.updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage)!.message as Api.Message;
      assert.equal(savedPeerOf(fwd), yanId);
      if (i === 0) saved.fwd1 = fwd.id;
      else saved.fwd2 = fwd.id;
    }
    const note = await call<Api.UpdateShortSentMessage>(new Api.messages.SendMessage({ peer: self(), message: 'note to self', randomId: randomLong() }));
    saved.note = note.id;
    const [noteMsg] = (await call<Api.messages.Messages>(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: note.id })] }))).messages as Api.Message[];
    assert.equal(savedPeerOf(noteMsg!), zoeId);
  });

  test('getSavedDialogs groups them by saved peer, newest top message first, with the top messages and users', async () => {
    const res = await savedDialogs();
    assert.ok(res instanceof Api.messages.SavedDialogs, `got ${res.className}`);
    assert.deepEqual(dialogPeers(res), [
      [zoeId, saved.note, false],
      [yanId, saved.fwd2, false],
    ]);
    assert.deepEqual(res.messages.map((m) => m.id).sort(), [saved.note, saved.fwd2].sort());
    assert.ok(res.users.some((u) => big(u.id) === yanId));
    // The same page again with its hash: not modified.
    const hash = listHash(res.dialogs.flatMap((d) => [(d as Api.SavedDialog).pinned ? 1 : 0, big(((d as Api.SavedDialog).peer as Api.PeerUser).userId), (d as Api.SavedDialog).topMessage]));
    const again = await savedDialogs({ hash });
    assert.ok(again instanceof Api.messages.SavedDialogsNotModified, `got ${again.className}`);
    assert.equal(again.count, 2);
  });

  test('getSavedHistory lists only the messages saved from that peer', async () => {
    const res = await call<Api.messages.Messages>(new Api.messages.GetSavedHistory({ peer: yanForZoe, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt(0) }));
    assert.deepEqual(res.messages.map((m) => m.id), [saved.fwd2, saved.fwd1]);
    const mine = await call<Api.messages.Messages>(new Api.messages.GetSavedHistory({ peer: self(), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt(0) }));
    assert.deepEqual(mine.messages.map((m) => m.id), [saved.note]);
  });

  test('toggleSavedDialogPin pins (other devices are told), pinned dialogs come first and in getPinnedSavedDialogs', async () => {
    assert.equal(await call(new Api.messages.ToggleSavedDialogPin({ pinned: true, peer: new Api.InputDialogPeer({ peer: yanForZoe }) })), true);
    const u = await zoe2Inbox.waitFor((x) => x instanceof Api.UpdateSavedDialogPinned, 'the second device gets updateSavedDialogPinned');
    assert.equal(u.pinned, true);
    assert.equal(big((u.peer.peer as Api.PeerUser).userId), yanId);
    assert.ok(!zoeInbox.items.some((x) => x instanceof Api.UpdateSavedDialogPinned), 'the calling session gets the result only');

    assert.deepEqual(dialogPeers(await savedDialogs()), [
      [yanId, saved.fwd2, true],
      [zoeId, saved.note, false],
    ]);
    assert.deepEqual(dialogPeers(await savedDialogs({ excludePinned: true })), [[zoeId, saved.note, false]]);
    const pinned = await call<Api.messages.SavedDialogs>(new Api.messages.GetPinnedSavedDialogs());
    assert.deepEqual(dialogPeers(pinned), [[yanId, saved.fwd2, true]]);
  });

  test('reorderPinnedSavedDialogs sets the order; force drops pins left out', async () => {
    await call(new Api.messages.ToggleSavedDialogPin({ pinned: true, peer: new Api.InputDialogPeer({ peer: self() }) }));
    assert.deepEqual(dialogPeers(await call(new Api.messages.GetPinnedSavedDialogs())).map((d) => d[0]), [zoeId, yanId], 'a new pin goes on top');
    assert.equal(await call(new Api.messages.ReorderPinnedSavedDialogs({ order: [new Api.InputDialogPeer({ peer: yanForZoe }), new Api.InputDialogPeer({ peer: self() })] })), true);
    await zoe2Inbox.waitFor((x) => x instanceof Api.UpdatePinnedSavedDialogs && x.order?.length === 2 && big(((x.order[0] as Api.DialogPeer).peer as Api.PeerUser).userId) === yanId, 'the second device gets the order');
    assert.deepEqual(dialogPeers(await call(new Api.messages.GetPinnedSavedDialogs())).map((d) => d[0]), [yanId, zoeId]);
    await call(new Api.messages.ReorderPinnedSavedDialogs({ force: true, order: [new Api.InputDialogPeer({ peer: yanForZoe })] }));
    assert.deepEqual(dialogPeers(await call(new Api.messages.GetPinnedSavedDialogs())).map((d) => d[0]), [yanId]);
  });

  test('deleteSavedHistory removes the messages saved from that peer and its dialog', async () => {
    const before = await call<Api.updates.State>(new Api.updates.GetState());
    const res = await call<Api.messages.AffectedHistory>(new Api.messages.DeleteSavedHistory({ peer: yanForZoe, maxId: 0 }));
    assert.equal(res.offset, 0);
    assert.equal(res.ptsCount, 2);
    assert.equal(res.pts, before.pts + 2);
    const u = await zoe2Inbox.waitFor((x) => x instanceof Api.UpdateDeleteMessages && x.messages.includes(saved.fwd1), 'the second device gets the deletion');
    assert.deepEqual([...u.messages].sort(), [saved.fwd1, saved.fwd2].sort());
    assert.deepEqual(dialogPeers(await savedDialogs()), [[zoeId, saved.note, false]]);
    assert.deepEqual(dialogPeers(await call(new Api.messages.GetPinnedSavedDialogs())), []);
    // Yan's own chat with Zoe is untouched.
    const chat = await call<Api.messages.Messages>(new Api.messages.GetHistory({ peer: yanForZoe, limit: 10, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: 0, hash: bigInt(0) }));
    assert.equal(chat.messages.length, 2);
    const none = await call<Api.messages.AffectedHistory>(new Api.messages.DeleteSavedHistory({ peer: yanForZoe, maxId: 0 }));
    assert.deepEqual([none.pts, none.ptsCount, none.offset], [res.pts, 0, 0]);
  });
});
