// Each client is answered in the layer it declared with invokeWithLayer. Driven by Echo's own client, which
// shows the bytes the server chose. Layer 229 changed the ids of the draft chat actions (they gained the
// can_stop / keep_on_stop flags) and added sendMessageStopDraftAction; a typing notice carries them to
// the other side as the sender wrote them, so each recipient must get them in its own layer's form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { FIXED_CODE, FIXED_CODE_ENV, testPhone } from '../support/accounts.js';
import { EchoClient, type ClientEvent } from '../../src/client/mtproto-client.js';
import { CANONICAL_LAYER, constructorId, type TlObject } from '../../src/tl/index.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';

let echod: EchodProcess;
let publicKey: RsaPublicKey & { fingerprint: bigint };
const clients: EchoClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  await echod.dispose();
});

const withLayer = (layer: number, query: TlObject) =>
  ({ _: 'invokeWithLayer', layer, query: { _: 'initConnection', apiId: 1, deviceModel: 'test', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;

interface Account {
  client: EchoClient;
  id: bigint;
}

/** A new device on `layer` (declared with its first request, as real clients do), signed up as a new user. */
async function signUp(layer: number, phone: string, firstName: string): Promise<Account> {
  const client = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
  clients.push(client);
  await client.createAuthKey(publicKey);
  const sent = (await client.invoke(withLayer(layer, { _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } } as TlObject))) as { phoneCodeHash: string };
  const auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE } as TlObject)) as { _: string };
  assert.equal(auth._, 'auth.authorizationSignUpRequired');
  const done = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName, lastName: '' } as TlObject)) as { user: { id: bigint } };
  return { client, id: done.user.id };
}

const hasId = (bytes: Buffer, id: number) => {
  const le = Buffer.alloc(4);
  le.writeUInt32LE(id >>> 0);
  return bytes.includes(le);
};

/** The next updateUserTyping pushed to `to` from `from`: its decoded action and the bytes it came in. */
async function nextTyping(to: Account, from: Account): Promise<{ action: TlObject & Record<string, any>; bytes: Buffer }> {
  const isTyping = (e: ClientEvent) =>
    e.type === 'message' && e.message.body._ === 'updateShort' && (e.message.body.update as TlObject)._ === 'updateUserTyping' && (e.message.body.update as { userId: bigint }).userId === from.id;
  const e = await to.client.next(isTyping);
  assert.ok(e.type === 'message');
  return { action: (e.message.body.update as { action: TlObject & Record<string, any> }).action, bytes: e.message.bytes };
}

let alice: Account;
let bob: Account;
let carol: Account;
const peers = new Map<bigint, TlObject>();

before(async () => {
  echod = await startEchod({ env: FIXED_CODE_ENV });
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  alice = await signUp(229, testPhone(7201), 'Alice');
  bob = await signUp(229, testPhone(7202), 'Bob');
  carol = await signUp(228, testPhone(7203), 'Carol');
  const imported = (await alice.client.invoke({
    _: 'contacts.importContacts',
    contacts: [
      { _: 'inputPhoneContact', clientId: 1n, phone: testPhone(7202), firstName: 'Bob', lastName: '' },
      { _: 'inputPhoneContact', clientId: 2n, phone: testPhone(7203), firstName: 'Carol', lastName: '' },
    ],
  } as TlObject)) as { users: { id: bigint; accessHash: bigint }[] };
  for (const u of imported.users) peers.set(u.id, { _: 'inputPeerUser', userId: u.id, accessHash: u.accessHash });
});

const typing = (to: Account, action: TlObject) => alice.client.invoke({ _: 'messages.setTyping', peer: peers.get(to.id)!, action } as TlObject);

test('a layer-229 client gets its config (229 is served natively)', async () => {
  assert.ok(CANONICAL_LAYER >= 229);
  const config = (await bob.client.invoke({ _: 'help.getConfig' } as TlObject)) as { _: string; dcOptions: { port: number }[] };
  assert.equal(config._, 'config');
  assert.ok(config.dcOptions.some((o) => o.port === echod.tcpPorts[0]));
});

test('a draft action whose id changed in 229 reaches a 229 client in the 229 form and a 228 client in the 228 form', async () => {
  const id229 = constructorId('sendMessageTextDraftAction', 229)!;
  const id228 = constructorId('sendMessageTextDraftAction', 228)!;
  assert.equal(id229, 0x3630b85a);
  assert.equal(id228, 0x376d975c);
  const draft = { _: 'sendMessageTextDraftAction', canStop: true, randomId: 77n, text: { _: 'textWithEntities', text: 'half a thought', entities: [] } } as TlObject;

  assert.deepEqual(await typing(bob, draft), { _: 'boolTrue' });
  const toBob = await nextTyping(bob, alice);
  assert.ok(hasId(toBob.bytes, id229) && !hasId(toBob.bytes, id228));
  assert.equal(toBob.action._, 'sendMessageTextDraftAction');
  assert.equal(toBob.action.canStop, true);
  assert.equal(toBob.action.keepOnStop, false);
  assert.equal(toBob.action.randomId, 77n);
  assert.equal(toBob.action.text.text, 'half a thought');

  assert.deepEqual(await typing(carol, draft), { _: 'boolTrue' });
  const toCarol = await nextTyping(carol, alice);
  assert.ok(hasId(toCarol.bytes, id228) && !hasId(toCarol.bytes, id229));
  assert.equal(toCarol.action._, 'sendMessageTextDraftAction');
  assert.equal('canStop' in toCarol.action, false); // layer 228 has no such flag
  assert.equal(toCarol.action.randomId, 77n);
  assert.equal(toCarol.action.text.text, 'half a thought');
});

test('a constructor new in 229 decodes for a 229 client; a 228 client is not sent what its layer cannot express', async () => {
  const stopId = constructorId('sendMessageStopDraftAction', 229)!;
  assert.equal(stopId, 0xfbf902b0);
  assert.equal(constructorId('sendMessageStopDraftAction', 228), undefined);
  const stop = { _: 'sendMessageStopDraftAction', randomId: 78n } as TlObject;

  assert.deepEqual(await typing(bob, stop), { _: 'boolTrue' });
  const toBob = await nextTyping(bob, alice);
  assert.ok(hasId(toBob.bytes, stopId));
  assert.deepEqual(toBob.action, { _: 'sendMessageStopDraftAction', randomId: 78n });

  // Carol's layer has no stop action: the push is skipped for her (logged), and the next one still arrives.
  assert.deepEqual(await typing(carol, stop), { _: 'boolTrue' });
  await echod.waitForLog((l) => l.msg === 'update cannot be encoded for this layer' && l.layer === 228);
  assert.deepEqual(await typing(carol, { _: 'sendMessageTypingAction' } as TlObject), { _: 'boolTrue' });
  const next = await nextTyping(carol, alice);
  assert.equal(next.action._, 'sendMessageTypingAction');
});
