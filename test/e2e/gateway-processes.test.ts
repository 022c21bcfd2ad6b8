// ECHO_WORKERS (issue 12): client sockets held by gateway processes, the core in the main process. A GramJS
// user and an mtcute user chat through them in real time; a connection sending garbage is closed by its
// gateway and nobody else notices; a gateway killed with SIGKILL is replaced, its clients reconnect with
// their keys and get what was sent meanwhile; the node stops cleanly, gateways included.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import { E2eWorld } from '../support/e2e.js';
import type { EchodProcess, LogLine } from '../support/echod.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { importEachOther, type MtcuteInputPeerUser } from '../support/peers.js';

const TIMEOUT = 120_000;
const ALICE_PHONE = testPhone(460001);
const BOB_PHONE = testPhone(460002);

let world: E2eWorld;
let echod: EchodProcess;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let gatewayPids: number[];
const aliceInbox = new Inbox();
const bobInbox = new Inbox();
let bobForAlice: Api.InputPeerUser;
let aliceForBob: MtcuteInputPeerUser;

const isGatewayLine = (l: LogLine) => l.component === 'gateway' && typeof l.gateway === 'number';
const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Inodes of the established TCP sockets whose local port is `port` (the server's side of each connection). */
function establishedInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue; // 01: ESTABLISHED
      if (parseInt(f[1]!.split(':').pop()!, 16) === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** Inodes of the sockets among a process's open files. */
function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

async function aliceSends(message: string): Promise<void> {
  const res = await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message, randomId: bigInt(randomBytes(6).readUIntBE(0, 6)) }));
  assert.ok(res instanceof Api.UpdateShortSentMessage, `sendMessage answered ${res.className}`);
}

before(async () => {
  world = await E2eWorld.start({ env: { ECHO_WORKERS: '2' } });
  echod = world.echod;
  const started = await echod.waitForLog((l) => l.msg === 'client TCP connections are held by gateway processes');
  gatewayPids = started.pids as number[];
  assert.equal(gatewayPids.length, 2);
  const a = await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 600 } });
  alice = a.handle;
  const b = await world.signUpMtcute({ phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  watchGramjs(alice, aliceInbox);
  watchMtcute(bob, bobInbox);
  await startUpdates(bob);
  ({ mtcuteForGramjs: bobForAlice, gramjsForMtcute: aliceForBob } = await importEachOther({ handle: alice, phone: ALICE_PHONE, firstName: 'Alice' }, { handle: bob, phone: BOB_PHONE, firstName: 'Bob' }));
});

after(() => world?.close());

describe('gateway processes (ECHO_WORKERS=2)', { timeout: TIMEOUT }, () => {
  test('GramJS and mtcute chat in real time through the gateways, both ways', async () => {
    const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'via a gateway', 'Bob gets the message');
    await aliceSends('via a gateway');
    await toBob;
    const toAlice = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'and back', 'Alice gets the answer');
    await bob.client.sendText(aliceForBob, 'and back');
    await toAlice;
    // The clients' sockets are open in the gateway processes, not in the main one.
    const serverSide = establishedInodes(echod.tcpPorts[0]!);
    assert.ok(serverSide.size >= 2, `${serverSide.size} client connections on the port`);
    const inGateways = new Set(gatewayPids.flatMap((pid) => [...socketInodesOf(pid)]));
    assert.deepEqual([...serverSide].filter((inode) => !inGateways.has(inode)), [], 'every client socket is held by a gateway');
    assert.deepEqual([...socketInodesOf(echod.pid!)].filter((inode) => serverSide.has(inode)), [], 'the main process holds none');
  });

  test('garbage on a connection closes it in its gateway; the chat goes on', async () => {
    const garbage = connect(echod.tcpPorts[0]!, '127.0.0.1');
    const closed = new Promise<void>((resolve) => garbage.on('close', () => resolve()));
    garbage.on('error', () => undefined);
    // 0xef (abridged) then a frame header announcing 0x7f * 4 bytes of nonsense, then a bare int32: the
    // gateway's framing accepts the transport and the router refuses the 4-byte packet.
    garbage.write(Buffer.from([0xef, 0x01, 0xde, 0xad, 0xbe, 0xef]));
    await closed;
    await echod.waitForLog((l) => isGatewayLine(l) && /4-byte packet/.test(String(l.reason)));
    const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'still here', 'Bob gets the next message');
    await aliceSends('still here');
    await toBob;
  });

  test('a gateway killed with SIGKILL is replaced; its clients reconnect with their keys and miss nothing', async () => {
    const exited = echod.waitForLog((l) => l.msg === 'gateway process exited; its connections were dropped; starting another');
    const readyBefore = echod.logs.filter((l) => l.msg === 'gateway process ready').length;
    process.kill(gatewayPids[0]!, 'SIGKILL');
    await exited;
    await echod.waitForLogCount((l) => l.msg === 'gateway process ready', readyBefore + 1, 30_000);
    // Both clients keep their auth keys (no new sign-in) and each gets what the other sent after the kill.
    const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'after the kill', 'Bob gets the message sent after the kill', 60_000);
    await aliceSends('after the kill');
    await toBob;
    const toAlice = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'answer after the kill', 'Alice gets the answer', 60_000);
    await bob.client.sendText(aliceForBob, 'answer after the kill');
    await toAlice;
    assert.equal(echod.logs.filter((l) => l.msg === 'auth key created').length, 2, 'no client created a new key');
  });

  test('the node stops cleanly: the gateway processes exit with it', async () => {
    const pids = (echod.logs.filter((l) => l.msg === 'gateway process ready').map((l) => l.pid) as number[]).filter(processAlive);
    assert.equal(pids.length, 2);
    await echod.stop();
    assert.ok(echod.logs.some((l) => l.msg === 'echod stopped'));
    assert.deepEqual(pids.filter(processAlive), []);
  });
});
