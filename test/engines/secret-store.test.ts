// The secret chat store (migration 0015) on SQLite and on MySQL/MariaDB: chat states and their races, the
// per-device qts queue with its random_id de-duplication and pending limit, acknowledgements, discarding.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, openMysqlDatabase, type Database } from '../../src/infra/db/index.js';
import { SECRET_STATE_ACCEPTED, SECRET_STATE_DISCARDED, SecretChatStore } from '../../src/messenger/secret/secret-store.js';
import { ScratchDatabases } from './mysql-env.js';

const dirs: string[] = [];
const scratch = new ScratchDatabases();
after(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await scratch.dropAll();
});

const engines: [string, () => Promise<Database>][] = [
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'echo-secret-store-'));
      dirs.push(dir);
      return openDatabase(dir);
    },
  ],
  ['MySQL', () => openMysqlDatabase(scratch.next())],
];

for (const [engine, open] of engines) {
  test(`${engine}: a chat goes requested -> accepted once -> discarded, taking its messages and files with it`, async () => {
    const db = await open();
    try {
      const store = new SecretChatStore(db.kysely, { maxPendingPerDevice: 3, pendingTtlSeconds: 100 });
      let next = 41;
      // The first id clashes with nothing; the second request is given the same id first and must move on.
      const chat = await store.insertRequest({ adminId: 1n, adminDevice: 11n, participantId: 2n, requestRandomId: 7, gA: Buffer.alloc(256, 1), date: 1000 }, () => next);
      const ids = [41, 42];
      const other = await store.insertRequest({ adminId: 1n, adminDevice: 11n, participantId: 3n, requestRandomId: 8, gA: Buffer.alloc(256, 2), date: 1000 }, () => ids.shift()!);
      assert.equal(other.id, 42);
      assert.equal((await store.byRequest(11n, 7))?.id, chat.id);

      const both = await Promise.all([store.accept(chat.id, 21n, Buffer.alloc(256, 3), 99n, 1001), store.accept(chat.id, 22n, Buffer.alloc(256, 4), 98n, 1001)]);
      assert.deepEqual(both.sort(), [false, true], 'only one device accepts');
      const accepted = (await store.chat(chat.id))!;
      assert.equal(accepted.state, SECRET_STATE_ACCEPTED);
      assert.ok(accepted.participantDevice === 21n || accepted.participantDevice === 22n);

      // qts per device, duplicates answered with the first, the oldest beyond the limit dropped.
      const sent = await Promise.all([1n, 2n, 3n, 4n].map((r) => store.enqueue(21n, { chatId: chat.id, randomId: r, date: 1002, service: false, bytes: Buffer.alloc(40), fileId: null })));
      assert.deepEqual(sent.map((s) => s.qts).sort(), [1, 2, 3, 4]);
      const again = await store.enqueue(21n, { chatId: chat.id, randomId: 4n, date: 1003, service: false, bytes: Buffer.alloc(40), fileId: null });
      assert.equal(again.duplicate, true);
      assert.equal(await store.qts(21n), 4);
      assert.deepEqual((await store.pending(21n, 0, 10)).map((m) => m.qts), [2, 3, 4]);
      const randomIdAtQts2 = [1n, 2n, 3n, 4n][sent.findIndex((s) => s.qts === 2)]!;
      assert.deepEqual(await store.acknowledge(21n, 2), [randomIdAtQts2], 'acknowledging answers the random_ids it deleted');
      assert.deepEqual((await store.pending(21n, 0, 10)).map((m) => m.qts), [3, 4]);
      assert.equal(await store.expire(1002 + 100 + 1), 2, 'messages past their time limit are swept');

      await store.enqueue(11n, { chatId: chat.id, randomId: 9n, date: 1004, service: true, bytes: Buffer.alloc(40), fileId: 5n });
      await store.insertFile({ id: 5n, chatId: chat.id, size: 10, keyFingerprint: -5, blobKey: 'sa', date: 1004 });
      await store.insertFile({ id: 6n, chatId: chat.id, size: 10, keyFingerprint: 6, blobKey: 'sb', date: 1004 });
      await store.insertFile({ id: 7n, chatId: other.id, size: 10, keyFingerprint: 6, blobKey: 'sb', date: 1004 });
      assert.equal((await store.file(5n))?.keyFingerprint, -5);
      const orphans = await store.discard(chat.id, true, 1005);
      assert.deepEqual(orphans, ['sa'], 'a blob another chat still names is kept');
      assert.equal(await store.discard(chat.id, true, 1006), undefined, 'discarded once');
      const gone = (await store.chat(chat.id))!;
      assert.equal(gone.state, SECRET_STATE_DISCARDED);
      assert.equal(gone.historyDeleted, true);
      assert.equal(gone.gA, null);
      assert.deepEqual(await store.pending(11n, 0, 10), []);
      assert.equal(await store.file(5n), undefined);
      assert.ok(await store.file(7n));
      assert.deepEqual((await store.changedSince(1n, 1005, 10)).map((c) => c.id), [chat.id]);
      assert.deepEqual((await store.changedSince(3n, 0, 10)).map((c) => c.id), [other.id]);
    } finally {
      await db.close();
    }
  });
}
