// The storage contract: what every SQL engine Echo runs on must do the same way, run through the real stores
// (auth keys, users, id sequences, the messenger's send/history/getDifference) on a freshly migrated database.
// test/unit/infra/sql-contract-sqlite.test.ts runs it on SQLite in `npm test`; test/engines/sql-contract.test.ts
// runs it on SQLite and on MySQL/MariaDB.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Database, isDuplicateKey } from '../../src/infra/db/index.js';
import { SqlIdGenerator } from '../../src/service/idgen.js';
import { LoginCodeStore } from '../../src/service/authsession/code-store.js';
import { UserStore } from '../../src/service/users/user-store.js';
import { MemoryBus } from '../../src/infra/bus/index.js';
import { Messenger, MessageStore, type SentMessage } from '../../src/messenger/index.js';
import { conversationOf } from '../../src/messenger/messaging.js';
import { userPeer } from '../../src/messenger/peer.js';
import type { Obj, TlObject } from '../../src/tl/index.js';

export type OpenDb = () => Promise<Database>;

const ALICE = 1_000_001n;
const BOB = 1_000_002n;
const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

const noPush = { pushToUser: () => {}, pushToAuthKey: () => {}, isOnline: () => false, onConnectivity: () => {} };
const plainUserViews = { many: async (_viewer: bigint, ids: readonly bigint[]) => [...new Set(ids)].map((id): Obj<'user'> => ({ _: 'user', id })) };

export function sqlContract(engine: string, open: OpenDb): void {
  describe(`SQL storage contract on ${engine}`, () => {
    let db: Database;
    let bus: MemoryBus;
    let messenger: Messenger;
    let nextRandom = 1n;
    const rid = () => nextRandom++;
    const clock = { now: 1_700_000_000_000 };

    before(async () => {
      db = await open();
      bus = new MemoryBus({ maxAttempts: 1 });
      messenger = new Messenger({
        db: db.kysely,
        bus,
        push: noPush,
        contacts: { isBlocked: async () => false, blockBetween: async () => undefined },
        userViews: plainUserViews,
        now: () => clock.now,
        limits: { differenceSlice: 3, differenceTooLong: 5000 },
      });
    });
    after(async () => {
      await bus?.close();
      await db?.close();
    });

    test('auth keys: 64-bit ids at both ends of the range, bytes back as a Buffer, temp binding, cascade on delete', async () => {
      const key = randomBytes(256);
      await db.authKeys.create({ id: MIN_I64, key, kind: 'perm', createdAt: 1 });
      await db.authKeys.create({ id: MAX_I64, key: randomBytes(256), kind: 'temp', createdAt: 2, expiresAt: 100 });
      const got = await db.authKeys.get(MIN_I64);
      assert.ok(got);
      assert.equal(got.id, MIN_I64);
      assert.ok(Buffer.isBuffer(got.key), 'blob reads back as a Buffer');
      assert.ok(key.equals(got.key));
      assert.equal(await db.authKeys.bindTemp(MAX_I64, MIN_I64, 100), true);
      assert.equal((await db.authKeys.getPermFor(MAX_I64))?.id, MIN_I64);
      const info = { layer: 198, apiId: 1, deviceModel: 'dev', systemVersion: 'os', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', ip: '127.0.0.1', updatedAt: 3 };
      await db.authKeys.saveClientInfo(MIN_I64, info);
      // The same values again: an update that changes nothing still counts its row (no second insert).
      await db.authKeys.saveClientInfo(MIN_I64, info);
      assert.equal((await db.authKeys.getClientInfo(MIN_I64))?.deviceModel, 'dev');
      assert.equal(await db.authKeys.delete(MIN_I64), true);
      assert.equal(await db.authKeys.getClientInfo(MIN_I64), undefined, 'client info goes with its key');
      assert.equal(await db.authKeys.delete(MIN_I64), false);
    });

    test('users: ids from the sequence above its floor, a taken phone is a duplicate key, usernames unique case-insensitively', async () => {
      const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely, { user: 5_000_000n }));
      const a = await users.create({ phone: '15550001', firstName: 'Ann', createdAt: 10 });
      const b = await users.create({ phone: '15550002', firstName: 'Ben', createdAt: 11 });
      assert.equal(a.id, 5_000_001n);
      assert.equal(b.id, 5_000_002n);
      assert.equal((await users.byPhone('15550002'))?.firstName, 'Ben');
      await assert.rejects(users.create({ phone: '15550001', firstName: 'Again', createdAt: 12 }), (err) => isDuplicateKey(err));
      assert.equal(await users.setUsername(a.id, 'Annie'), true);
      assert.equal(await users.setUsername(b.id, 'annie'), false, 'another case of a taken username is taken');
      assert.equal((await users.byUsername('ANNIE'))?.id, a.id);
      // Text keys compare byte for byte, as on SQLite: 'Ab' and 'ab' are two invite hashes.
      for (const hash of ['InviteAb', 'inviteab']) {
        await db.kysely.insertInto('chat_invites').values({ hash, chat_id: 1n, admin_id: a.id, date: 1 }).execute();
      }
      const hashes = await db.kysely.selectFrom('chat_invites').select('hash').where('hash', '=', 'inviteab').execute();
      assert.deepEqual(hashes.map((r) => r.hash), ['inviteab']);
    });

    test('id sequences: concurrent draws never repeat a value', async () => {
      const ids = new SqlIdGenerator(db.kysely, { widget: 100n });
      const drawn = await Promise.all(Array.from({ length: 40 }, () => ids.next('widget')));
      assert.deepEqual(
        drawn.map(Number).sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => 101 + i),
      );
    });

    test('login codes: 30 devices asking for codes at once each get theirs (concurrent sign-ups, expired codes swept)', async () => {
      const codes = new LoginCodeStore(db.kysely);
      // Expired codes lying around make every request sweep, as on a live server.
      await Promise.all(Array.from({ length: 10 }, (_, i) => codes.create({ hash: `old${i}`, phone: `1555000${1000 + i}`, code: '11111', permKeyId: BigInt(9000 + i), now: clock.now - 600_000, ttlMs: 1000 })));
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => codes.create({ hash: `h${i}`, phone: `1555000${2000 + i}`, code: String(10000 + i), permKeyId: BigInt(7000 + i), now: clock.now, ttlMs: 300_000 })),
      );
      for (let i = 0; i < 30; i++) assert.equal((await codes.get(`h${i}`, `1555000${2000 + i}`, BigInt(7000 + i), clock.now))?.code, String(10000 + i));
      assert.equal(await codes.get('old0', '15550001000', 9000n, clock.now), undefined);
    });

    test('a transaction that throws leaves nothing behind, across tables', async () => {
      await assert.rejects(
        db.kysely.transaction().execute(async (tx) => {
          await tx.insertInto('users').values({ id: 77n, phone: '15559999', first_name: 'Ghost', created_at: 1 }).execute();
          await tx.insertInto('contacts').values({ owner_id: 77n, contact_id: 1n, first_name: 'x', last_name: '', phone: '1', created_at: 1 }).execute();
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await db.kysely.selectFrom('users').select('id').where('id', '=', 77n).executeTakeFirst(), undefined);
      assert.equal(await db.kysely.selectFrom('contacts').select('owner_id').where('owner_id', '=', 77n).executeTakeFirst(), undefined);
      // A duplicate key in the middle of a transaction rolls back what came before it.
      await assert.rejects(
        db.kysely.transaction().execute(async (tx) => {
          await tx.insertInto('id_sequences').values({ name: 'rolled-back', value: 1n }).execute();
          await tx.insertInto('id_sequences').values({ name: 'rolled-back', value: 2n }).execute();
        }),
        (err) => isDuplicateKey(err),
      );
      assert.equal(await db.kysely.selectFrom('id_sequences').select('value').where('name', '=', 'rolled-back').executeTakeFirst(), undefined);
    });

    test('integers read back as bigint; an update that changes nothing still counts its matched row', async () => {
      await db.kysely.insertInto('account_settings').values({ user_id: 9n, contact_signup_silent: 1, updated_at: 5 }).execute();
      const row = await db.kysely.selectFrom('account_settings').selectAll().where('user_id', '=', 9n).executeTakeFirstOrThrow();
      assert.equal(typeof row.contact_signup_silent, 'bigint');
      assert.equal(typeof row.updated_at, 'bigint');
      const same = await db.kysely.updateTable('account_settings').set({ contact_signup_silent: 1 }).where('user_id', '=', 9n).executeTakeFirst();
      assert.equal(same.numUpdatedRows, 1n);
      const count = await db.kysely.selectFrom('account_settings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      assert.equal(BigInt(count.n as bigint), 1n);
    });

    test('messages: send, duplicate random_id, history and getDifference through the messenger', async () => {
      const store = messenger.store;
      const conv = conversationOf(ALICE, userPeer(BOB));
      const first = rid();
      const sent = await store.send(conv, [1, 2, 3, 4, 5].map((i) => ({ randomId: i === 1 ? first : rid(), message: `m${i} ✓ ünïcödé 🙂` })));
      assert.deepEqual(sent.map((s) => s.id), [1, 2, 3, 4, 5]);
      const again = await store.send(conv, [{ randomId: first, message: 'resent' }]);
      assert.equal(again[0]!.duplicate, true);
      assert.equal(again[0]!.id, 1, 'a resent random_id answers with the first message');
      await store.edit(ALICE, userPeer(BOB), sent[0]!.id, 'edited', undefined);
      const views = messenger.views;
      const d1 = await views.difference(BOB, 0);
      assert.equal(d1._, 'updates.differenceSlice');
      assert.deepEqual(((d1 as TlObject).newMessages as TlObject[]).map((m) => m.message), ['m1 ✓ ünïcödé 🙂', 'm2 ✓ ünïcödé 🙂', 'm3 ✓ ünïcödé 🙂']);
      const d2 = await views.difference(BOB, 3);
      assert.deepEqual(((d2 as TlObject).otherUpdates as TlObject[]).map((u) => u._), ['updateEditMessage']);
      assert.equal(Number((await views.state(BOB)).pts), 6);
      const history = await messenger.reader.history(BOB, userPeer(ALICE), { offsetId: 0, offsetDate: 0, limit: 10, addOffset: 0, maxId: 0, minId: 0 });
      assert.equal(history.count, 5);
      assert.deepEqual(history.rows.map((r) => r.id), [5, 4, 3, 2, 1]);
    });

    test('concurrent transactions writing one box keep pts and message ids gap- and duplicate-free', async () => {
      const store = messenger.store;
      const ptsBefore = Number((await messenger.views.state(BOB)).pts);
      const senders = Array.from({ length: 8 }, (_, i) => 2_000_000n + BigInt(i));
      const rounds = 4;
      const bobIds: number[] = [];
      // Each send in its own transaction (as a chat change and its service message are), all at once; several
      // rounds, so that later ones run on a warm pool and truly overlap.
      for (let round = 0; round < rounds; round++) {
        const results = await Promise.all(
          senders.map((s) => db.kysely.transaction().execute((tx) => store.sendIn(tx, conversationOf(s, userPeer(BOB)), [{ randomId: rid(), message: `from ${s}` }]))),
        );
        bobIds.push(...results.map((r) => r[0]!.recipients[0]!.row.id));
      }
      assert.equal(new Set(bobIds).size, senders.length * rounds, 'each message has its own id in the recipient box');
      assert.equal(Number((await messenger.views.state(BOB)).pts), ptsBefore + senders.length * rounds);
      const d = await messenger.views.difference(BOB, ptsBefore);
      assert.equal(((d as TlObject).newMessages as TlObject[]).length, 3, 'the first slice of the new messages');
    });

    test('one (sender, random_id) is one message: resent in one request, in one group commit, by concurrent transactions and by another node', async () => {
      const store = messenger.store;
      // A second store on the same database: another echod node, with its own group commit.
      const otherNode = new MessageStore(db.kysely, () => clock.now);
      const [sender, recipient] = [3_000_001n, 3_000_002n];
      const conv = conversationOf(sender, userPeer(recipient));
      const inTx = (randomId: bigint) => db.kysely.transaction().execute((tx) => store.sendIn(tx, conv, [{ randomId, message: `tx ${randomId}` }]));
      const [r1, r2, r3, r4] = [rid(), rid(), rid(), MIN_I64];
      const answers: SentMessage[][] = [
        await store.send(conv, [{ randomId: r1, message: 'once' }, { randomId: r1, message: 'once, resent' }]).then((s) => [s[0]!, s[1]!]),
        // Sent in one event-loop turn, so the group commit puts both in one transaction.
        (await Promise.all([store.send(conv, [{ randomId: r2, message: 'batch' }]), store.send(conv, [{ randomId: r2, message: 'batch, resent' }])])).flat(),
        (await Promise.all(Array.from({ length: 4 }, () => inTx(r3)))).flat(),
        (await Promise.all([store.send(conv, [{ randomId: r4, message: 'node' }]), otherNode.send(conv, [{ randomId: r4, message: 'node, resent' }]), inTx(r4)])).flat(),
      ];
      for (const sends of answers) {
        assert.equal(sends.filter((s) => !s.duplicate).length, 1, `random_id ${sends[0]!.randomId} stored by exactly one send`);
        assert.deepEqual(new Set(sends.map((s) => s.id)).size, 1, `every send of random_id ${sends[0]!.randomId} answered with the first message's id`);
      }
      const inbox = await messenger.reader.history(recipient, userPeer(sender), { offsetId: 0, offsetDate: 0, limit: 100, addOffset: 0, maxId: 0, minId: 0 });
      assert.equal(inbox.count, 4, 'four random ids, four messages in the recipient box');
      assert.equal(Number((await messenger.views.state(recipient)).pts), 4);
      const outbox = await messenger.reader.history(sender, userPeer(recipient), { offsetId: 0, offsetDate: 0, limit: 100, addOffset: 0, maxId: 0, minId: 0 });
      assert.deepEqual(outbox.rows.map((r) => r.id).sort((a, b) => a - b), answers.map((sends) => sends[0]!.id).sort((a, b) => a - b));
    });
  });
}
