// The split deployment on the engines (issue 13): two core nodes (ECHO_ROLE=core, each with its own gateway link
// listener, one link secret) sharing MariaDB, Redis, etcd, Kafka and S3 and one server key, and one gateway node
// (ECHO_ROLE=gateway) linked to both, the only port clients know. GramJS and mtcute users sign up and chat
// through the gateway, which spreads their connections over both cores; the core carrying Bob is SIGKILLed
// during a burst of his sends: its clients' connections drop, they come back through the gateway to the other
// core with their auth keys (no new key, no new sign-in) and hold every acknowledged message exactly once; the
// killed core restarts, the gateway links to it again and new connections reach it.
// The tests share the nodes and run in order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bigInt from 'big-integer';
import Long from 'long';
import { AUTH_KEY_CREATED_MSG, startEchod, type EchodProcess, type LogLine } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import { freePort } from '../support/ports.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { signInGramjs, signInMtcute, testPhone } from '../support/accounts.js';
import { loadOrCreateServerKey } from '../../src/infra/keys.js';
import { makeAuthKey } from '../../src/mtproto/crypto/auth-key.js';
import { ScratchDatabases } from './mysql-env.js';
import { sharedNodeEnv } from './node-env.js';

const TIMEOUT = 600_000;
const run = randomBytes(3).toString('hex');
// Phones of this run only: sign-in flood counters live in Redis across runs, keyed by phone.
const phoneBase = 9_000_000 + (randomBytes(3).readUIntLE(0, 3) % 90_000) * 10;
const phone = (n: number) => testPhone(phoneBase + n);
const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());
const randomLongM = () => Long.fromBits(randomBytes(4).readInt32LE(), randomBytes(4).readInt32LE());
const SECRET = `gateway-cores-secret-${run}`;

const databases = new ScratchDatabases();
const keyDir = mkdtempSync(join(tmpdir(), 'echo-gateway-cores-key-'));
let shared: Record<string, string>;
let gatewayPort: number;
/** The cores' gateway link ports (fixed: a restarted core listens on its own again, where the gateway dials). */
const linkPorts: number[] = [];
const cores: EchodProcess[] = [];
let gateway: EchodProcess;
let target: EchoTarget;
/** The core the kill test killed. */
let killedIndex = -1;
/** The pid of a core stopped with SIGSTOP, until it gets SIGCONT. */
let stopped: number | undefined;

type Client = { name: string; kind: 'gramjs'; handle: GramjsHandle; inbox: Inbox } | { name: string; kind: 'mtcute'; handle: MtcuteHandle; inbox: Inbox };
let alice: Extract<Client, { kind: 'gramjs' }>;
let carol: Extract<Client, { kind: 'gramjs' }>;
let bob: Extract<Client, { kind: 'mtcute' }>;
let dave: Extract<Client, { kind: 'mtcute' }>;
const clients: Client[] = [];
const closers: (() => Promise<unknown>)[] = [];
let bobForAlice: Api.InputPeerUser;
let daveForCarol: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
let carolForDave: { _: 'inputPeerUser'; userId: number; accessHash: Long };

const textOf = (u: any): string | undefined => u?.message?.message ?? u?.message;
const isNewMessage = (text: string) => (u: any) => (u._ === 'updateNewMessage' || u.className === 'UpdateNewMessage' || u.className === 'UpdateShortMessage') && textOf(u) === text;
const keyCreated = (l: LogLine) => l.msg === AUTH_KEY_CREATED_MSG;
const connectionOpened = (l: LogLine) => l.msg === 'connection opened';
const linkedTo = (port: number) => (l: LogLine) => l.msg === 'linked to core' && l.core === `127.0.0.1:${port}`;

function startCore(linkPort: number): Promise<EchodProcess> {
  // The cores advertise the gateway's port (help.getConfig) and bind none for clients.
  return startEchod({
    tcpPorts: [gatewayPort],
    env: { ...shared, ECHO_ROLE: 'core', ECHO_GATEWAY_LINK_LISTEN: `127.0.0.1:${linkPort}`, ECHO_LINK_SECRET: SECRET },
    readyTimeoutMs: 120_000,
  });
}

async function authKeyOf(c: Client): Promise<Buffer> {
  const key = c.kind === 'gramjs' ? c.handle.authKey() : await c.handle.authKey();
  assert.ok(key, `${c.name} has an auth key`);
  return key;
}

/** The core that ran the client's handshake (its connection since), by the key id it logged. */
async function coreOf(c: Client): Promise<EchodProcess> {
  const id = makeAuthKey(await authKeyOf(c)).id.toString();
  const found = cores.filter((core) => core.logs.some((l) => keyCreated(l) && l.authKeyId === id));
  assert.equal(found.length, 1, `one core created ${c.name}'s key`);
  return found[0]!;
}

const connectionsOf = (c: Client): number => c.handle.connections;


async function gramjsImport(from: GramjsHandle, n: number, firstName: string): Promise<Api.InputPeerUser> {
  const imported = (await from.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(n), phone: `+${phone(n)}`, firstName, lastName: '' })] }),
  )) as Api.contacts.ImportedContacts;
  const user = imported.users[0] as Api.User;
  return new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash! });
}

async function mtcuteImport(from: MtcuteHandle, n: number, firstName: string): Promise<{ _: 'inputPeerUser'; userId: number; accessHash: Long }> {
  const res: any = await from.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(n), phone: `+${phone(n)}`, firstName, lastName: '' }] });
  return { _: 'inputPeerUser', userId: res.users[0].id, accessHash: res.users[0].accessHash };
}

async function signInG(n: number, name: string): Promise<Extract<Client, { kind: 'gramjs' }>> {
  const a = await signInGramjs(target, { phone: phone(n), firstName: name, gramjs: { connectionRetries: 600 } });
  closers.push(() => a.handle.close());
  const c = { name, kind: 'gramjs' as const, handle: a.handle, inbox: new Inbox() };
  watchGramjs(a.handle, c.inbox);
  clients.push(c);
  return c;
}

async function signInM(n: number, name: string): Promise<Extract<Client, { kind: 'mtcute' }>> {
  const a = await signInMtcute(target, { phone: phone(n), firstName: name, mtcute: { updates: true } });
  closers.push(() => a.handle.close());
  const c = { name, kind: 'mtcute' as const, handle: a.handle, inbox: new Inbox() };
  watchMtcute(a.handle, c.inbox);
  await startUpdates(a.handle);
  clients.push(c);
  return c;
}

/** `send` delivers `text` to `to`: resolves once `to` has seen it arrive live. */
async function delivered(to: Client, text: string, send: () => Promise<unknown>): Promise<void> {
  const arrives = to.inbox.waitFor(isNewMessage(text), `${to.name} gets "${text}"`, 60_000);
  await send();
  await arrives;
}

/** Alice <-> Bob and Carol <-> Dave, each message waited for live on the other side. */
async function chat(tag: string): Promise<void> {
  const toBob = `alice to bob ${tag} ${run}`;
  await delivered(bob, toBob, () => alice.handle.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: toBob, randomId: randomLong() })));
  const toAlice = `bob to alice ${tag} ${run}`;
  await delivered(alice, toAlice, () => bob.handle.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: toAlice, randomId: randomLongM() }));
  const toDave = `carol to dave ${tag} ${run}`;
  await delivered(dave, toDave, () => carol.handle.client.invoke(new Api.messages.SendMessage({ peer: daveForCarol, message: toDave, randomId: randomLong() })));
  const toCarol = `dave to carol ${tag} ${run}`;
  await delivered(carol, toCarol, () => dave.handle.client.call({ _: 'messages.sendMessage', peer: carolForDave, message: toCarol, randomId: randomLongM() }));
}

before(async () => {
  const keyFile = join(keyDir, 'server-key.pem');
  loadOrCreateServerKey(keyFile);
  shared = sharedNodeEnv({ keyFile, redisDb: 8 + (randomBytes(1)[0]! % 8), topicPrefix: `gwcores-${run}.`, database: databases.next() });
  gatewayPort = await freePort();
  linkPorts.push(await freePort(), await freePort());
  // One at a time: the first core creates the schema.
  for (const port of linkPorts) cores.push(await startCore(port));
  gateway = await startEchod({
    tcpPorts: [gatewayPort],
    env: { ECHO_ROLE: 'gateway', ECHO_CORE_LINKS: linkPorts.map((p) => `127.0.0.1:${p}`).join(','), ECHO_LINK_SECRET: SECRET },
  });
  // Both links up before any client connects, so the round robin has both to choose from.
  await Promise.all([...cores.map((c) => c.waitForLog((l) => l.msg === 'gateway linked', 30_000)), ...linkPorts.map((p) => gateway.waitForLog(linkedTo(p), 30_000))]);
  target = { ...(await echoTarget(cores[0]!)), port: gatewayPort };

  // One connection each, in turn: the round robin sends Alice and Bob to one core, Carol and Dave to the other.
  alice = await signInG(1, 'Alice');
  carol = await signInG(3, 'Carol');
  bob = await signInM(2, 'Bob');
  dave = await signInM(4, 'Dave');
  bobForAlice = await gramjsImport(alice.handle, 2, 'Bob');
  aliceForBob = await mtcuteImport(bob.handle, 1, 'Alice');
  daveForCarol = await gramjsImport(carol.handle, 4, 'Dave');
  carolForDave = await mtcuteImport(dave.handle, 3, 'Carol');
});

after(async () => {
  if (process.env.NODES_DEBUG) {
    for (const [name, node] of [['core 1', cores[0]], ['core 2', cores[1]], ['gateway', gateway]] as const) {
      if (node) process.stderr.write(`${name} stderr:\n${node.stderr.slice(-4000)}\nlast logs:\n${node.logs.slice(-20).map((l) => JSON.stringify(l)).join('\n')}\n`);
    }
  }
  if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await gateway?.dispose();
  await Promise.allSettled(cores.map((c) => c.dispose()));
  await databases.dropAll();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('a gateway node linked to two core nodes on the engines', { timeout: TIMEOUT }, () => {
  test('GramJS and mtcute chat in real time through the gateway, whose connections are spread over both cores', async () => {
    await chat('first');
    const where = new Map<Client, EchodProcess>();
    for (const c of clients) where.set(c, await coreOf(c));
    for (const [i, core] of cores.entries()) {
      const carried = clients.filter((c) => where.get(c) === core).map((c) => c.name);
      assert.ok(carried.length >= 1, `core ${i + 1} carries a client (it carries ${carried.join(', ') || 'none'})`);
      assert.ok(core.countLogs(connectionOpened) >= 1, `core ${i + 1} logged a connection`);
      assert.ok(core.countLogs((l) => l.msg === 'new session') >= 1, `core ${i + 1} logged a session`);
      assert.equal(core.countLogs((l) => l.msg === 'gateway linked'), 1, `core ${i + 1} has one gateway link`);
    }
    // Every handshake ran on a core; the gateway holds no key.
    // At least one key per client (a client whose handshake timed out on its side under load starts another).
    assert.ok(cores.reduce((n, c) => n + c.countLogs(keyCreated), 0) >= clients.length, 'an auth key per client, made on a core');
    assert.equal(gateway.countLogs(keyCreated), 0);
  });

  test('the core carrying Bob SIGKILLed during his burst: its clients come back through the gateway to the other core with their keys and hold every acknowledged message once', async (t) => {
    const victim = await coreOf(bob);
    const survivor = cores.find((c) => c !== victim)!;
    killedIndex = cores.indexOf(victim);
    const victimLinkPort = linkPorts[killedIndex]!;
    const onVictim: Client[] = [];
    for (const c of clients) if ((await coreOf(c)) === victim) onVictim.push(c);
    const connectionsBefore = new Map(onVictim.map((c) => [c, connectionsOf(c)]));
    const keysBefore = new Map<Client, Buffer>();
    for (const c of clients) keysBefore.set(c, await authKeyOf(c));
    const keysCreated = survivor.countLogs(keyCreated);
    const opened = survivor.countLogs(connectionOpened);

    // Where Bob's box stood before the burst: what the difference from here must hold afterwards.
    const state: any = await bob.handle.client.call({ _: 'updates.getState' });
    const burst = Array.from({ length: 60 }, (_, i) => `burst ${i} ${run}`);
    const acked = new Set<string>();
    const failed: string[] = [];
    const send = (i: number) =>
      bob.handle.client
        .call({ _: 'messages.sendMessage', peer: aliceForBob, message: burst[i]!, randomId: Long.fromBits(i + 1, randomBytes(4).readInt32LE()) })
        .then(
          () => void acked.add(burst[i]!),
          (err: Error) => void failed.push(`${burst[i]}: ${err.message}`),
        );
    // Four calls in flight at any time, as a busy client has: the kill catches some of them on the dead core.
    let next = 0;
    const sends = Array.from({ length: 4 }, async () => {
      while (next < burst.length) await send(next++);
    });
    // Kill once part of the burst is acknowledged, so the kill lands in the middle of it.
    while (acked.size < 10) await new Promise((r) => setImmediate(r));
    const lost = gateway.waitForLog((l) => l.msg === 'core link lost; its connections are dropped' && l.core === `127.0.0.1:${victimLinkPort}`, 30_000);
    const killed = victim.kill(); // the signal leaves now
    const ackedAtKill = acked.size;
    await killed;
    assert.ok(ackedAtKill < burst.length, 'the kill landed in the middle of the burst');
    const lostLine = await lost;
    assert.ok((lostLine.connections as number) >= onVictim.length, `the gateway dropped the ${onVictim.length} connections of the dead core (${lostLine.connections})`);

    // Its clients reconnect by themselves, through the gateway, which has only the survivor to offer.
    for (const c of onVictim) await c.handle.waitForConnections(connectionsBefore.get(c)! + 1, 60_000);
    // mtcute sends again what was in flight on the dropped connection; each call ends (answered or refused).
    await Promise.all(sends);
    assert.ok(acked.size >= ackedAtKill);
    t.diagnostic(`the dead core carried ${onVictim.map((c) => c.name).join(', ')}; ${ackedAtKill} of ${burst.length} sends acknowledged at the kill, ${acked.size} in the end; refused: ${failed.join('; ') || 'none'}`);
    // The survivor took the reconnected clients (it logs each once the gateway's word of it arrives).
    await survivor.waitForLogCount(connectionOpened, opened + onVictim.length, 30_000);
    for (const c of clients) {
      if (c.kind === 'gramjs') await c.handle.client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() }));
      else await c.handle.client.call({ _: 'users.getFullUser', id: { _: 'inputUserSelf' } });
      assert.deepEqual(await authKeyOf(c), keysBefore.get(c), `${c.name} kept its auth key`);
    }
    assert.equal(survivor.countLogs(keyCreated), keysCreated, 'no new auth key: nobody signed in again');

    // Meanwhile Carol writes to Bob; Alice and Bob, Carol and Dave chat live, all on the survivor now.
    const bobForCarol = await gramjsImport(carol.handle, 2, 'Bob');
    const whileAway = `while the core was down ${run}`;
    await carol.handle.client.invoke(new Api.messages.SendMessage({ peer: bobForCarol, message: whileAway, randomId: randomLong() }));
    await chat('after the kill');

    // Bob's box on the shared stores: the difference from before the burst holds each acknowledged send once.
    const differenceTexts = async (): Promise<string[]> => {
      const texts: string[] = [];
      let from = state;
      for (;;) {
        const diff: any = await bob.handle.client.call({ _: 'updates.getDifference', pts: from.pts, date: from.date, qts: from.qts });
        texts.push(...(diff.newMessages ?? []).map((m: any) => m.message));
        if (diff._ !== 'updates.differenceSlice') return texts;
        from = diff.intermediateState;
      }
    };
    await waitUntil(async () => (await differenceTexts()).includes(whileAway), 'Bob\'s difference holds what Carol sent', 120_000);
    const caughtUp = await differenceTexts();
    const history = await bobHistory(aliceForBob);
    for (const text of burst) {
      const copies = history.filter((m) => m === text).length;
      if (acked.has(text)) {
        assert.equal(copies, 1, `acknowledged "${text}" is in Bob's history exactly once`);
        assert.equal(caughtUp.filter((m) => m === text).length, 1, `Bob's difference holds acknowledged "${text}" once`);
      } else assert.ok(copies <= 1, `unacknowledged "${text}" is there at most once (${failed.join('; ')})`);
    }
    // Alice's copies are written by the Inbox-T consumer: records the dead core had taken are handled again by
    // the survivor once the group hands it the dead member's partitions.
    const aliceHolds = async () => (await alice.handle.client.getMessages(bobForAlice, { limit: 1000 })).map((m) => m.message);
    await waitUntil(async () => {
      const held = await aliceHolds();
      return [...acked].every((t) => held.includes(t));
    }, 'Alice holds every acknowledged message of the burst', 120_000);
    const aliceSide = await aliceHolds();
    for (const text of acked) assert.equal(aliceSide.filter((m) => m === text).length, 1, `Alice holds acknowledged "${text}" once`);
  });

  test('the killed core restarted: the gateway links to it again and new connections reach it', async () => {
    const restarted = cores[killedIndex]!;
    const port = linkPorts[killedIndex]!;
    const linked = gateway.countLogs(linkedTo(port));
    await restarted.restart();
    await Promise.all([gateway.waitForLogCount(linkedTo(port), linked + 1, 30_000), restarted.waitForLog((l) => l.msg === 'gateway linked', 30_000)]);

    // Two new devices, one connection each: the round robin gives one of them to the restarted core.
    const eve = await signInM(5, 'Eve');
    const frank = await signInG(6, 'Frank');
    assert.ok(restarted.countLogs(keyCreated) >= 1, 'a new device\'s handshake ran on the restarted core');
    assert.ok(restarted.countLogs(connectionOpened) >= 1, 'the restarted core took a connection');
    // Both chat live with Alice, whichever core each reached.
    const eveForAlice = await gramjsImport(alice.handle, 5, 'Eve');
    const frankForAlice = await gramjsImport(alice.handle, 6, 'Frank');
    const toEve = `hello eve ${run}`;
    const toFrank = `hello frank ${run}`;
    const arrive = Promise.all([eve.inbox.waitFor(isNewMessage(toEve), 'Eve gets Alice\'s message live', 60_000), frank.inbox.waitFor(isNewMessage(toFrank), 'Frank gets Alice\'s message live', 60_000)]);
    await alice.handle.client.invoke(new Api.messages.SendMessage({ peer: eveForAlice, message: toEve, randomId: randomLong() }));
    await alice.handle.client.invoke(new Api.messages.SendMessage({ peer: frankForAlice, message: toFrank, randomId: randomLong() }));
    await arrive;
    const back = `eve answers ${run}`;
    const aliceGets = alice.inbox.waitFor(isNewMessage(back), 'Alice gets Eve\'s answer live', 60_000);
    const aliceForEve = await mtcuteImport(eve.handle, 1, 'Alice');
    await eve.handle.client.call({ _: 'messages.sendMessage', peer: aliceForEve, message: back, randomId: randomLongM() });
    await aliceGets;
  });

  test('a core that hangs (SIGSTOP: no FIN ever comes) falls silent on its link: the gateway closes it, its clients move to the other core, and it is linked again once it runs', async () => {
    const hung = cores.find((_, i) => i !== killedIndex)!;
    const other = cores[killedIndex]!;
    const port = linkPorts[cores.indexOf(hung)]!;
    // The first four clients are all on it since the kill.
    const onHung: Client[] = [alice, bob, carol, dave];
    const connectionsBefore = new Map(onHung.map((c) => [c, connectionsOf(c)]));
    const keysCreated = other.countLogs(keyCreated);
    const linked = gateway.countLogs(linkedTo(port));
    const silent = gateway.waitForLog((l) => l.msg === 'core link silent; closing it' && l.core === `127.0.0.1:${port}`, 60_000);
    process.kill(hung.pid!, 'SIGSTOP');
    stopped = hung.pid;
    await silent;
    await gateway.waitForLog((l) => l.msg === 'core link lost; its connections are dropped' && l.core === `127.0.0.1:${port}`, 10_000);
    for (const c of onHung) await c.handle.waitForConnections(connectionsBefore.get(c)! + 1, 60_000);
    await chat('while a core hangs');
    assert.equal(other.countLogs(keyCreated), keysCreated, 'no new auth key: nobody signed in again');

    // Running again, the core finds its link closed and lets its connections go; the gateway links again.
    process.kill(hung.pid!, 'SIGCONT');
    stopped = undefined;
    await hung.waitForLog((l) => l.msg === 'gateway link closed; its connections are gone', 30_000);
    await gateway.waitForLogCount(linkedTo(port), linked + 1, 30_000);
    await hung.waitForLogCount((l) => l.msg === 'gateway linked', 2, 30_000);
  });
});

/** Every message of Bob's chat with `peer`, newest first, page by page. */
async function bobHistory(peer: unknown): Promise<string[]> {
  const texts: string[] = [];
  let offsetId = 0;
  for (;;) {
    const res: any = await bob.handle.client.call({ _: 'messages.getHistory', peer: peer as never, offsetId, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: Long.ZERO });
    if (res.messages.length === 0) return texts;
    for (const m of res.messages) if (m._ === 'message') texts.push(m.message);
    offsetId = res.messages[res.messages.length - 1].id;
  }
}

/** Polls `check` until it holds (each poll is a real query; the wait ends as soon as it does). */
async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
