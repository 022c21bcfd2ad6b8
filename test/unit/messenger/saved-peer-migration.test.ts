// Migration 0013 gives Saved Messages rows stored before it their saved peer, from the forward header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../../src/infra/db/migrations/index.js';
import { encodeObject } from '../../../src/tl/index.js';
import { savedPeerOf } from '../../../src/messenger/saved-peer.js';

const OWNER = 1000n;
const fwdFromUser = encodeObject({ _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: 77n }, date: 1 } as any);
const fwdFromChat = encodeObject({ _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: 78n }, savedFromPeer: { _: 'peerChat', chatId: 5n }, date: 1 } as any);
const fwdHidden = encodeObject({ _: 'messageFwdHeader', fromName: 'Someone', date: 1 } as any);

test('savedPeerOf: saved_from_peer, else the forward author, else the owner', () => {
  assert.deepEqual(savedPeerOf(OWNER, { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: 77n }, date: 1 }), { type: 1, id: 77n });
  assert.deepEqual(savedPeerOf(OWNER, { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: 78n }, savedFromPeer: { _: 'peerChat', chatId: 5n }, date: 1 }), { type: 2, id: 5n });
  assert.deepEqual(savedPeerOf(OWNER, undefined), { type: 1, id: OWNER });
  assert.deepEqual(savedPeerOf(OWNER, { _: 'messageFwdHeader', fromName: 'Someone', date: 1 }), { type: 1, id: OWNER });
});

test('migration 0013 backfills the saved peer of existing Saved Messages rows only', async () => {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.defaultSafeIntegers(true);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    assert.equal((await migrator.migrateTo('0012_chat_photos')).error, undefined);
    const contents: [number, Buffer | null][] = [
      [1, fwdFromUser],
      [2, null],
      [3, fwdFromChat],
      [4, fwdHidden],
      [5, fwdFromUser],
    ];
    for (const [id, fwd] of contents) await db.insertInto('messages').values({ id, author_id: OWNER, date: 1, message: `m${id}`, fwd_from: fwd }).execute();
    // 1..4 in the owner's Saved Messages, 5 in a chat with user 77.
    for (const [id] of contents) {
      const peer = id === 5 ? 77 : OWNER;
      await db.insertInto('message_boxes').values({ owner_id: OWNER, id, global_id: id, peer_type: 1, peer_id: peer, out: 1, date: 1 }).execute();
    }
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const rows = await db.selectFrom('message_boxes').select(['id', 'saved_peer_type', 'saved_peer_id']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.saved_peer_type === null ? null : Number(r.saved_peer_type), r.saved_peer_id === null ? null : BigInt(r.saved_peer_id)]),
      [
        [1, 1, 77n],
        [2, 1, OWNER],
        [3, 2, 5n],
        [4, 1, OWNER],
        [5, null, null],
      ],
    );
  } finally {
    await db.destroy();
  }
});
