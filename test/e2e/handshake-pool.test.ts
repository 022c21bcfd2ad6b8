// Auth keys created on the handshake threads (ECHO_HANDSHAKE_WORKERS=2) work for unmodified clients: GramJS
// (layer 198, obfuscated and WebSocket transports) and mtcute (layer 227) sign up over them and talk to each other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { E2eWorld } from '../support/e2e.js';
import bigInt from 'big-integer';
import Long from 'long';
import { Api } from '../support/gramjs.js';
import { testPhone } from '../support/accounts.js';
import { AUTH_KEY_CREATED_MSG } from '../support/echod.js';

const T = { timeout: 90_000 };
let world: E2eWorld;

before(async () => {
  world = await E2eWorld.start({ env: { ECHO_HANDSHAKE_WORKERS: '2' } });
});
after(() => world?.close());

test('GramJS and mtcute sign up and exchange a message over keys made by the handshake threads', T, async () => {
  const alice = await world.signUpGramjs({ phone: testPhone(3101), firstName: 'Alice', transport: 'obfuscated' });
  const carol = await world.signUpGramjs({ phone: testPhone(3103), firstName: 'Carol', transport: 'websocket' });
  const bob = await world.signUpMtcute({ phone: testPhone(3102), firstName: 'Bob' });
  assert.equal(world.echod.countLogs((l) => l.msg === 'handshakes run on worker threads' && l.threads === 2), 1);
  assert.ok(world.echod.countLogs((l) => l.msg === AUTH_KEY_CREATED_MSG) >= 3);

  const me = await carol.handle.client.getMe();
  assert.equal(BigInt(me.id.toString()), carol.userId);
  const bobMe: any = await bob.handle.client.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] });
  assert.equal(BigInt(bobMe[0].id), bob.userId);

  const imported = await alice.handle.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(3102)}`, firstName: 'Bob', lastName: '' })] }),
  );
  const peer = imported.users[0] as Api.User;
  assert.equal(BigInt(peer.id.toString()), bob.userId);
  await alice.handle.client.invoke(new Api.messages.SendMessage({ peer: new Api.InputPeerUser({ userId: peer.id, accessHash: peer.accessHash! }), message: 'over pooled keys', randomId: bigInt(42) }));
  const dialogs: any = await bob.handle.client.call({ _: 'messages.getDialogs', offsetDate: 0, offsetId: 0, offsetPeer: { _: 'inputPeerEmpty' }, limit: 10, hash: Long.ZERO });
  assert.ok(dialogs.messages.some((m: any) => m.message === 'over pooled keys'), 'Bob has the message');
});
