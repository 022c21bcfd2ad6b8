// echod on Redis (REDIS_HOST/REDIS_PORT), what a user sees: presence goes through presence:<userId> in
// Redis (this node's entry while a user's device is connected, gone after it left; another node's entry
// makes a user online in contacts.getStatuses although no device is connected here), and a privacy change
// is announced on the invalidation channel every node listens to.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import { Redis } from 'ioredis';
import { E2eWorld } from '../support/e2e.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import { testPhone } from '../support/accounts.js';
import { PRESENCE_KEY_PREFIX } from '../../src/infra/kv/presence-map.js';
import { PRIVACY_INVALIDATION_CHANNEL } from '../../src/service/privacy/index.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('REDIS_HOST', 'REDIS_PORT');
const REDIS_DB = 5;
const TIMEOUT = 120_000;
let world: E2eWorld;
let redis: Redis;
let alice: GramjsHandle;
let bobId: bigint;
let carolId: bigint;
let carol: GramjsHandle;

/** Waits (checking after each Redis answer) until `check` holds; fails naming `what` after 30 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statusOf(userId: bigint): Promise<string | undefined> {
  const statuses = (await alice.client.invoke(new Api.contacts.GetStatuses())) as Api.ContactStatus[];
  return statuses.find((s) => BigInt(s.userId.toString()) === userId)?.status.className;
}

before(async () => {
  // A database of this file's own, emptied first: the flood counters of its fixed phone numbers from an earlier
  // run against the same Redis would otherwise answer its sign-ups FLOOD_WAIT.
  redis = new Redis({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT), db: REDIS_DB });
  await redis.flushdb();
  world = await E2eWorld.start({ env: { REDIS_HOST: env.REDIS_HOST, REDIS_PORT: env.REDIS_PORT, REDIS_DB: String(REDIS_DB) } });
  const a = await world.signUpGramjs({ phone: testPhone(820001), firstName: 'Alice' });
  alice = a.handle;
  const b = await world.signUpGramjs({ phone: testPhone(820002), firstName: 'Bob' });
  bobId = b.userId;
  const c = await world.signUpGramjs({ phone: testPhone(820003), firstName: 'Carol' });
  carolId = c.userId;
  carol = c.handle;
  await alice.client.invoke(
    new Api.contacts.ImportContacts({
      contacts: [
        new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${testPhone(820002)}`, firstName: 'Bob', lastName: '' }),
        new Api.InputPhoneContact({ clientId: bigInt(2), phone: `+${testPhone(820003)}`, firstName: 'Carol', lastName: '' }),
      ],
    }),
  );
});

after(async () => {
  redis?.disconnect();
  await world?.close();
});

describe('echod on Redis: presence and invalidations', { timeout: TIMEOUT }, () => {
  test('a connected user has this node\'s entry, with an expiry, and shows online', async () => {
    const key = PRESENCE_KEY_PREFIX + bobId;
    await until('Bob\'s presence entry', async () => (await redis.hlen(key)) === 1);
    const pttl = await redis.pttl(key);
    assert.ok(pttl > 0, `the presence key expires (PTTL ${pttl})`);
    assert.equal(await statusOf(bobId), 'UserStatusOnline');
  });

  test('a user held only by another node is online here; its entry going stale or away makes it offline', async () => {
    const key = PRESENCE_KEY_PREFIX + carolId;
    await carol.close();
    // This node withdraws its entry once Carol has been gone for the offline grace period.
    await until('Carol\'s entry removed after she disconnected', async () => (await redis.exists(key)) === 0);
    assert.equal(await statusOf(carolId), 'UserStatusOffline');
    await redis.hset(key, 'another-node', String(Date.now() + 60_000));
    await redis.pexpire(key, 60_000);
    assert.equal(await statusOf(carolId), 'UserStatusOnline', 'held by another node');
    await redis.hset(key, 'another-node', String(Date.now() - 1));
    assert.equal(await statusOf(carolId), 'UserStatusOffline', 'a stale entry does not count');
    await redis.del(key);
  });

  test('account.setPrivacy announces the change on the invalidation channel', async () => {
    const subscriber = redis.duplicate();
    try {
      const heard = new Promise<string>((resolve) => subscriber.on('message', (_channel: string, message: string) => resolve(message)));
      await subscriber.subscribe(PRIVACY_INVALIDATION_CHANNEL);
      await alice.client.invoke(new Api.account.SetPrivacy({ key: new Api.InputPrivacyKeyStatusTimestamp(), rules: [new Api.InputPrivacyValueDisallowAll()] }));
      const me = (await alice.client.getMe()) as Api.User;
      assert.equal(await heard, me.id.toString());
    } finally {
      subscriber.disconnect();
    }
  });
});
