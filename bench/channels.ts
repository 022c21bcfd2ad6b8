// Posting into a large supergroup, in process: the channel service on the embedded engine (SQLite file in a
// scratch dir) with BENCH_CHANNEL_MEMBERS members (10,000), BENCH_CHANNEL_ONLINE of them online (2,000),
// pushes going through Sync-T (the in-process bus) to a counting UpdatePusher. Reports per post: wall time
// until the last online member's push was handed to the session layer, server CPU, rows written (SQLite
// total_changes) compared with a 100-member channel, and getChannelDifference for a member 10,000 posts
// behind. Not measured here: encoding and writing the pushes to 2,000 sockets (the session layer's cost,
// which bench/messaging.ts measures per message). Writes bench/results/channels.json and the README block.
//   node dist/bench/channels.js   (after npm run build)
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { openDatabase } from '../src/infra/db/index.js';
import { MemoryBus } from '../src/infra/bus/index.js';
import { SyncChannel } from '../src/messenger/sync.js';
import { AccessHashes } from '../src/service/access-hash.js';
import { createChannelService, ROLE_MEMBER } from '../src/messenger/channels/index.js';
import type { UpdatePusher } from '../src/contracts/push.js';
import type { Obj } from '../src/tl/index.js';
import { machineInfo } from './lib/machine.js';
import { percentile as sortedPercentile, writeReadmeBlock } from './lib/readme-block.js';

const percentile = (values: readonly number[], p: number): number => sortedPercentile([...values].sort((a, b) => a - b), p);

const MEMBERS = Number(process.env.BENCH_CHANNEL_MEMBERS ?? 10_000);
const ONLINE = Number(process.env.BENCH_CHANNEL_ONLINE ?? 2_000);
const POSTS = Number(process.env.BENCH_CHANNEL_POSTS ?? 200);
const BEHIND = Number(process.env.BENCH_CHANNEL_BEHIND ?? 10_000);
const CREATOR = 1_000_000n;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-bench-channels-'));
  const db = await openDatabase(dir, { durability: 'full' });
  const bus = new MemoryBus();
  let pushes = 0;
  const online = new Set<bigint>();
  let connectivity: (userId: bigint, online: boolean) => void = () => {};
  const push: UpdatePusher = { pushToUser: () => void pushes++, pushToAuthKey: () => {}, isOnline: (id) => online.has(id), onConnectivity: (l) => void (connectivity = l) };
  const sync = new SyncChannel(bus, push);
  let next = 5_000_000_000n;
  const userViews = { many: async (_v: bigint, ids: readonly bigint[]) => ids.map((id): Obj<'user'> => ({ _: 'user', id, firstName: `user ${id}` })) };
  const channels = createChannelService(db.kysely, new AccessHashes(Buffer.alloc(32, 3)), { sync, userViews, push, ids: { next: async () => next++ }, now: Date.now, usernameTakenByUser: async () => false, random: (n) => Buffer.alloc(n, 1), linkHost: () => 'bench' });
  return {
    db,
    bus,
    channels,
    pushes: () => pushes,
    changes: () => Number((db.sqlite.prepare('select total_changes() as n').get() as { n: number | bigint }).n),
    goOnline(id: bigint) {
      online.add(id);
      connectivity(id, true);
    },
    async close() {
      await bus.drain();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type World = Awaited<ReturnType<typeof world>>;

/** A supergroup with `members` members (besides the creator), the first `online` of them online. */
async function supergroup(w: World, members: number, online: number): Promise<bigint> {
  const res = await w.channels.create({ userId: CREATOR }, { title: `bench ${members}`, about: '', broadcast: false, megagroup: true });
  const id = (res.chats[0] as { id: bigint }).id;
  const { ChannelStore } = await import('../src/messenger/channels/index.js');
  const store = new ChannelStore(w.db.kysely);
  const date = Math.floor(Date.now() / 1000);
  await w.db.kysely.transaction().execute(async (tx) => {
    for (let i = 1; i <= members; i++) {
      await store.putParticipant(tx, { channelId: id, userId: CREATOR + BigInt(i), role: ROLE_MEMBER, adminRights: 0, bannedRights: 0, bannedUntil: 0, inviterId: CREATOR, actorId: 0n, rank: null, date, readInboxMaxId: 0, lastPostDate: 0, pinned: 0, folderId: 0, availableMinId: 0 }, true);
    }
    await store.addToCount(tx, id, members);
  });
  for (let i = 1; i <= online; i++) w.goOnline(CREATOR + BigInt(i));
  return id;
}

/** Posts `n` messages one after another, each timed until its pushes have all been handed over. */
async function postMany(w: World, channelId: bigint, n: number) {
  const times: number[] = [];
  const writes: number[] = [];
  const cpu0 = process.cpuUsage();
  const pushes0 = w.pushes();
  for (let i = 0; i < n; i++) {
    const changes0 = w.changes();
    const t0 = performance.now();
    await w.channels.post({ userId: CREATOR }, channelId, [{ randomId: BigInt(i + 1), message: `post ${i}` }]);
    await w.bus.drain();
    times.push(performance.now() - t0);
    writes.push(w.changes() - changes0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { times, writes, cpuMsPerPost: (cpu.user + cpu.system) / 1000 / n, pushes: w.pushes() - pushes0 };
}

const w = await world();
try {
  const small = await supergroup(w, 100, 0);
  const smallRun = await postMany(w, small, 50);
  const big = await supergroup(w, MEMBERS, ONLINE);
  const bigRun = await postMany(w, big, POSTS);

  // A member who saw pts `from` and then missed BEHIND posts (posted without anyone online, as fast as it goes).
  const offline = await supergroup(w, 10, 0);
  const input = { _: 'inputChannel' as const, channelId: offline, accessHash: new AccessHashes(Buffer.alloc(32, 3)).of('channel', CREATOR + 1n, offline) };
  const from = ((await w.channels.fullChannel(CREATOR + 1n, input)).fullChat as Obj<'channelFull'>).pts;
  const fill0 = performance.now();
  for (let i = 0; i < BEHIND; i += 100) {
    await w.channels.post({ userId: CREATOR }, offline, Array.from({ length: Math.min(100, BEHIND - i) }, (_, k) => ({ randomId: BigInt(i + k + 1), message: `missed ${i + k}` })));
  }
  const fillMs = performance.now() - fill0;
  let t0 = performance.now();
  const tooLong = await w.channels.difference(CREATOR + 1n, input, from, 100);
  const tooLongMs = performance.now() - t0;
  const head = ((await w.channels.fullChannel(CREATOR + 1n, input)).fullChat as Obj<'channelFull'>).pts;
  t0 = performance.now();
  const recent = await w.channels.difference(CREATOR + 1n, input, head - 100, 100);
  const sliceMs = performance.now() - t0;

  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    engine: 'SQLite (embedded), in-process bus, durability full',
    members: MEMBERS,
    online: ONLINE,
    posts: POSTS,
    postToLastOnlineMs: { p50: percentile(bigRun.times, 50), p95: percentile(bigRun.times, 95), p99: percentile(bigRun.times, 99) },
    cpuMsPerPost: bigRun.cpuMsPerPost,
    pushesPerPost: bigRun.pushes / POSTS,
    rowsWrittenPerPost: { members100: percentile(smallRun.writes, 50), [`members${MEMBERS}`]: percentile(bigRun.writes, 50), max: Math.max(...smallRun.writes, ...bigRun.writes) },
    smallChannelPostMs: { p50: percentile(smallRun.times, 50) },
    difference: {
      behind: BEHIND,
      fillPostsPerSecond: Math.round(BEHIND / (fillMs / 1000)),
      tooLongAnswer: { kind: tooLong._, ms: tooLongMs, messages: 'messages' in tooLong ? tooLong.messages.length : 0 },
      hundredBehind: { kind: recent._, ms: sliceMs, messages: 'newMessages' in recent ? recent.newMessages.length : 0 },
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/channels.json'), JSON.stringify(result, null, 2) + '\n');
  const r = (x: number) => x.toFixed(1);
  writeReadmeBlock(
    join(root, 'README.md'),
    'channels',
    `Supergroup of ${MEMBERS} members, ${ONLINE} online (${result.machine.cpu}, ${result.machine.cores} cores; ${result.engine}; pushes counted when handed to the session layer, socket writes not included):

| post into the supergroup | p50 | p95 | p99 |
|---|---|---|---|
| until the last online member's push is handed over (ms) | ${r(result.postToLastOnlineMs.p50)} | ${r(result.postToLastOnlineMs.p95)} | ${r(result.postToLastOnlineMs.p99)} |

CPU per post ${r(result.cpuMsPerPost)} ms, ${result.pushesPerPost} pushes per post; rows written per post: ${result.rowsWrittenPerPost.members100} with 100 members, ${result.rowsWrittenPerPost[`members${MEMBERS}`]} with ${MEMBERS}.
getChannelDifference for a member ${BEHIND} posts behind: ${result.difference.tooLongAnswer.kind} in ${r(tooLongMs)} ms (${result.difference.tooLongAnswer.messages} newest posts); 100 behind: ${result.difference.hundredBehind.kind} with ${result.difference.hundredBehind.messages} posts in ${r(sliceMs)} ms.`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await w.close();
}
