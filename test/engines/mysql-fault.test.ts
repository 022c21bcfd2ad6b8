// MariaDB restarted under a running echod: while it is down, an RPC that needs the database fails with
// 500 INTERNAL, the error Telegram documents for "a disruption while accessing a database" and one that both
// GramJS and mtcute retry on their own (unlike a 400, which they surface); echod itself keeps running, and
// once the server is back the same echod serves again, a client's retried send included (once: same random_id).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { E2eWorld } from '../support/e2e.js';
import { Inbox, watchGramjs, watchMtcute } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { startUpdates, type MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { mysqlEnv } from './mysql-env.js';
import { PrivateMariadb } from './private-mariadb.js';

const TIMEOUT = 240_000;
const randomLong = () => Long.fromString(randomBytes(8).readBigInt64LE().toString());

describe('MariaDB restarted while echod runs', { timeout: TIMEOUT }, () => {
  let mariadb: PrivateMariadb;
  let world: E2eWorld;
  let alice: GramjsHandle;
  let bob: MtcuteHandle;
  const aliceInbox = new Inbox();
  const bobInbox = new Inbox();
  let bobForAlice: Api.InputPeerUser;
  let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
  let echodPid: number | undefined;

  before(async () => {
    mariadb = await PrivateMariadb.create();
    world = await E2eWorld.start({ env: mysqlEnv(mariadb.settings()) });
    echodPid = world.echod.pid;
    alice = (await world.signUpGramjs({ phone: testPhone(520001), firstName: 'Alice', gramjs: { connectionRetries: 10 } })).handle;
    bob = (await world.signUpMtcute({ phone: testPhone(520002), firstName: 'Bob', mtcute: { updates: true } })).handle;
    watchGramjs(alice, aliceInbox);
    watchMtcute(bob, bobInbox);
    await startUpdates(bob);
    const imported = await alice.client.invoke(
      new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(520002)}`, firstName: 'Bob', lastName: '' })] }),
    );
    const bobUser = imported.users[0] as Api.User;
    bobForAlice = new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! });
    const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${testPhone(520001)}`, firstName: 'Alice', lastName: '' }] });
    aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
  });
  after(async () => {
    await world?.close();
    await mariadb?.dispose();
  });

  const send = (message: string, randomId: Long, opts?: { maxRetryCount: number }) =>
    bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message, randomId } as any, opts as any);

  test('before: a send goes through', async () => {
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'before the restart', 'Alice gets it');
    await send('before the restart', randomLong());
    await arrived;
  });

  test('while MariaDB is down: the send fails with 500 INTERNAL and echod keeps running', async () => {
    await mariadb.stop();
    const err: any = await send('while down', randomLong(), { maxRetryCount: 0 }).then(
      () => assert.fail('a send with the database down was acknowledged'),
      (e: unknown) => e,
    );
    assert.equal(err.code, 500, String(err));
    assert.equal(err.text, 'INTERNAL');
    assert.equal(world.echod.pid, echodPid);
    assert.doesNotThrow(() => process.kill(echodPid!, 0), 'echod is still running');
  });

  test('MariaDB back: the client\'s retried send succeeds once, and both directions work, without restarting echod', async () => {
    const failedBefore = world.echod.countLogs((l) => l.msg === 'RPC failed' && l.method === 'messages.sendMessage');
    const randomId = randomLong();
    const arrived = aliceInbox.waitFor((u) => u instanceof Api.UpdateShortMessage && u.message === 'across the restart', 'Alice gets the retried send');
    // mtcute retries a 500 on its own (every second): the send is pending while the database is down.
    const pending = send('across the restart', randomId);
    await world.echod.waitForLogCount((l) => l.msg === 'RPC failed' && l.method === 'messages.sendMessage' && l.code === 500, failedBefore + 1);
    await mariadb.start();
    const sent: any = await pending;
    assert.ok(sent, 'the retried send is answered');
    await arrived;
    // The same random_id again: the first answer, no second message.
    await send('across the restart', randomId);
    const history: any = await bob.client.call({ _: 'messages.getHistory', peer: aliceForBob, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: Long.ZERO });
    assert.deepEqual(
      history.messages.map((m: any) => m.message),
      ['across the restart', 'before the restart'],
    );

    const toBob = bobInbox.waitFor((u) => u._ === 'updateNewMessage' && u.message.message === 'gramjs after the restart', 'Bob gets it');
    const res = await alice.client.invoke(new Api.messages.SendMessage({ peer: bobForAlice, message: 'gramjs after the restart', randomId: bigInt(randomLong().toString()) }));
    assert.ok(res instanceof Api.UpdateShortSentMessage);
    await toBob;
    assert.equal(world.echod.pid, echodPid, 'the same echod process');
  });
});
