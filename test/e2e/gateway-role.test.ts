// ECHO_ROLE (issue 13): a core node (sessions, handlers, storage; no client listener) and a gateway node
// (client connections only) linked over TCP with the link secret. A GramJS user and an mtcute user sign up
// and chat through the gateway; a link without the secret is refused; the gateway killed with SIGKILL and
// started again takes the clients back with their keys and they get what was sent meanwhile; a core that
// goes away drops the gateway's connections and the gateway links again when it is back.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { serialize } from 'node:v8';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import { freePort } from '../support/ports.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type EchoTarget } from '../support/gramjs.js';
import { startUpdates } from '../support/mtcute.js';
import { importEachOther, type MtcuteInputPeerUser } from '../support/peers.js';
import { FIXED_CODE_ENV, signInGramjs, signInMtcute, testPhone, type GramjsAccount, type MtcuteAccount } from '../support/accounts.js';

const TIMEOUT = 120_000;
const ALICE_PHONE = testPhone(470001);
const BOB_PHONE = testPhone(470002);
const SECRET = 'a-link-secret-for-this-test';

let core: EchodProcess;
let gateway: EchodProcess;
let linkPort: number;
let gatewayPort: number;
let target: EchoTarget;
let alice: GramjsAccount;
let bob: MtcuteAccount;
const aliceInbox = new Inbox();
const bobInbox = new Inbox();
let bobForAlice: Api.InputPeerUser;
let aliceForBob: MtcuteInputPeerUser;

const startGateway = () =>
  startEchod({ tcpPorts: [gatewayPort], env: { ECHO_ROLE: 'gateway', ECHO_CORE_LINKS: `127.0.0.1:${linkPort}`, ECHO_LINK_SECRET: SECRET } });

async function aliceSends(message: string): Promise<void> {
  const res = await alice.handle.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message, randomId: bigInt(randomBytes(6).readUIntBE(0, 6)) }));
  assert.ok(res instanceof Api.UpdateShortSentMessage, `sendMessage answered ${res.className}`);
}

async function chatBothWays(text: string): Promise<void> {
  const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === text, `Bob gets "${text}"`, 60_000);
  await aliceSends(text);
  await toBob;
  const answer = `re: ${text}`;
  const toAlice = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === answer, `Alice gets "${answer}"`, 60_000);
  await bob.handle.client.sendText(aliceForBob, answer);
  await toAlice;
}

before(async () => {
  gatewayPort = await freePort();
  // A fixed link port: the core keeps it across its restart below, and the gateway keeps dialling it.
  linkPort = await freePort();
  // The core advertises the gateway's port (help.getConfig) and binds none for clients.
  core = await startEchod({ tcpPorts: [gatewayPort], env: { ...FIXED_CODE_ENV, ECHO_ROLE: 'core', ECHO_GATEWAY_LINK_LISTEN: `127.0.0.1:${linkPort}`, ECHO_LINK_SECRET: SECRET } });
  assert.equal((await core.waitForLog((l) => l.msg === 'echod ready')).gatewayLinkPort, linkPort);
  gateway = await startGateway();
  await core.waitForLog((l) => l.msg === 'gateway linked');
  target = { ...(await echoTarget(core)), port: gatewayPort };
  alice = await signInGramjs(target, { phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 600 } });
  bob = await signInMtcute(target, { phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } });
  watchGramjs(alice.handle, aliceInbox);
  watchMtcute(bob.handle, bobInbox);
  await startUpdates(bob.handle);
  ({ mtcuteForGramjs: bobForAlice, gramjsForMtcute: aliceForBob } = await importEachOther({ handle: alice.handle, phone: ALICE_PHONE, firstName: 'Alice' }, { handle: bob.handle, phone: BOB_PHONE, firstName: 'Bob' }));
});

after(async () => {
  await Promise.all([alice?.handle.close(), bob?.handle.close()].map((p) => p?.catch(() => undefined)));
  await gateway?.dispose();
  await core?.dispose();
});

describe('a gateway node linked to a core node', { timeout: TIMEOUT }, () => {
  test('GramJS and mtcute sign up and chat through the gateway; the handshakes ran on the core', async () => {
    await chatBothWays('through the gateway node');
    assert.equal(core.logs.filter((l) => l.msg === 'auth key created').length, 2);
    assert.ok(gateway.logs.some((l) => l.msg === 'linked to core'));
  });

  test('a link that does not know the secret is refused before any item', async () => {
    const before = core.logs.length;
    const sock = connect(linkPort, '127.0.0.1');
    sock.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.once('data', () => {
      // A well-framed answer with a wrong MAC: 4-byte length, then V8-serialized { t: 'answer', mac, node }.
      const body = serialize({ t: 'answer', mac: Buffer.alloc(32, 1), node: 'intruder' });
      const head = Buffer.alloc(4);
      head.writeUInt32LE(body.length);
      sock.write(Buffer.concat([head, body]));
    });
    await closed;
    await core.waitForLog((l) => l.msg === 'gateway link refused: wrong or missing answer to the challenge');
    assert.ok(!core.logs.slice(before).some((l) => l.msg === 'gateway linked'));
  });

  test('the gateway killed with SIGKILL and started again takes the clients back with their keys', async () => {
    const linkClosed = core.waitForLog((l) => l.msg === 'gateway link closed; its connections are gone');
    await gateway.kill();
    await linkClosed;
    gateway = await startGateway();
    await chatBothWays('after the gateway came back');
    assert.equal(core.logs.filter((l) => l.msg === 'auth key created').length, 2, 'no new key, no new sign-in');
  });

  test('the core going away drops the gateway\'s connections; restarted, it is linked again and the chat goes on', async () => {
    const relinked = gateway.logs.filter((l) => l.msg === 'linked to core').length;
    const lost = gateway.waitForLog((l) => l.msg === 'core link lost; its connections are dropped', 30_000);
    await core.restart();
    await lost;
    await gateway.waitForLogCount((l) => l.msg === 'linked to core', relinked + 1, 30_000);
    // Both clients are back once a call of theirs is answered (what was pushed while a client was away it
    // would fetch with getDifference: the core lost its in-memory sessions, as a restarted node does).
    await Promise.all([alice.handle.client.invoke(new Api.updates.GetState()), bob.handle.client.call({ _: 'updates.getState' })]);
    await chatBothWays('after the core came back');
  });
});

