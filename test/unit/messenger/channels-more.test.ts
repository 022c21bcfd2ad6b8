// Channels, second part: how updates.getDifference names the channels to catch up (withChannelsTooLong),
// and migration 0020 indexing the media kinds of posts stored before it (messages.search filters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../../src/infra/db/migrations/index.js';
import type { Obj, TlType } from '../../../src/tl/index.js';
import { encodeTl, encodeTlList } from '../../../src/infra/db/tl-columns.js';
import { SEARCH_KIND_PHOTO, SEARCH_KIND_URL, SEARCH_KIND_VOICE } from '../../../src/infra/db/search-index.js';
import { withChannelsTooLong } from '../../../src/messenger/channels/difference.js';

const state = (date: number): Obj<'updates.state'> => ({ _: 'updates.state', pts: 10, qts: 0, date, seq: 0, unreadCount: 0 });
const tooLong: TlType<'Update'> = { _: 'updateChannelTooLong', channelId: 5n, pts: 3 };
const chat: TlType<'Chat'> = { _: 'channelForbidden', id: 5n, accessHash: 1n, title: 'c' };
const channels = { updates: [tooLong], chats: [chat], date: 200 };

test('withChannelsTooLong: an empty difference becomes one naming the channels, the state date moved past their posts', async () => {
  const res = await withChannelsTooLong({ _: 'updates.differenceEmpty', date: 100, seq: 0 }, channels, async () => state(150));
  assert.equal(res._, 'updates.difference');
  if (res._ !== 'updates.difference') return;
  assert.deepEqual(res.otherUpdates, [tooLong]);
  assert.deepEqual(res.chats, [chat]);
  assert.equal(res.state.date, 200);
  assert.equal(res.state.pts, 10, 'the common pts stays');
});

test('withChannelsTooLong: a difference gains them (chats once); slices, too-long and nothing to add are left alone', async () => {
  const diff: Obj<'updates.difference'> = { _: 'updates.difference', newMessages: [], newEncryptedMessages: [], otherUpdates: [{ _: 'updateChannel', channelId: 5n }], chats: [chat], users: [], state: state(300) };
  const res = await withChannelsTooLong(diff, channels, async () => state(0));
  assert.ok(res._ === 'updates.difference');
  assert.equal(res.otherUpdates.length, 2);
  assert.equal(res.chats.length, 1);
  assert.equal(res.state.date, 300, 'never moved back');
  const slice: Obj<'updates.differenceSlice'> = { _: 'updates.differenceSlice', newMessages: [], newEncryptedMessages: [], otherUpdates: [], chats: [], users: [], intermediateState: state(1) };
  assert.equal(await withChannelsTooLong(slice, channels, async () => state(0)), slice);
  const long: Obj<'updates.differenceTooLong'> = { _: 'updates.differenceTooLong', pts: 99 };
  assert.equal(await withChannelsTooLong(long, channels, async () => state(0)), long);
  const empty: Obj<'updates.differenceEmpty'> = { _: 'updates.differenceEmpty', date: 1, seq: 0 };
  assert.equal(await withChannelsTooLong(empty, { updates: [], chats: [], date: 1 }, async () => state(0)), empty);
});

test('migration 0020 indexes the media kinds of posts stored before it, service messages left out', async () => {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.defaultSafeIntegers(true);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    assert.equal((await migrator.migrateTo('0019_channel_prehistory')).error, undefined);
    const photo = encodeTl({ _: 'messageMediaPhoto', photo: { _: 'photoEmpty', id: 1n } } as any);
    const voice = encodeTl({ _: 'messageMediaDocument', document: { _: 'document', id: 2n, accessHash: 0n, fileReference: new Uint8Array(), date: 1, mimeType: 'audio/ogg', size: 1n, dcId: 1, attributes: [{ _: 'documentAttributeAudio', voice: true, duration: 1 }] } } as any);
    const url = encodeTlList([{ _: 'messageEntityUrl', offset: 0, length: 5 } as any]);
    const action = encodeTl({ _: 'messageActionChatEditPhoto', photo: { _: 'photoEmpty', id: 1n } } as any);
    const rows: [number, Uint8Array | null, Uint8Array | null, number][] = [
      [1, null, action, 8],
      [2, null, photo, 0],
      [3, null, voice, 0],
      [4, url, null, 0],
      [5, null, null, 0],
    ];
    for (const [id, entities, media, flags] of rows) await db.insertInto('channel_messages').values({ channel_id: 7, id, author_id: 1, date: 1, message: 'x', entities, media, flags }).execute();
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const kinds = await db.selectFrom('channel_messages').select(['id', 'search_kinds']).orderBy('id').execute();
    assert.deepEqual(
      kinds.map((r) => [Number(r.id), Number(r.search_kinds)]),
      [
        [1, 0],
        [2, SEARCH_KIND_PHOTO],
        [3, SEARCH_KIND_VOICE],
        [4, SEARCH_KIND_URL],
        [5, 0],
      ],
    );
  } finally {
    await db.destroy();
  }
});
