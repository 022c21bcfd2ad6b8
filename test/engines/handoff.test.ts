// A device moving between two echod nodes on the engines takes its pending updates along, and gets each once
// (src/interface/session/hand-over.ts). Bob's device reaches the nodes through a TCP load balancer that the
// test points at one node or the other; Bob's second device stays on node 2 throughout (so node 2 keeps
// drawing Bob's pushes); Alice, on node 1, sends typing actions, which carry no pts: a client cannot recover a
// lost one with getDifference, nor drop a second copy of one. What the server sends the moving device is read
// before mtcute's updates manager.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Long from 'long';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import { Inbox } from '../support/inbox.js';
import type { EchoTarget } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { signInMtcute, testPhone } from '../support/accounts.js';
import { loadBalancer } from '../support/load-balancer.js';
import { loadOrCreateServerKey } from '../../src/infra/keys.js';
import { ScratchDatabases } from './mysql-env.js';
import { sharedNodeEnv } from './node-env.js';

const TIMEOUT = 300_000;
const run = randomBytes(3).toString('hex');
const phoneBase = 6_000_000 + (randomBytes(3).readUIntLE(0, 3) % 400_000) * 10;
const phone = (n: number) => testPhone(phoneBase + n);

const databases = new ScratchDatabases();
const keyDir = mkdtempSync(join(tmpdir(), 'echo-handoff-key-'));
let node1: EchodProcess;
let node2: EchodProcess;
let alice: MtcuteHandle;
/** Bob's device that moves, through the load balancer. */
let bob: MtcuteHandle;
/** Bob's second device, on node 2 all along. */
let bobStays: MtcuteHandle;
let bobForAlice: { _: 'inputPeerUser'; userId: number; accessHash: Long };
/** Where the load balancer sends new connections. */
let backend: () => number;
/** What the server sent each of Bob's devices. */
const sentToBob = new Inbox();
const sentToBobStays = new Inbox();
const closers: (() => Promise<unknown>)[] = [];

/** Every update the server sends the device, before mtcute's updates manager sees it. */
function observe(handle: MtcuteHandle, inbox: Inbox): void {
  handle.base.onServerUpdate.add((u: any) => {
    if (u._ === 'updateShort') inbox.push(u.update);
    else if (u._ === 'updateShortMessage') inbox.push({ _: 'updateNewMessage', message: { message: u.message } });
    for (const x of u.updates ?? []) inbox.push(x);
  });
}

/** Alice's typing action number `n` (an upload progress, so each one can be told apart). */
const typing = (n: number) => (u: any) => u._ === 'updateUserTyping' && u.action?._ === 'sendMessageUploadPhotoAction' && u.action.progress === n;
const sendTyping = (n: number) => alice.client.call({ _: 'messages.setTyping', peer: bobForAlice, action: { _: 'sendMessageUploadPhotoAction', progress: n } });

const closedByPeer = (l: { msg?: unknown }) => l.msg === 'connection closed by peer';

/**
 * Moves Bob's device to `to`: its connection drops (the node sees it close), and it reconnects once `meanwhile`
 * ran. Before that it acknowledges what it got (acks ride along with its requests): an update a client did not
 * acknowledge is sent again, by design, wherever the client resumes.
 */
async function moveBob(from: EchodProcess, to: EchodProcess, meanwhile: () => Promise<void>): Promise<void> {
  await bob.client.call({ _: 'updates.getState' });
  const release = bob.holdConnections();
  backend = () => to.tcpPorts[0]!;
  const closed = from.countLogs(closedByPeer);
  await bob.dropConnection();
  await from.waitForLogCount(closedByPeer, closed + 1, 30_000);
  await meanwhile();
  release();
}

before(async () => {
  const keyFile = join(keyDir, 'server-key.pem');
  loadOrCreateServerKey(keyFile);
  const shared = sharedNodeEnv({ keyFile, redisDb: randomBytes(1)[0]! % 8, topicPrefix: `handoff-${run}.`, database: databases.next() });
  node1 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
  node2 = await startEchod({ env: shared, readyTimeoutMs: 120_000 });
  const at1 = await echoTarget(node1);
  const at2 = await echoTarget(node2);
  backend = () => node2.tcpPorts[0]!;
  const lb = await loadBalancer(() => [backend()]);
  closers.push(() => lb.close());
  const viaLb: EchoTarget = { ...at2, port: lb.port };

  const a = await signInMtcute(at1, { phone: phone(1), firstName: 'Alice' });
  alice = a.handle;
  closers.push(() => alice.close());
  const b = await signInMtcute(viaLb, { phone: phone(2), firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  closers.push(() => bob.close());
  observe(bob, sentToBob);
  await startUpdates(bob);
  const b2 = await signInMtcute(at2, { phone: phone(2), mtcute: { updates: true } });
  bobStays = b2.handle;
  closers.push(() => bobStays.close());
  observe(bobStays, sentToBobStays);
  await startUpdates(bobStays);
  const found: any = await alice.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone(2)}`, firstName: 'Bob', lastName: '' }] });
  bobForAlice = { _: 'inputPeerUser', userId: found.users[0].id, accessHash: found.users[0].accessHash };
  // Both of Bob's devices are on node 2 and get Alice's typing live.
  await sendTyping(1);
  await Promise.all([sentToBob.waitFor(typing(1), 'Bob gets typing 1 on node 2', 60_000), sentToBobStays.waitFor(typing(1), 'Bob\'s second device gets typing 1', 60_000)]);
});

after(async () => {
  if (process.env.NODES_DEBUG) {
    for (const [name, node] of [['node 1', node1], ['node 2', node2]] as const) {
      if (node) process.stderr.write(`${name} last logs:\n${node.logs.slice(-20).map((l) => JSON.stringify(l)).join('\n')}\n`);
    }
  }
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await Promise.allSettled([node1?.dispose(), node2?.dispose()]);
  await databases.dropAll();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('a device moving between two nodes', { timeout: TIMEOUT }, () => {
  test('what was pushed to its old node while it moved reaches it live on the new node', async () => {
    await moveBob(node2, node1, async () => {
      // Node 2 still holds Bob (his second device), so it takes the push, for both devices there.
      await sendTyping(2);
      await sentToBobStays.waitFor(typing(2), 'Bob\'s second device gets typing 2 on node 2', 60_000);
    });
    await sentToBob.waitFor(typing(2), 'Bob\'s device, now on node 1, gets typing 2 pushed to node 2 while it moved', 60_000);
    // And it is on node 1 now: a new push reaches it there.
    await sendTyping(3);
    await sentToBob.waitFor(typing(3), 'Bob gets typing 3 on node 1', 60_000);
  });

  test('back on its old node with its old session, it is sent nothing a second time', async () => {
    // Bob's device is on node 1; node 2 (his second device's node) takes this push too.
    await sendTyping(4);
    await Promise.all([sentToBob.waitFor(typing(4), 'Bob gets typing 4 on node 1', 60_000), sentToBobStays.waitFor(typing(4), 'Bob\'s second device gets typing 4 on node 2', 60_000)]);
    await moveBob(node1, node2, async () => undefined);
    // A message sent last arrives after anything re-sent on the return (one session's messages keep their order).
    const marker = `marker ${run}`;
    await alice.client.call({ _: 'messages.sendMessage', peer: bobForAlice, message: marker, randomId: Long.fromBits(randomBytes(4).readInt32LE(), randomBytes(4).readInt32LE()) });
    await sentToBob.waitFor((u) => u._ === 'updateNewMessage' && u.message?.message === marker, 'Bob gets the marker back on node 2', 60_000);
    // Typing 4 was taken by node 2 too, while the device was on node 1: the duplicate a return would bring.
    for (const n of [4, 1, 2, 3]) assert.equal(sentToBob.items.filter(typing(n)).length, 1, `typing ${n} was sent to Bob's device once`);
    for (const n of [4, 1, 2, 3]) assert.equal(sentToBobStays.items.filter(typing(n)).length, 1, `typing ${n} was sent to Bob's second device once`);
  });
});
