// echod on MySQL/MariaDB end to end: started with DB_* (its database created on start), a GramJS user and an
// mtcute user sign up and chat, everything is still there after echod restarts (it lives in MariaDB, not in the
// data dir), and the start-up refusals: a wrong password or a port nobody listens on is one line naming MySQL,
// a non-zero exit, and nothing left listening.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { createConnection } from 'mysql2/promise';
import { E2eWorld } from '../support/e2e.js';
import { echodCliPath } from '../support/echod.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { mysqlEnv, mysqlFromEnv, ScratchDatabases } from './mysql-env.js';
import { freePort } from '../support/ports.js';

const TIMEOUT = 180_000;
const scratch = new ScratchDatabases();
const db = scratch.next();
after(() => scratch.dropAll());

const randomLong = () => bigInt(randomBytes(8).readBigInt64LE().toString());

describe('echod on MySQL: sign up and chat', { timeout: TIMEOUT }, () => {
  let world: E2eWorld;
  let alice: GramjsHandle;
  let bob: MtcuteHandle;
  let bobId: bigint;
  const aliceInbox = new Inbox();
  const bobInbox = new Inbox();
  let bobForAlice: Api.InputPeerUser;
  let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };

  before(async () => {
    world = await E2eWorld.start({ env: mysqlEnv(db) });
    const a = await world.signUpGramjs({ phone: testPhone(510001), firstName: 'Alice', gramjs: { connectionRetries: 600 } });
    alice = a.handle;
    const b = await world.signUpMtcute({ phone: testPhone(510002), firstName: 'Bob', mtcute: { updates: true } });
    bob = b.handle;
    bobId = b.userId;
    watchGramjs(alice, aliceInbox);
    watchMtcute(bob, bobInbox);
    await startUpdates(bob);
    const imported = await alice.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(510002)}`, firstName: 'Bob', lastName: '' })] }),
    );
    const bobUser = imported.users[0] as Api.User;
    bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
    const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${testPhone(510001)}`, firstName: 'Alice', lastName: '' }] });
    aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
  });
  after(() => world?.close());

  test('the users are rows of the MariaDB database', async () => {
    const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
    try {
      const [rows] = await conn.query("SELECT phone FROM users WHERE kind = 'user' ORDER BY phone");
      assert.deepEqual((rows as { phone: string }[]).map((r) => r.phone), [testPhone(510001), testPhone(510002)]);
    } finally {
      await conn.end();
    }
  });

  test('GramJS -> mtcute and back, in real time', async () => {
    const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'hello from gramjs over mariadb', 'Bob gets the message');
    const sent = await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'hello from gramjs over mariadb', randomId: randomLong() }));
    assert.ok(sent instanceof Api.UpdateShortSentMessage);
    assert.equal(sent.id, 1);
    const u = await toBob;
    assert.equal(u.message.id, 1);

    const toAlice = aliceInbox.waitFor((x) => x instanceof Api.UpdateShortMessage && x.message === 'and back from mtcute ✓', 'Alice gets the answer');
    const answer = await bob.client.sendText(aliceForBob, 'and back from mtcute ✓');
    assert.equal(answer.id, 2);
    const a = (await toAlice) as Api.UpdateShortMessage;
    assert.equal(BigInt(a.userId.toString()), bobId);
    assert.equal(a.id, 2);
  });

  test('a resent random_id gives the first answer and no second message', async () => {
    const randomId = randomLong();
    const first = await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'once', randomId }));
    const again = await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'once', randomId }));
    assert.ok(first instanceof Api.UpdateShortSentMessage && again instanceof Api.UpdateShortSentMessage);
    assert.equal(again.id, first.id);
    const history: any = await bob.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
    assert.deepEqual(
      history.messages.map((m: any) => m.message),
      ['once', 'and back from mtcute ✓', 'hello from gramjs over mariadb'],
    );
  });

  test('after an echod restart the conversation is still there (stored in MariaDB)', async () => {
    await world.echod.restart();
    const res = await alice.client.invoke(
      new Api.messages.GetHistory({ peer: bobForAlice, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero }),
    );
    assert.ok(!(res instanceof Api.messages.MessagesNotModified));
    assert.deepEqual(
      (res.messages as Api.Message[]).map((m) => m.message),
      ['once', 'and back from mtcute ✓', 'hello from gramjs over mariadb'],
    );
  });
});


function startEchod(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'echod-mysql-bad-'));
  try {
    const r = spawnSync(process.execPath, [echodCliPath(), 'start'], {
      env: { PATH: process.env.PATH ?? '', ECHO_DATA_DIR: dataDir, ECHO_TCP_PORTS: '0', ECHO_HTTP_PORT: '0', ECHO_ADMIN_LISTEN: '127.0.0.1:0', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('echod start refuses a MySQL it cannot use, in one line', { timeout: TIMEOUT }, () => {
  const base = mysqlFromEnv();

  test('a wrong password', () => {
    const r = startEchod(mysqlEnv({ ...db, password: `${base.password}-wrong` }));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^echod: MySQL at [^:]+:\d+: access denied for user '[^']+' \(wrong DB_USER or DB_PASSWORD\)\n$/);
  });

  test('a port nobody listens on', async () => {
    const port = await freePort();
    const r = startEchod(mysqlEnv({ ...db, host: '127.0.0.1', port }));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `echod: MySQL at 127.0.0.1:${port}: connection refused (is the server running, and DB_HOST/DB_PORT right?)\n`);
  });
});
