// Two echod nodes on loopback sharing MariaDB, Redis, etcd, Kafka and S3, one RSA key (ECHO_SERVER_KEY) and
// nothing else: a GramJS user on node 1 and an mtcute user on node 2 chat in real time, form a group with a
// third user on node 1 and move a 12 MB file through S3; a user connected to both nodes gets each update once
// per device; node 2 is killed with SIGKILL during a burst of sends, its user comes back on node 1 with the same
// auth key (no new sign-in) and holds every acknowledged message exactly once; node 2 restarts and serves again;
// a device signed in on one node is signed in on the other (no stale key cache); SIGTERM drains node 2 behind a
// TCP load balancer with no failed call.
// The tests share the two nodes and run in order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bigInt from 'big-integer';
import Long from 'long';
import { CustomFile } from 'telegram/client/uploads.js';
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { echoTarget } from '../support/e2e.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, createMtcuteClient, type MtcuteHandle } from '../support/mtcute.js';
import { mtcuteSignIn, signInGramjs, signInMtcute, testPhone } from '../support/accounts.js';
import { engineEnv } from '../support/engines-env.js';
import { loadBalancer } from '../support/load-balancer.js';
import { loadOrCreateServerKey } from '../../src/infra/keys.js';
import { ScratchDatabases } from './mysql-env.js';
import { sharedNodeEnv } from './node-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT', 'ETCD_ENDPOINTS', 'KAFKA_BROKERS', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY');
const TIMEOUT = 600_000;
const run = randomBytes(3).toString('hex');
// Phones of this run only: sign-in flood counters live in Redis across runs, keyed by phone.
const phoneBase = 5_000_000 + (randomBytes(3).readUIntLE(0, 3) % 400_000) * 10;
const phone = (n: number) => testPhone(phoneBase + n);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());

const databases = new ScratchDatabases();
const keyDir = mkdtempSync(join(tmpdir(), 'echo-dc-key-'));
const bobStore = join(keyDir, 'bob-mtcute.sqlite');
/** Everything the two nodes share: the engines (this file's own database, topics and Redis db) and one key. */
let shared: Record<string, string>;

let node1: EchodProcess;
let node2: EchodProcess;
let at1: EchoTarget;
let at2: EchoTarget;
let alice: GramjsHandle;
let carol: GramjsHandle;
let bob: MtcuteHandle;
let bobId: bigint;
let aliceId: bigint;
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
const aliceInbox = new Inbox();
const carolInbox = new Inbox();
let bobInbox = new Inbox();
const closers: (() => Promise<unknown>)[] = [];

const textOf = (u: any): string | undefined => u?.message?.message ?? u?.message;
const isNewMessage = (text: string) => (u: any) => (u._ === 'updateNewMessage' || u.className === 'UpdateNewMessage' || u.className === 'UpdateShortMessage' || u.className === 'UpdateShortChatMessage' || u._ === 'updateNewChatMessage') && textOf(u) === text;

function startNode(): Promise<EchodProcess> {
  return startEchod({ env: shared, readyTimeoutMs: 120_000 });
}

async function bobHistory(peer: unknown, limit = 100): Promise<{ id: number; message: string }[]> {
  const res: any = await bob.client.call({ _: 'messages.getHistory', peer: peer as never, offsetId: 0, offsetDate: 0, addOffset: 0, limit, maxId: 0, minId: 0, hash: Long.ZERO });
  return res.messages.filter((m: any) => m._ === 'message');
}

before(async () => {
  const keyFile = join(keyDir, 'dc2-server-key.pem');
  loadOrCreateServerKey(keyFile);
  shared = sharedNodeEnv({ keyFile, redisDb: 8 + (randomBytes(1)[0]! % 8), topicPrefix: `nodes-${run}.`, database: databases.next() });
  node1 = await startNode();
  node2 = await startNode();
  at1 = await echoTarget(node1);
  at2 = await echoTarget(node2);

  const a = await signInGramjs(at1, { phone: phone(1), firstName: 'Alice', gramjs: { connectionRetries: 20 } });
  alice = a.handle;
  aliceId = a.userId;
  closers.push(() => alice.close());
  watchGramjs(alice, aliceInbox);
  const c = await signInGramjs(at1, { phone: phone(3), firstName: 'Carol', gramjs: { connectionRetries: 20 } });
  carol = c.handle;
  closers.push(() => carol.close());
  watchGramjs(carol, carolInbox);
  const b = await signInMtcute(at2, { phone: phone(2), firstName: 'Bob', mtcute: { updates: true, storageFile: bobStore } });
  bob = b.handle;
  bobId = b.userId;
  closers.push(() => bob.close());
  watchMtcute(bob, bobInbox);
  await startUpdates(bob);

  const imported = (await alice.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${phone(2)}`, firstName: 'Bob', lastName: '' })] }),
  )) as Api.contacts.ImportedContacts;
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone(1)}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(async () => {
  for (const [name, node] of [['node 1', node1], ['node 2', node2]] as const) {
    if (node && process.env.NODES_DEBUG) process.stderr.write(`${name} stderr:\n${node.stderr.slice(-4000)}\nlast logs:\n${node.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n`);
  }
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await Promise.allSettled([node1?.dispose(), node2?.dispose()]);
  await databases.dropAll();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('two echod nodes on the engines', { timeout: TIMEOUT }, () => {
  test('both nodes present the one key of ECHO_SERVER_KEY; help.getConfig lists both nodes as dc_options', async () => {
    assert.equal(at1.publicKey, at2.publicKey);
    const config = (await alice.client.invoke(new Api.help.GetConfig())) as Api.Config;
    const options = config.dcOptions.map((o) => `${o.ipAddress}:${o.port}`);
    for (const port of [...node1.tcpPorts, ...node2.tcpPorts]) assert.ok(options.includes(`127.0.0.1:${port}`), `dc_options ${options} lack port ${port}`);
    assert.equal(config.dcOptions[0]!.port, node1.tcpPorts[0], 'the node asked comes first');
    assert.ok(config.dcOptions.every((o) => o.id === config.thisDc));
  });

  test('GramJS on node 1 and mtcute on node 2 chat in real time', async () => {
    const toBob = `hi bob ${run}`;
    const bobGets = bobInbox.waitFor(isNewMessage(toBob), 'Bob gets Alice\'s message on node 2', 60_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: toBob, randomId: randomLong() }));
    await bobGets;
    const toAlice = `hi alice ${run}`;
    const aliceGets = aliceInbox.waitFor(isNewMessage(toAlice), 'Alice gets Bob\'s message on node 1', 60_000);
    await bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: toAlice, randomId: Long.fromBits(randomBytes(4).readInt32LE(), randomBytes(4).readInt32LE()) });
    await aliceGets;
  });

  test('a group of Alice, Carol (node 1) and Bob (node 2): each member gets the others\' messages live', async () => {
    const carolUser = ((await alice.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${phone(3)}`, firstName: 'Carol', lastName: '' })] }),
    )) as Api.contacts.ImportedContacts).users[0] as Api.User;
    const created: any = await alice.client.invoke(
      new Api.messages.CreateChat({ users: [bobForAlice, new Api.InputUser({ userId: carolUser.id, accessHash: carolUser.accessHash! })], title: `nodes ${run}` }),
    );
    const chat = (created.updates?.chats ?? created.chats)[0];
    const bobSees = `from bob to the group ${run}`;
    const both = Promise.all([aliceInbox.waitFor(isNewMessage(bobSees), 'Alice gets Bob\'s group message', 60_000), carolInbox.waitFor(isNewMessage(bobSees), 'Carol gets Bob\'s group message', 60_000)]);
    // Bob learns of the group live, through node 2.
    await bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message?.action?._ === 'messageActionChatCreate', 'Bob sees the group created', 60_000);
    await bob.client.call({ _: 'messages.sendMessage', peer: { _: 'inputPeerChat', chatId: Number(chat.id) }, message: bobSees, randomId: Long.fromNumber(Date.now()) });
    await both;
    const aliceSays = `from alice to the group ${run}`;
    const bobGets = bobInbox.waitFor(isNewMessage(aliceSays), 'Bob gets Alice\'s group message', 60_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: new Api.InputPeerChat({ chatId: chat.id }), message: aliceSays, randomId: randomLong() }));
    await bobGets;
  });

  test('a supergroup of Alice (node 1) and Bob (node 2): a post on one node reaches the member on the other live', async () => {
    const created: any = await alice.client.invoke(new Api.channels.CreateChannel({ megagroup: true, title: `nodes club ${run}`, about: '' }));
    const channel = created.chats[0] as Api.Channel;
    await alice.client.invoke(new Api.channels.InviteToChannel({ channel: new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash! }), users: [bobForAlice] }));
    // Bob learns of the supergroup live (updateChannel through node 2), then reads it with his own access hash.
    const joined = await bobInbox.waitFor((u) => u._ === 'updateChannel' && BigInt(u.channelId) === BigInt(channel.id.toString()), 'Bob learns he is in the supergroup', 60_000);
    assert.ok(joined);
    const bobChannels: any = await bob.client.call({ _: 'messages.getDialogs', offsetDate: 0, offsetId: 0, offsetPeer: { _: 'inputPeerEmpty' }, limit: 50, hash: Long.ZERO });
    const bobChannel = bobChannels.chats.find((c: any) => c._ === 'channel' && BigInt(c.id) === BigInt(channel.id.toString()));
    assert.ok(bobChannel, 'the supergroup is among Bob\'s dialogs');
    const aliceSays = `alice posts in the club ${run}`;
    const bobGets = bobInbox.waitFor((u) => u._ === 'updateNewChannelMessage' && u.message?.message === aliceSays, 'Bob gets Alice\'s post on node 2', 60_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! }), message: aliceSays, randomId: randomLong() }));
    await bobGets;
    const bobSays = `bob answers in the club ${run}`;
    const aliceGets = aliceInbox.waitFor((u: any) => u.className === 'UpdateNewChannelMessage' && u.message?.message === bobSays, 'Alice gets Bob\'s post on node 1', 60_000);
    await bob.client.call({ _: 'messages.sendMessage', peer: { _: 'inputPeerChannel', channelId: bobChannel.id, accessHash: bobChannel.accessHash }, message: bobSays, randomId: Long.fromNumber(Date.now()) });
    await aliceGets;
  });

  test('a 12 MB file from node 1 downloads byte for byte on node 2 (through S3)', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 777);
    const file = await alice.client.uploadFile({ file: new CustomFile('big.bin', data.length, '', data), workers: 4 });
    const caption = `the big one ${run}`;
    const arrived = bobInbox.waitFor(isNewMessage(caption), 'Bob gets the file', 120_000);
    await alice.client.invoke(
      new Api.messages.SendMedia({
        peer: bobForAlice,
        media: new Api.InputMediaUploadedDocument({ file, mimeType: 'application/octet-stream', attributes: [new Api.DocumentAttributeFilename({ fileName: 'big.bin' })] }),
        message: caption,
        randomId: randomLong(),
      }),
    );
    await arrived;
    const [msg] = await bob.client.getMessages(aliceForBob as never, [(await bobHistory(aliceForBob, 1))[0]!.id]);
    const media: any = msg!.media;
    assert.equal(media.fileSize, data.length);
    assert.equal(sha256(await bob.client.downloadAsBuffer(media)), sha256(data));
  });

  test('Alice on both nodes at once (GramJS on node 1, mtcute on node 2) gets each update once per device', async () => {
    const second = await signInMtcute(at2, { phone: phone(1), mtcute: { updates: true } });
    closers.push(() => second.handle.close());
    const secondInbox = new Inbox();
    watchMtcute(second.handle, secondInbox);
    // What the server sent this device, before mtcute's updates manager (which may also fetch a difference
    // for a peer it has not seen yet, and hand a message over from both).
    const sent: string[] = [];
    second.handle.base.onServerUpdate.add((u: any) => {
      if (u._ === 'updateShortMessage') sent.push(u.message);
      for (const x of u.updates ?? []) if (x.message?.message !== undefined) sent.push(x.message.message);
    });
    await startUpdates(second.handle);
    // The sign-in of the second device itself reaches the first (updateNewAuthorization / service message), so
    // counting starts with fresh texts only.
    const texts = Array.from({ length: 5 }, (_, i) => `twice ${i} ${run}`);
    for (const text of texts) {
      await bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: text, randomId: Long.fromBits(randomBytes(4).readInt32LE(), randomBytes(4).readInt32LE()) });
    }
    for (const text of texts) {
      await aliceInbox.waitFor(isNewMessage(text), `node 1 device gets "${text}"`, 60_000);
      await secondInbox.waitFor(isNewMessage(text), `node 2 device gets "${text}"`, 60_000);
    }
    // A marker sent last arrives after any duplicate of the earlier ones would have (one user's pushes keep their order).
    const marker = `marker ${run}`;
    await bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: marker, randomId: Long.fromNumber(Date.now()) });
    await Promise.all([aliceInbox.waitFor(isNewMessage(marker), 'marker on node 1', 60_000), secondInbox.waitFor(isNewMessage(marker), 'marker on node 2', 60_000)]);
    const brief = (u: any) => JSON.stringify({ _: u._ ?? u.className, id: u.message?.id ?? u.id, pts: u.pts, ptsCount: u.ptsCount });
    for (const text of texts) {
      const one = aliceInbox.items.filter(isNewMessage(text));
      assert.equal(one.length, 1, `node 1 device got "${text}" once: ${one.map(brief)}`);
      assert.equal(sent.filter((m) => m === text).length, 1, `the server sent "${text}" to the node 2 device once`);
    }
    // Both nodes hold a route entry for Alice: her updates go to exactly those two.
    // (Entries of nodes of earlier runs may linger until they expire; only this run's two count. A node also
    // re-writes the entries of everyone it holds every 30 s, so the check waits that long at most.)
    const ours = async () => (await redisRoutes(aliceId)).filter((n) => n.includes(`-${node1.pid}-`) || n.includes(`-${node2.pid}-`));
    await waitUntil(async () => (await ours()).length === 2, `route:${aliceId} names both nodes (node 1 is pid ${node1.pid}, node 2 pid ${node2.pid})`, 45_000);
  });

  test('a device seen by node 1 while signed out signs in on node 2, then is signed in on node 1 too (no stale key cache)', async () => {
    /** The same device (auth key) pointed at another node. */
    const move = async (from: MtcuteHandle, to: EchoTarget): Promise<MtcuteHandle> => {
      const saved = readStringSession(await from.saveSession());
      await from.close();
      const moved = await createMtcuteClient(to, {});
      closers.push(() => moved.close());
      const dc = { id: to.dcId, ipAddress: to.host, port: to.port };
      await moved.base.importSession(writeStringSession({ ...saved, primaryDcs: { main: dc, media: dc } }), true);
      return moved;
    };
    const first = await createMtcuteClient(at1, {});
    closers.push(() => first.close());
    await first.client.call({ _: 'help.getConfig' });
    await assert.rejects(first.client.call({ _: 'users.getFullUser', id: { _: 'inputUserSelf' } }), /AUTH_KEY_UNREGISTERED/, 'node 1 knows the key as signed out');
    const onTwo = await move(first, at2);
    const eve = await mtcuteSignIn(onTwo, { phone: phone(5), firstName: 'Eve' });
    const back = await move(onTwo, at1);
    const me: any = await back.client.call({ _: 'users.getFullUser', id: { _: 'inputUserSelf' } });
    assert.equal(me.fullUser.id, eve.id, 'node 1 sees the sign-in made on node 2');
    await back.close();
  });

  test('node 2 SIGKILLed during a burst of sends: Bob comes back on node 1 with his auth key and holds every acknowledged message once; node 2 rejoins', async () => {
    // Where Bob's box stood before the kill: what the difference from here must hold afterwards.
    const state: any = await bob.client.call({ _: 'updates.getState' });
    const burst = Array.from({ length: 40 }, (_, i) => `burst ${i} ${run}`);
    const acked = new Set<string>();
    const sends = burst.map((text, i) =>
      bob.client
        .call({ _: 'messages.sendMessage', peer: aliceForBob, message: text, randomId: Long.fromBits(i + 1, randomBytes(4).readInt32LE()) })
        .then(() => void acked.add(text))
        .catch(() => undefined),
    );
    // Kill once part of the burst is acknowledged, so the kill lands in the middle of it.
    while (acked.size < 5) await new Promise((r) => setImmediate(r));
    await node2.kill();
    const keyBefore = await bob.authKey();
    // Calls in flight on the dead node never get an answer; they are the unacknowledged ones.
    await Promise.race([Promise.all(sends), new Promise((r) => setTimeout(r, 5000).unref())]);
    const ackedAtKill = new Set(acked);
    assert.ok(ackedAtKill.size >= 5);
    await bob.close();
    bobInbox = new Inbox();

    // Meanwhile Alice writes to Bob; he gets it once he is back.
    const whileAway = `while you were away ${run}`;
    await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: whileAway, randomId: randomLong() }));

    // Bob's client, same storage (auth key, updates state), now pointed at node 1.
    bob = await createMtcuteClient(at1, { updates: true, storageFile: bobStore });
    closers.push(() => bob.close());
    const saved = readStringSession(await bob.saveSession());
    const dc = { id: at1.dcId, ipAddress: at1.host, port: at1.port };
    await bob.base.importSession(writeStringSession({ ...saved, primaryDcs: { main: dc, media: dc } }), true);
    watchMtcute(bob, bobInbox);
    await startUpdates(bob);
    assert.deepEqual(await bob.authKey(), keyBefore, 'the same auth key');
    const me: any = await bob.client.call({ _: 'users.getFullUser', id: { _: 'inputUserSelf' } });
    assert.equal(BigInt(me.fullUser.id), bobId, 'still signed in as Bob, no new sign-in');
    // updates.getDifference from Bob's state before the kill, asked of node 1, holds what Alice sent meanwhile
    // (once the Inbox-T consumer on node 1 has taken over the dead node's partitions and written his copy).
    const differenceTexts = async (): Promise<string[]> => {
      const diff: any = await bob.client.call({ _: 'updates.getDifference', pts: state.pts, date: state.date, qts: state.qts });
      return (diff.newMessages ?? []).map((m: any) => m.message);
    };
    await waitUntil(async () => (await differenceTexts()).includes(whileAway), 'Bob\'s difference holds what Alice sent while node 2 was down', 120_000);
    const caughtUp = await differenceTexts();
    for (const text of ackedAtKill) assert.equal(caughtUp.filter((m) => m === text).length, 1, `the difference holds acknowledged "${text}" once`);

    const history = (await bobHistory(aliceForBob, 100)).map((m) => m.message);
    for (const text of burst) {
      const copies = history.filter((m) => m === text).length;
      if (ackedAtKill.has(text)) assert.equal(copies, 1, `acknowledged "${text}" is in Bob's history exactly once`);
      else assert.ok(copies <= 1, `unacknowledged "${text}" is there at most once`);
    }
    // Alice's copies are written by the Inbox-T consumer; records node 2 had taken are handled again by node 1
    // once the group gives it node 2's partitions (the dead member's session times out first).
    // A copy written by node 2 just before it died may have had its push die with it: Alice's device then
    // learns of it through getDifference, so what is checked is what she holds.
    const aliceHolds = async () => (await alice.client.getMessages(bobForAlice, { limit: 100 })).map((m) => m.message);
    await waitUntil(async () => {
      const held = await aliceHolds();
      return [...ackedAtKill].every((t) => held.includes(t));
    }, 'Alice holds every acknowledged message of the burst', 120_000);
    const aliceSide = await aliceHolds();
    for (const text of ackedAtKill) assert.equal(aliceSide.filter((m) => m === text).length, 1, `Alice holds acknowledged "${text}" once`);

    // The dead node's lease runs out and node 1 stops naming it; restarted, it is named again.
    const node2Port = node2.tcpPorts[0]!;
    await waitUntil(async () => !(await dcPorts()).includes(node2Port), 'node 2 dropped from dc_options once its etcd lease expired', 60_000);

    // Node 2 comes back on its ports and serves: Bob's second device signs in there and chats with Alice.
    await node2.restart();
    await waitUntil(async () => (await dcPorts()).includes(node2Port), 'the restarted node 2 listed again', 30_000);
    const again = await signInMtcute(at2, { phone: phone(2), mtcute: { updates: true } });
    closers.push(() => again.handle.close());
    const againInbox = new Inbox();
    watchMtcute(again.handle, againInbox);
    await startUpdates(again.handle);
    const hello = `node 2 is back ${run}`;
    const arrives = againInbox.waitFor(isNewMessage(hello), 'the restarted node 2 delivers live', 60_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: hello, randomId: randomLong() }));
    await arrives;
    await again.handle.close();
  });

  test('rolling restart: node 2 stopped with SIGTERM drains; its client, behind a load balancer, sees every call answered and carries on from node 1', async () => {
    const lb = await loadBalancer(() => [node2.tcpPorts[0]!, node1.tcpPorts[0]!]);
    closers.push(() => lb.close());
    const viaLb: EchoTarget = { ...at2, port: lb.port };
    const dave = await signInMtcute(viaLb, { phone: phone(4), firstName: 'Dave', mtcute: { updates: true } });
    closers.push(() => dave.handle.close());
    // What the server sends Dave's device, before mtcute's updates manager (whose catch-up after a session
    // change is its own business: the server's part is to push to the session the device uses now).
    const daveInbox = new Inbox();
    dave.handle.base.onServerUpdate.add((u: any) => {
      if (u._ === 'updateShortMessage') daveInbox.push({ _: 'updateNewMessage', message: { message: u.message } });
      for (const x of u.updates ?? []) daveInbox.push(x);
    });
    await startUpdates(dave.handle);
    assert.ok(node2.countLogs((l) => l.msg === 'auth key created') >= 1, 'Dave reached node 2 first');
    const found: any = await dave.handle.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${phone(1)}`, firstName: 'Alice', lastName: '' }] });
    const aliceForDave = { _: 'inputPeerUser' as const, userId: found.users[0].id, accessHash: found.users[0].accessHash };

    const daveState: any = await dave.handle.client.call({ _: 'updates.getState' });
    const texts = Array.from({ length: 20 }, (_, i) => `drain ${i} ${run}`);
    const calls = texts.map((text, i) =>
      dave.handle.client.call({ _: 'messages.sendMessage', peer: aliceForDave, message: text, randomId: Long.fromBits(i + 7, randomBytes(4).readInt32LE()) }),
    );
    const [settled] = await Promise.all([Promise.allSettled(calls), node2.stop()]);
    const failed = settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], 'no call failed across the drain');
    const stopped = node2.logs.find((l) => l.msg === 'stopped accepting connections; finishing in-flight RPCs');
    assert.ok(stopped, 'node 2 drained');

    // Dave is on node 1 now, with the same key, and every message he sent is in Alice's chat once.
    for (const text of texts) await aliceInbox.waitFor(isNewMessage(text), `Alice gets "${text}"`, 60_000);
    const daveUser = ((await alice.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(4), phone: `+${phone(4)}`, firstName: 'Dave', lastName: '' })] }),
    )) as Api.contacts.ImportedContacts).users[0] as Api.User;
    const daveForAlice = new Api.InputPeerUser({ userId: daveUser.id, accessHash: daveUser.accessHash! });
    const history = (await alice.client.getMessages(daveForAlice, { limit: 50 })).map((m) => m.message);
    for (const text of texts) assert.equal(history.filter((m) => m === text).length, 1, `"${text}" once`);
    const back = `welcome back ${run}`;
    // Dave's device is back online, on node 1, before Alice writes: mtcute reconnects after the drain closed its
    // connection when it has something to send (or after a back-off), and a push to a device with no connection
    // anywhere is not live by definition; it waits in the box for getDifference.
    await dave.handle.client.call({ _: 'updates.getState' });
    const arrives = daveInbox.waitFor(isNewMessage(back), 'node 1 pushes to Dave live', 60_000);
    await alice.client.invoke(new Api.messages.SendMessage({ peer: daveForAlice, message: back, randomId: randomLong() }));
    await arrives;
    // Dave's box on the shared store has it too, as the difference from his state before the drain shows, asked
    // of node 1 with his key.
    await waitUntil(async () => {
      const diff: any = await dave.handle.client.call({ _: 'updates.getDifference', pts: daveState.pts, date: daveState.date, qts: daveState.qts });
      return (diff.newMessages ?? []).some((m: any) => m.message === back);
    }, 'Dave\'s difference on node 1 holds Alice\'s message', 60_000);

    // Node 2 left the DC's list as it drained
    // (node 1 reads the registry at most every 3 s.)
    await waitUntil(async () => !(await dcPorts()).includes(node2.tcpPorts[0]!), 'node 2 no longer in dc_options', 15_000);
  });
});

async function dcPorts(): Promise<number[]> {
  const config = (await alice.client.invoke(new Api.help.GetConfig())) as Api.Config;
  return config.dcOptions.map((o) => o.port);
}

/** Polls `check` until it holds (each poll is a real query; the wait ends as soon as it does). */
async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function redisRoutes(userId: bigint): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT), db: Number(shared.REDIS_DB) });
  try {
    const fields = await redis.hgetall(`route:${userId}`);
    return Object.entries(fields).filter(([, until]) => Number(until) > Date.now()).map(([node]) => node);
  } finally {
    redis.disconnect();
  }
}
