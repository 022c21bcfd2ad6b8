// The channel model on a real database (SQLite in the unit tests, MySQL/MariaDB in the engine tests): a post
// writes the same rows whatever the member count, pushes reach online members only, getChannelDifference
// slices and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '../../../src/infra/db/index.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { SyncChannel } from '../../../src/messenger/sync.js';
import { AccessHashes } from '../../../src/service/access-hash.js';
import type { RpcError } from '../../../src/common/rpc-error.js';
import { ChannelStore, createChannelService, ROLE_MEMBER, type ChannelParticipantRecord } from '../../../src/messenger/channels/index.js';
import { plainUserViews, recordingPush, type Pushed } from './stubs.js';

export const CREATOR = 1_000_001n;


async function world(open: () => Promise<Database>, dispose: () => Promise<void>) {
  const db = await open();
  const bus = new MemoryBus({ maxAttempts: 1 });
  const pushed: Pushed[] = [];
  const online = new Set<bigint>();
  let connectivity: (userId: bigint, online: boolean) => void = () => {};
  const push = { ...recordingPush(pushed, (id) => online.has(id)), onConnectivity: (l: typeof connectivity) => void (connectivity = l) };
  const sync = new SyncChannel(bus, push);
  let next = 5_000_000_000n;
  const hashes = new AccessHashes(Buffer.alloc(32, 7));
  const channels = createChannelService(db.kysely, hashes, { sync, userViews: plainUserViews, push, ids: { next: async () => next++ }, now: () => 1_700_000_000_000, usernameTakenByUser: async () => false, random: (n) => Buffer.alloc(n, 1), linkHost: () => 'echo.test' });
  const store = new ChannelStore(db.kysely);
  const setOnline = (userId: bigint) => {
    online.add(userId);
    connectivity(userId, true);
  };
  return {
    db,
    bus,
    pushed,
    channels,
    store,
    hashes,
    setOnline,
    input: (viewer: bigint, id: bigint) => ({ _: 'inputChannel' as const, channelId: id, accessHash: hashes.of('channel', viewer, id) }),
    async close() {
      await bus.drain();
      await db.close();
      await dispose();
    },
  };
}

/** Rows of every channel table: what a post wrote. */
async function rowCounts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['channels', 'channel_participants', 'channel_messages', 'channel_updates', 'channel_message_views', 'message_boxes', 'update_log', 'dialogs'] as const) {
    const r = await db.kysely.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    out[t] = Number(r?.n ?? 0);
  }
  return out;
}

export function member(channelId: bigint, userId: bigint, date: number): ChannelParticipantRecord {
  return { channelId, userId, role: ROLE_MEMBER, adminRights: 0, bannedRights: 0, bannedUntil: 0, inviterId: CREATOR, actorId: 0n, rank: null, date, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 };
}

/** The model tests against the database `open` gives (a fresh one per test; `dispose` removes it). */
export function channelModelSuite(name: string, open: () => Promise<Database>, dispose: () => Promise<void> = async () => {}): void {
  test(`${name}: a post writes one message and one log entry whatever the member count; pushes go to online members only`, async () => {
    const w = await world(open, dispose);
    try {
      const deltas: Record<string, number>[] = [];
      for (const size of [3, 400]) {
        const res = await w.channels.create({ userId: CREATOR }, { title: `g${size}`, about: '', broadcast: false, megagroup: true });
        const id = (res.chats[0] as { id: bigint }).id;
        for (let i = 1; i <= size; i++) await w.store.putParticipant(w.store.db, member(id, 2_000_000n + BigInt(i), i), true);
        await w.store.addToCount(w.store.db, id, size);
        w.setOnline(2_000_001n);
        w.setOnline(2_000_002n);
        w.pushed.length = 0;
        const before = await rowCounts(w.db);
        const [posted] = await w.channels.post({ userId: CREATOR }, id, [{ randomId: 42n, message: 'hi' }]);
        await w.bus.drain();
        const after = await rowCounts(w.db);
        deltas.push(Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!])));
        assert.deepEqual(w.pushed.map((p) => p.userId).sort(), [2_000_001n, 2_000_002n], 'only the online members are pushed to');
        const u = w.pushed[0]!.updates.updates[0];
        assert.equal(u._, 'updateNewChannelMessage');
        assert.equal(u.pts, posted!.pts);
        const author = w.pushed[0]!.updates.users[0];
        assert.equal(author.id, CREATOR);
        assert.equal(author.min, size > 200 ? true : undefined, 'large channels carry min users');
        // The same random_id again is the same post.
        const again = await w.channels.post({ userId: CREATOR }, id, [{ randomId: 42n, message: 'hi' }]);
        assert.equal(again[0]!.duplicate, true);
        assert.equal(again[0]!.message.id, posted!.message.id);
      }
      assert.deepEqual(deltas[0], { channels: 0, channel_participants: 0, channel_messages: 1, channel_updates: 1, channel_message_views: 0, message_boxes: 0, update_log: 0, dialogs: 0 });
      assert.deepEqual(deltas[1], deltas[0], 'a post to 400 members writes what a post to 3 does');
    } finally {
      await w.close();
    }
  });

  test(`${name}: getChannelDifference: slices of \`limit\` entries with final, empty at the head, TooLong beyond the limit, errors for bad pts`, async () => {
    const w = await world(open, dispose);
    try {
      const res = await w.channels.create({ userId: CREATOR }, { title: 'news', about: '', broadcast: true, megagroup: false });
      const id = (res.chats[0] as { id: bigint }).id;
      const input = w.input(CREATOR, id);
      const [p] = await w.channels.post({ userId: CREATOR }, id, [{ randomId: 1n, message: 'one' }]);
      for (const text of ['a', 'b', 'c', 'd']) await w.channels.edit({ userId: CREATOR }, input, p!.message.id, text, undefined);
      const head = p!.pts + 4;
      const first: any = await w.channels.difference(CREATOR, input, p!.pts, 2);
      assert.equal(first._, 'updates.channelDifference');
      assert.equal(first.final, undefined, 'more entries remain');
      assert.equal(first.pts, p!.pts + 2);
      assert.deepEqual(first.otherUpdates.map((u: any) => u.message.message), ['d', 'd'], 'edits show the post as it is now');
      const rest: any = await w.channels.difference(CREATOR, input, first.pts, 2);
      assert.equal(rest.pts, head);
      assert.equal(rest.final, true);
      const empty: any = await w.channels.difference(CREATOR, input, head, 2);
      assert.equal(empty._, 'updates.channelDifferenceEmpty');
      await w.channels.post({ userId: CREATOR }, id, [{ randomId: 2n, message: 'two' }, { randomId: 3n, message: 'three' }, { randomId: 4n, message: 'four' }]);
      const tooLong: any = await w.channels.difference(CREATOR, input, head, 2);
      assert.equal(tooLong._, 'updates.channelDifferenceTooLong');
      assert.deepEqual(tooLong.messages.map((m: any) => m.message), ['four', 'three']);
      assert.equal(tooLong.dialog.pts, head + 3);
      await assert.rejects(w.channels.difference(CREATOR, input, head + 10, 2), (e: RpcError) => e.errorMessage === 'PERSISTENT_TIMESTAMP_INVALID');
      await assert.rejects(w.channels.difference(CREATOR, input, 0, 2), (e: RpcError) => e.errorMessage === 'PERSISTENT_TIMESTAMP_EMPTY');
      await assert.rejects(w.channels.difference(CREATOR, { ...input, accessHash: input.accessHash ^ 1n }, 1, 2), (e: RpcError) => e.errorMessage === 'CHANNEL_INVALID');
      await assert.rejects(w.channels.difference(2_000_009n, w.input(2_000_009n, id), 1, 2), (e: RpcError) => e.errorMessage === 'CHANNEL_PRIVATE', 'a private channel is not readable by outsiders');
    } finally {
      await w.close();
    }
  });
}
