// Updates pushed while a device's connection is down for a moment wait in its session and arrive when the
// same session comes back on a new connection (clients do not ask for a difference after a reconnect
// unless they notice a pts gap). Driven by Echo's own client, which can drop and resume a session at will.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { FIXED_CODE, FIXED_CODE_ENV, testPhone } from '../support/accounts.js';
import { EchoClient } from '../../src/client/mtproto-client.js';
import type { TlObject } from '../../src/tl/index.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';

let echod: EchodProcess;
let publicKey: RsaPublicKey & { fingerprint: bigint };
const clients: EchoClient[] = [];

before(async () => {
  echod = await startEchod({ env: FIXED_CODE_ENV });
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
});
after(async () => {
  for (const c of clients) c.close();
  await echod.dispose();
});

async function connect(): Promise<EchoClient> {
  const client = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
  clients.push(client);
  return client;
}

const wrap = (query: TlObject) =>
  ({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'test', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;

async function signUp(client: EchoClient, phone: string, firstName: string): Promise<bigint> {
  await client.createAuthKey(publicKey);
  const sent = (await client.invoke(wrap({ _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } } as TlObject))) as { phoneCodeHash: string };
  const auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE } as TlObject)) as { _: string };
  assert.equal(auth._, 'auth.authorizationSignUpRequired');
  const done = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName, lastName: '' } as TlObject)) as { user: { id: bigint } };
  return done.user.id;
}

test('a message pushed while the recipient reconnects arrives on its resumed session', async () => {
  const alice = await connect();
  const bob = await connect();
  await signUp(alice, testPhone(7101), 'Alice');
  const bobId = await signUp(bob, testPhone(7102), 'Bob');
  const imported = (await alice.invoke({
    _: 'contacts.importContacts',
    contacts: [{ _: 'inputPhoneContact', clientId: 1n, phone: testPhone(7102), firstName: 'Bob', lastName: '' }],
  } as TlObject)) as { users: { id: bigint; accessHash: bigint }[] };
  const bobUser = imported.users.find((u) => u.id === bobId)!;

  // Bob's connection drops; his session (key, session id, salt) stays with the client.
  const session = bob.session!;
  bob.close();
  await bob.waitClosed();
  await echod.waitForLog((l) => l.msg === 'connection closed by peer');

  await alice.invoke({ _: 'messages.sendMessage', peer: { _: 'inputPeerUser', userId: bobId, accessHash: bobUser.accessHash }, message: 'while you were away', randomId: randomBytes(8).readBigInt64LE(0) } as TlObject);

  // Bob comes back with the same session on a new connection; any request binds it, and the queued push follows.
  const again = await connect();
  again.useSession(session);
  again.send({ _: 'ping', pingId: 1n } as TlObject);
  const pushed = await again.next((e) => e.type === 'message' && e.message.body._ === 'updateShortMessage');
  assert.ok(pushed.type === 'message');
  assert.equal((pushed.message.body as unknown as { message: string }).message, 'while you were away');
});
