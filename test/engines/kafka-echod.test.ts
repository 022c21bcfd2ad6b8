// echod on Kafka (KAFKA_BROKERS) end to end: a GramJS user (layer 198) and an mtcute user (layer 227) chat
// with every push going through Sync-T, and each message, read receipt and typing notice arrives exactly
// once. Then the broker is stopped (SIGSTOP by pid) for 10 s while messages are sent: every send either
// waits and succeeds or fails with a retryable error, and after the broker is back everything acknowledged
// reaches the other side exactly once. echod stores on MariaDB, in a database of this file's own (group commit,
// row locks and the random_id check on MySQL are what a failed publish and the client's resend go through).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bigInt from 'big-integer';
import Long from 'long';
import { E2eWorld } from '../support/e2e.js';
import { repoRoot } from '../support/echod.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, callAffecting, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { Admin } from '@platformatic/kafka';
import { kafkaBrokers, requireEnv } from './support.js';
import { mysqlEnv, ScratchDatabases } from './mysql-env.js';

const TIMEOUT = 300_000;
const OUTAGE_MS = 10_000;
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();

const PREFIX = `e2e-${randomBytes(4).toString('hex')}.`;
const databases = new ScratchDatabases();
let world: E2eWorld;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let aliceId: bigint;
const aliceInbox = new Inbox();
const bobInbox = new Inbox();
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };

/** The broker's pid: KAFKA_PID, else the pid file scripts/engines.sh writes. */
function brokerPid(): number {
  const direct = process.env.KAFKA_PID;
  if (direct) return Number(direct);
  const file = process.env.KAFKA_PID_FILE ?? join(process.env.ENGINES_DIR ?? join(repoRoot(), '.engines'), 'kafka.pid');
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no broker pid in ${file}`);
  return pid;
}

const aliceCall = <R>(req: Api.AnyRequest) => alice.client.invoke(req) as Promise<R>;

function aliceSend(message: string, randomId = randomLong()): Promise<Api.TypeUpdates> {
  return aliceCall<Api.TypeUpdates>(new Api.messages.SendMessage({ peer: bobForAlice, message, randomId: bigInt(randomId.toString()) }));
}

function bobSend(message: string, randomId = randomLong()): Promise<unknown> {
  return bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message, randomId: Long.fromString(randomId.toString()) } as any);
}

/** Alice's (GramJS) pushes of Bob's message with this text. */
const aliceGot = (text: string) => aliceInbox.items.filter((u) => u instanceof Api.UpdateShortMessage && u.message === text).length;

before(async () => {
  world = await E2eWorld.start({ env: { KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), KAFKA_TOPIC_PREFIX: PREFIX, ...mysqlEnv(databases.next()) } });
  const a = await world.signUpGramjs({ phone: testPhone(810001), firstName: 'Alice', gramjs: { connectionRetries: 10 } });
  alice = a.handle;
  aliceId = a.userId;
  const b = await world.signUpMtcute({ phone: testPhone(810002), firstName: 'Bob', mtcute: { updates: true } });
  bob = b.handle;
  watchGramjs(alice, aliceInbox);
  watchMtcute(bob, bobInbox);
  await startUpdates(bob);
  const imported = await aliceCall<Api.contacts.ImportedContacts>(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(810002)}`, firstName: 'Bob', lastName: '' })] }),
  );
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${testPhone(810001)}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(async () => {
  // ECHOD_LOG_DUMP=file keeps echod's log of this run for a look after a failure.
  if (process.env.ECHOD_LOG_DUMP && world) (await import('node:fs')).writeFileSync(process.env.ECHOD_LOG_DUMP, world.echod.logs.map((l) => JSON.stringify(l)).join('\n'));
  await world?.close();
  await databases.dropAll();
});

describe('echod on Kafka', { timeout: TIMEOUT }, () => {
  test('a chat both ways: each message, the typing notice and the read receipt arrive exactly once', async () => {
    // Counted on GramJS, whose raw handler sees each update the server sent once (mtcute reports some twice).
    const texts = Array.from({ length: 15 }, (_, i) => `kafka ${i}`);
    for (const t of texts) await bob.client.sendText(aliceForBob, t);
    const typing = aliceInbox.waitFor((u) => u instanceof Api.UpdateUserTyping, 'Alice sees Bob typing');
    await bob.client.call({ _: 'messages.setTyping', peer: aliceForBob, action: { _: 'sendMessageTypingAction' } });
    await typing;
    // Per-user order on Sync-T: once the last push for Alice is there, every earlier one is too.
    const last = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'kafka end', 'Alice gets the last message', 30_000);
    await bob.client.sendText(aliceForBob, 'kafka end');
    await last;
    const got = (text: string) => aliceInbox.items.filter((u) => u instanceof Api.UpdateShortMessage && u.message === text).length;
    for (const t of texts) assert.equal(got(t), 1, `Alice got "${t}" once`);
    assert.equal(aliceInbox.items.filter((u) => u instanceof Api.UpdateUserTyping).length, 1, 'one typing notice');

    // The other way: Bob gets Alice's message (as one message, whatever his client reports), and she learns he read it.
    const bobGets = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'from alice', 'Bob gets Alice\'s message');
    await aliceSend('from alice');
    await bobGets;
    const read = aliceInbox.waitFor((u) => u instanceof Api.UpdateReadHistoryOutbox, 'Alice learns Bob read her message');
    await callAffecting(bob.client, { _: 'messages.readHistory', peer: aliceForBob, maxId: 0 });
    await read;
    // One more push through Alice's key, so a duplicate of the receipt would have arrived before it.
    const marker = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'marker', 'Alice gets the marker');
    await bob.client.sendText(aliceForBob, 'marker');
    await marker;
    assert.equal(aliceInbox.items.filter((u) => u instanceof Api.UpdateReadHistoryOutbox).length, 1, 'one read receipt');
    assert.equal(new Set(bobInbox.items.filter((u) => u._ === 'updateNewMessage' && u.message.message === 'from alice').map((u) => u.message.id)).size, 1);

    // Bus lag is measured on Kafka too (from the record timestamps).
    const metrics = await (await fetch(`http://127.0.0.1:${world.echod.adminPort}/metrics`)).text();
    const lagCount = Number(/^echo_bus_lag_seconds_count\{topic="Sync-T"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(lagCount >= texts.length, `bus lag observed for the Sync-T deliveries (${lagCount})`);

    // The pushes went through the broker: echod created its topics (6 partitions) and Sync-T holds the records.
    const admin = new Admin({ clientId: 'echo-test-admin', bootstrapBrokers: kafkaBrokers() });
    try {
      const md = await admin.metadata({ topics: [`${PREFIX}Sync-T`, `${PREFIX}Inbox-T`] });
      assert.equal(md.topics.get(`${PREFIX}Sync-T`)?.partitionsCount, 6);
      assert.equal(md.topics.get(`${PREFIX}Inbox-T`)?.partitionsCount, 6);
      const [sync] = await admin.listOffsets({ topics: [{ name: `${PREFIX}Sync-T`, partitions: Array.from({ length: 6 }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }] });
      const records = sync!.partitions.reduce((n, p) => n + p.offset, 0n);
      assert.ok(records >= BigInt(texts.length + 4), `Sync-T holds the pushes (${records} records)`);
    } finally {
      await admin.close();
    }
  });

  // Regression: after a frozen broker resumed, @platformatic/kafka 1.35 could look up a group coordinator missing
  // from its stale metadata and crash echod with a TypeError (patched in patches/, see test/unit/infra).
  test(
    'broker stopped for 10 s while messages are sent: sends wait or fail retryably; everything acknowledged arrives once',
    { timeout: 180_000 },
    async () => {
    const pid = brokerPid();
    const texts = Array.from({ length: 10 }, (_, i) => `outage ${i}`);
    const randomIds = texts.map(() => randomLong());
    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    const resume = () => {
      if (resumed) return;
      resumed = true;
      process.kill(pid, 'SIGCONT');
    };
    const timer = setTimeout(resume, OUTAGE_MS);
    const acknowledged: string[] = [];
    const retryable: string[] = [];
    try {
      // Whether the broker was back when each send was answered: a send answered while it was stopped would
      // have been acknowledged without Kafka's acknowledgement of its push.
      const answeredAfterResume: boolean[] = [];
      const outcomes = await Promise.allSettled(texts.map((t, i) => bobSend(t, randomIds[i]).finally(() => (answeredAfterResume[i] = resumed))));
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') assert.ok(answeredAfterResume[i], `send ${i} was answered while the broker was stopped`);
      });
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') acknowledged.push(texts[i]!);
        else {
          const e = o.reason as { code?: number; errorMessage?: string };
          // Telegram's retryable answers: an internal error (500) or a flood wait; anything else is a wrong answer.
          assert.ok(e.code === 500 || /^FLOOD_WAIT_/.test(e.errorMessage ?? ''), `send ${i} failed with ${e.code} ${e.errorMessage}`);
          retryable.push(texts[i]!);
        }
      });
    } finally {
      clearTimeout(timer);
      resume();
    }
    // Retried with the same random_id, a failed send is stored once and answered as the first attempt would be.
    for (const t of retryable) await bobSend(t, randomIds[texts.indexOf(t)]);
    // After the broker returns, a consumer that lost it is rebuilt and may wait out the group's session timeout
    // before it gets its partitions back: allow for that, and for a loaded machine.
    const last = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'outage end', 'Alice gets the message after the outage', 120_000);
    await bobSend('outage end');
    await last;
    for (const t of acknowledged) assert.equal(aliceGot(t), 1, `acknowledged "${t}" reached Alice once`);
    const history = await aliceCall<Api.messages.Messages>(new Api.messages.GetHistory({ peer: bobForAlice, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }));
    for (const t of texts) assert.equal(history.messages.filter((m) => (m as Api.Message).message === t).length, 1, `"${t}" stored once in Alice's box`);
    },
  );
});
