import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { encodeTl, encodeTlList } from '../../../src/infra/db/tl-columns.js';
import { chatPeer, userPeer } from '../../../src/messenger/peer.js';
import {
  foldForSearch,
  kindsOfFilter,
  searchKinds,
  searchWords,
  wordPattern,
  SEARCH_KIND_DOCUMENT,
  SEARCH_KIND_PHOTO,
  SEARCH_KIND_URL,
  SEARCH_KIND_VIDEO,
  SEARCH_KIND_VOICE,
} from '../../../src/infra/db/search-index.js';
import type { ChatSearch } from '../../../src/messenger/search.js';
import type { TlObject, TlType } from '../../../src/tl/index.js';
import { ALICE, BOB, CAROL, rid } from './fixture.js';
import { alice, extrasFixture } from './extras-fixture.js';

const bob = { userId: BOB };
const carol = { userId: CAROL };
const isRpc = (m: string) => (e: unknown) => e instanceof RpcError && e.errorMessage === m;
const page = (q: string, extra: Partial<ChatSearch> = {}): ChatSearch => ({ q, minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 20, maxId: 0, minId: 0, ...extra });

test('folding: Unicode case, NFKC, words only; LIKE patterns escape their wildcards', () => {
  assert.equal(foldForSearch('Привет, МИР! Straße ＡＢＣ'), ' привет мир straße abc ');
  assert.equal(foldForSearch('...'), '');
  assert.deepEqual(searchWords('  ÉCOLE\tNo.5 '), ['école', 'no', '5']);
  assert.equal(wordPattern('a_b%c!'), '% a!_b!%c!!%');
});

test('search kinds come from entities and media; filters map to them', () => {
  const url = encodeTlList([{ _: 'messageEntityUrl', offset: 0, length: 5 }]);
  assert.equal(searchKinds(url, null), SEARCH_KIND_URL);
  assert.equal(searchKinds(null, encodeTl({ _: 'messageMediaPhoto', photo: { _: 'photoEmpty', id: 1n } })), SEARCH_KIND_PHOTO);
  const doc = (attributes: TlObject[]) => encodeTl({ _: 'messageMediaDocument', document: { _: 'document', id: 1n, accessHash: 2n, fileReference: Buffer.alloc(0), date: 1, mimeType: 'x', size: 1n, dcId: 1, attributes } });
  assert.equal(searchKinds(null, doc([])), SEARCH_KIND_DOCUMENT);
  assert.equal(searchKinds(null, doc([{ _: 'documentAttributeVideo', duration: 1, w: 1, h: 1 }])), SEARCH_KIND_VIDEO);
  assert.equal(searchKinds(null, doc([{ _: 'documentAttributeAudio', voice: true, duration: 1 }])), SEARCH_KIND_VOICE);
  assert.equal(kindsOfFilter({ _: 'inputMessagesFilterEmpty' }), undefined);
  assert.equal(kindsOfFilter({ _: 'inputMessagesFilterPhotoVideo' }), SEARCH_KIND_PHOTO | SEARCH_KIND_VIDEO);
  assert.equal(kindsOfFilter({ _: 'inputMessagesFilterPhoneCalls' }), 0);
});

test('messages.search in a chat: case-insensitive word prefixes in any script, author, kinds, paging and count', async () => {
  const f = await extrasFixture();
  try {
    const send = (from: typeof alice | typeof bob, to: bigint, message: string, entities?: TlType<'MessageEntity'>[]) =>
      f.messenger.messaging.send(from, userPeer(to), [{ randomId: rid(), message, entities }]);
    await send(alice, BOB, 'Hello world');
    await send(bob, ALICE, 'HELLO there, see https://x.org', [{ _: 'messageEntityUrl', offset: 16, length: 13 }]);
    await send(alice, BOB, 'Привет, МИР');
    await send(alice, BOB, 'shell game 100% sure');
    await send(alice, CAROL, 'hello carol');
    const s = f.x.search;
    const texts = async (q: string, extra: Partial<ChatSearch> = {}) => (await s.inChat(ALICE, userPeer(BOB), page(q, extra))).rows.map((r) => r.message);

    assert.deepEqual(await texts('hel'), ['HELLO there, see https://x.org', 'Hello world']);
    assert.deepEqual(await texts('мир'), ['Привет, МИР']);
    assert.deepEqual(await texts('ПРИВ мИ'), ['Привет, МИР']);
    // Word prefixes, not substrings: "shell" does not match "hel", "ello" matches nothing.
    assert.deepEqual(await texts('ello'), []);
    assert.deepEqual(await texts('100'), ['shell game 100% sure']);
    assert.deepEqual(await texts('%'), ['shell game 100% sure', 'Привет, МИР', 'HELLO there, see https://x.org', 'Hello world'], 'no words: every message');
    assert.deepEqual(await texts('', { fromId: BOB }), ['HELLO there, see https://x.org']);
    assert.deepEqual(await texts('', { filter: { _: 'inputMessagesFilterUrl' } }), ['HELLO there, see https://x.org']);
    assert.deepEqual(await texts('', { filter: { _: 'inputMessagesFilterPhotos' } }), []);
    assert.deepEqual(await texts('', { filter: { _: 'inputMessagesFilterPhoneCalls' } }), []);

    const first = await s.inChat(ALICE, userPeer(BOB), page('hello', { limit: 1 }));
    assert.equal(first.count, 2);
    assert.deepEqual(first.rows.map((r) => r.message), ['HELLO there, see https://x.org']);
    const next = await s.inChat(ALICE, userPeer(BOB), page('hello', { limit: 1, offsetId: first.rows[0]!.id }));
    assert.deepEqual(next.rows.map((r) => r.message), ['Hello world']);
    const tl = await s.inChatTl(ALICE, userPeer(BOB), page('hello', { limit: 1 }));
    assert.equal(tl._, 'messages.messagesSlice');
    assert.equal(tl.count, 2);
    const whole = await s.inChatTl(ALICE, userPeer(BOB), page('hello'));
    assert.equal(whole._, 'messages.messages');
    // Bob's own box: his ids, the same matches.
    assert.equal((await s.inChat(BOB, userPeer(ALICE), page('hello'))).count, 2);
    // Nobody else's box is searched.
    assert.equal((await s.inChat(CAROL, userPeer(ALICE), page('hello'))).count, 1);
  } finally {
    await f.close();
  }
});

test('messages.search date bounds, max_id/min_id, and edits re-index the text', async () => {
  const f = await extrasFixture();
  try {
    const dates: number[] = [];
    for (const t of ['alpha one', 'alpha two', 'alpha three']) {
      const [sent] = await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: t }]);
      dates.push(sent!.date);
      f.clock.now += 10_000;
    }
    const s = f.x.search;
    const texts = async (extra: Partial<ChatSearch>) => (await s.inChat(ALICE, userPeer(BOB), page('alpha', extra))).rows.map((r) => r.message);
    assert.deepEqual(await texts({ minDate: dates[0]! }), ['alpha three', 'alpha two']);
    assert.deepEqual(await texts({ maxDate: dates[2]! }), ['alpha two', 'alpha one']);
    assert.deepEqual(await texts({ maxId: 3, minId: 1 }), ['alpha two']);
    await f.messenger.messaging.edit(alice, userPeer(BOB), 2, 'beta two', undefined);
    assert.deepEqual(await texts({}), ['alpha three', 'alpha one']);
    assert.deepEqual((await s.inChat(BOB, userPeer(ALICE), page('BETA'))).rows.map((r) => r.message), ['beta two']);
  } finally {
    await f.close();
  }
});

test('messages.searchGlobal: every chat of the owner, kinds of chats, paging with next_rate, empty query refused', async () => {
  const f = await extrasFixture();
  try {
    await f.messenger.messaging.send(alice, userPeer(BOB), [{ randomId: rid(), message: 'report one' }]);
    f.clock.now += 5000;
    await f.messenger.messaging.send(carol, userPeer(ALICE), [{ randomId: rid(), message: 'Report two' }]);
    f.clock.now += 5000;
    await f.messenger.messaging.send(bob, userPeer(CAROL), [{ randomId: rid(), message: 'report three (not Alice\'s)' }]);
    const s = f.x.search;
    const g = { q: 'report', minDate: 0, maxDate: 0, offsetRate: 0, offsetId: 0, limit: 20 };
    const all = await s.global(ALICE, g);
    assert.deepEqual(all.rows.map((r) => r.message), ['Report two', 'report one']);
    assert.equal(all.more, false);
    assert.deepEqual((await s.global(ALICE, { ...g, peerTypes: [2] })).rows, []);
    const p1 = await s.globalTl(ALICE, { ...g, limit: 1 });
    assert.equal(p1._, 'messages.messagesSlice');
    assert.equal(p1.count, 2);
    const m1 = ((p1 as TlObject).messages as TlObject[])[0]!;
    assert.equal(p1.nextRate, m1.date);
    const p2 = await s.globalTl(ALICE, { ...g, limit: 1, offsetRate: p1.nextRate as number, offsetId: m1.id as number });
    assert.deepEqual(((p2 as TlObject).messages as TlObject[]).map((m) => m.message), ['report one']);
    assert.equal((p2 as TlObject).nextRate, undefined);
    await assert.rejects(s.global(ALICE, { ...g, q: ' !! ' }), isRpc('SEARCH_QUERY_EMPTY'));
    // Archived chats only when asked for folder 1.
    await f.x.dialogs.editFolders(alice, [{ peer: userPeer(CAROL), folderId: 1 }]);
    assert.deepEqual((await s.global(ALICE, { ...g, folderId: 1 })).rows.map((r) => r.message), ['Report two']);
    assert.deepEqual((await s.global(ALICE, { ...g, folderId: 0 })).rows.map((r) => r.message), ['report one']);
    // A chat peer without messages finds nothing.
    assert.equal((await s.inChat(ALICE, chatPeer(5n), page('report'))).count, 0);
  } finally {
    await f.close();
  }
});
