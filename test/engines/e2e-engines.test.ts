// echod on all five engines (scripts/engines.sh: MariaDB, Redis, etcd, Kafka, S3) end to end: GramJS (layer 198)
// and mtcute (layer 227) sign up, chat, and move a 12 MB file through S3; the node is in etcd's registry and
// /readyz lists each engine. Then the Redis fault: Redis is killed (by pid) and started again while clients keep calling
// RPCs that go through it; echod reconnects by itself and keeps serving. The tests share one echod, in order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bigInt from 'big-integer';
import Long from 'long';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CustomFile } from 'telegram/client/uploads.js';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchMtcute } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { repoRoot } from '../support/echod.js';
import { engineEnv } from '../support/engines-env.js';
import { EtcdNodeRegistry } from '../../src/infra/discovery/index.js';
import { mysqlEnv, ScratchDatabases } from './mysql-env.js';
import { createS3Client } from '../../src/infra/blob/index.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT', 'ETCD_ENDPOINTS', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY');
const TIMEOUT = 300_000;
const ALICE_PHONE = testPhone(700001);
const BOB_PHONE = testPhone(700002);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());
const enginesDir = process.env.ENGINES_DIR ?? join(repoRoot(), '.engines');
/** A database and Kafka topics of this file's own, so other engine test files never see its rows or records. */
const databases = new ScratchDatabases();
const KAFKA_PREFIX = `e2e-${randomBytes(4).toString('hex')}.`;

let world: E2eWorld;
let alice: GramjsHandle;
let bob: MtcuteHandle;
let bobForAlice: Api.InputPeerUser;
let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };

const bobInbox = new Inbox();

/**
 * Sends as Alice and waits until Bob's client gets the message live: on Kafka his copy is written by the Inbox-T
 * consumer after Alice's send is answered, so reading his history at once could come too early.
 */
async function sendToBob(text: string, send: () => Promise<unknown>): Promise<void> {
  const arrived = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message?.message === text, `Bob gets "${text}"`, 60_000);
  await send();
  await arrived;
}

async function bobLatest(count: number): Promise<any[]> {
  const res: any = await bob.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit: count, maxId: 0, minId: 0, hash: Long.ZERO });
  const msgs = await bob.client.getMessages(aliceForBob, res.messages.map((m: any) => m.id));
  return msgs.filter((m: any) => m !== null);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readyz(): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${world.echod.adminPort}/readyz`);
  return { status: res.status, body: await res.json() };
}

before(async () => {
  world = await E2eWorld.start({
    env: {
      REDIS_HOST: env.REDIS_HOST,
      REDIS_PORT: env.REDIS_PORT,
      ETCD_ENDPOINTS: env.ETCD_ENDPOINTS,
      MINIO_ENDPOINT: env.MINIO_ENDPOINT,
      MINIO_ACCESS_KEY: env.MINIO_ACCESS_KEY,
      MINIO_SECRET_KEY: env.MINIO_SECRET_KEY,
      ...mysqlEnv(databases.next()),
      KAFKA_BROKERS: engineEnv('KAFKA_BROKERS').KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: KAFKA_PREFIX,
    },
  });
  alice = (await world.signUpGramjs({ phone: ALICE_PHONE, firstName: 'Alice', gramjs: { connectionRetries: 20 } })).handle;
  bob = (await world.signUpMtcute({ phone: BOB_PHONE, firstName: 'Bob', mtcute: { updates: true } })).handle;
  watchMtcute(bob, bobInbox);
  await startUpdates(bob);
  const imported = (await alice.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${BOB_PHONE}`, firstName: 'Bob', lastName: '' })] }),
  )) as Api.contacts.ImportedContacts;
  const bobUser = imported.users[0] as Api.User;
  bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
  const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${ALICE_PHONE}`, firstName: 'Alice', lastName: '' }] });
  aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
});

after(async () => {
  await world?.close();
  await databases.dropAll();
});

describe('echod on MariaDB, Redis, etcd, Kafka and S3', { timeout: TIMEOUT }, () => {
  test('/readyz lists the database, Redis, etcd, S3 and Kafka as ok; the node is in etcd with its ports', async () => {
    const { status, body } = await readyz();
    assert.equal(status, 200);
    assert.deepEqual(body, { status: 'ready', engines: { database: 'ok', redis: 'ok', etcd: 'ok', s3: 'ok', kafka: 'ok' } });
    const registry = new EtcdNodeRegistry({ endpoints: env.ETCD_ENDPOINTS.split(','), nodeId: 'e2e-watcher' });
    try {
      const me = (await registry.nodes()).find((n) => n.adminPort === world.echod.adminPort && n.httpPort === world.echod.httpPort);
      assert.ok(me, 'this echod is registered');
      assert.deepEqual(me.tcpPorts, world.echod.tcpPorts);
      assert.ok(me.workerId >= 0 && me.workerId < 1024);
    } finally {
      await registry.close();
    }
  });

  test('a text message from GramJS arrives in mtcute', async () => {
    await sendToBob('hello over the engines', () => alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'hello over the engines', randomId: randomLong() })));
    const [msg] = await bobLatest(1);
    assert.equal(msg.text, 'hello over the engines');
  });

  test('a 12 MB document goes to S3 and downloads byte for byte in mtcute', async () => {
    const s3 = createS3Client({ endpoint: env.MINIO_ENDPOINT, accessKey: env.MINIO_ACCESS_KEY, secretKey: env.MINIO_SECRET_KEY });
    // Files only: upload parts and their markers live under uploads/ (keys with a slash), files never do.
    const count = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: 'documents' }))).Contents ?? []).filter((o) => !o.Key?.includes('/')).length;
    const before = await count();
    const data = randomBytes(12 * 1024 * 1024 + 12345);
    const file = await alice.client.uploadFile({ file: new CustomFile('big.bin', data.length, '', data), workers: 4 });
    assert.ok(file instanceof Api.InputFileBig, 'GramJS used saveBigFilePart');
    await sendToBob('the big one', () =>
      alice.client.invoke(
        new Api.messages.SendMedia({
          peer: bobForAlice,
          media: new Api.InputMediaUploadedDocument({ file, mimeType: 'application/octet-stream', attributes: [new Api.DocumentAttributeFilename({ fileName: 'big.bin' })] }),
          message: 'the big one',
          randomId: randomLong(),
        }),
      ),
    );
    const [msg] = await bobLatest(1);
    assert.equal(msg.media.fileSize, data.length);
    const got = await bob.client.downloadAsBuffer(msg.media);
    assert.equal(sha256(got), sha256(data));
    assert.ok((await count()) > before, 'the file is an object in the S3 bucket "documents"');
  });

  test('Redis killed and started again under load: echod reconnects, every call completes, and it keeps serving', async () => {
    const pidFile = join(enginesDir, 'redis.pid');
    const oldPid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(oldPid > 0, `Redis pid from ${pidFile}`);
    // account.getPassword stores an SRP session in Redis on every call: a steady stream of Redis writes.
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (!stop) {
        try {
          await alice.client.invoke(new Api.account.GetPassword());
          ok++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    const okBefore = async (n: number) => {
      while (ok < n) await new Promise((r) => setTimeout(r, 20));
    };
    await okBefore(5);
    process.kill(oldPid, 'SIGKILL');
    const restartedAtOk = ok;
    while (isAlive(oldPid)) await new Promise((r) => setTimeout(r, 20));
    execFileSync('bash', [join(repoRoot(), 'scripts/engines.sh'), 'up', 'redis'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ENGINES_DIR: enginesDir } });
    const newPid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.notEqual(newPid, oldPid, 'a new Redis process');
    await okBefore(restartedAtOk + 20);
    stop = true;
    await load;
    // Calls in flight while Redis was away either waited for it or failed with an error the client may retry;
    // none was lost (the loop only moves on when a call settles).
    for (const f of failures) assert.match(f, /INTERNAL|TIMEOUT|-500|RETRY/i, `failure during the restart: ${f}`);
    assert.equal((await readyz()).body.engines.redis, 'ok');
    await sendToBob('after the Redis restart', () => alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'after the Redis restart', randomId: randomLong() })));
    const [msg] = await bobLatest(1);
    assert.equal(msg.text, 'after the Redis restart');
    assert.doesNotThrow(() => process.kill(world.echod.pid!, 0), 'the same echod process still runs');
  });
});
