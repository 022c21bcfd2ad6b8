// The storage floor of a private message: MessageStore.send on the embedded SQLite store alone, in this process
// (no sockets, no MTProto, no pushes), as echod opens it (durability full, WAL checkpoints on their thread).
// Sends are submitted `batch` at a time in one event-loop turn, so each group commit holds that many; the CPU
// of the whole process (checkpoint thread included) per message shows what the database costs at each batch
// size, the part of bench:messaging's server CPU that no change to the session layer can remove.
//   npm run bench -- message-store     (BENCH_STORE_USERS, BENCH_STORE_FILL, BENCH_STORE_SENDS, BENCH_STORE_BATCHES)
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/infra/db/open.js';
import { MessageStore, type Conversation } from '../src/messenger/message-store.js';
import { PEER_USER } from '../src/messenger/peer.js';
import { machineInfo } from './lib/machine.js';
import { writeReadmeBlock } from './lib/readme-block.js';

const USERS = Number(process.env.BENCH_STORE_USERS ?? 2000);
const FILL = Number(process.env.BENCH_STORE_FILL ?? 200_000);
const SENDS = Number(process.env.BENCH_STORE_SENDS ?? 20_000);
const BATCHES = (process.env.BENCH_STORE_BATCHES ?? '1,8,64,256').split(',').map(Number);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'echo-bench-store-'));
const db = await openDatabase(dir, { durability: 'full', checkpointThread: true });
const store = new MessageStore(db.kysely, Date.now);

// Fixed pairs, as in bench:messaging: user 2k writes to 2k + 1 and back.
const userId = (i: number) => 1_000_000n + BigInt(i);
const conversation = (from: number): Conversation => {
  const to = from ^ 1;
  return { sender: userId(from), peer: { type: PEER_USER, id: userId(to) }, recipients: [userId(to)], peerOf: () => ({ type: PEER_USER, id: userId(from) }) };
};
let nextRandomId = 1n;
let nextSender = 0;
const text = 'A message of about the length people type, forty-odd characters.';

/** `count` sends in rounds of `batch`, each round submitted in one turn and awaited whole. */
async function send(count: number, batch: number): Promise<void> {
  for (let done = 0; done < count; done += batch) {
    const round: Promise<unknown>[] = [];
    for (let i = 0; i < Math.min(batch, count - done); i++) {
      round.push(store.send(conversation(nextSender), [{ randomId: nextRandomId++, message: text }]));
      nextSender = (nextSender + 1) % USERS;
    }
    await Promise.all(round);
  }
}

interface Row {
  batch: number;
  sendsPerSecond: number;
  cpuUsPerMessage: number;
  userUsPerMessage: number;
  systemUsPerMessage: number;
}

try {
  const fillStart = performance.now();
  await send(FILL, 256);
  console.log(`${FILL} messages between ${USERS} users stored first (${((performance.now() - fillStart) / 1000).toFixed(1)} s)`);
  const rows: Row[] = [];
  for (const batch of BATCHES) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await send(SENDS, batch);
    const wallSeconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const row = {
      batch,
      sendsPerSecond: Math.round(SENDS / wallSeconds),
      cpuUsPerMessage: +((used.user + used.system) / SENDS).toFixed(1),
      userUsPerMessage: +(used.user / SENDS).toFixed(1),
      systemUsPerMessage: +(used.system / SENDS).toFixed(1),
    };
    rows.push(row);
    console.log(`batch ${batch}: ${row.sendsPerSecond} sends/s, CPU ${row.cpuUsPerMessage} µs per message (user ${row.userUsPerMessage}, system ${row.systemUsPerMessage})`);
  }
  const result = { benchmark: 'message-store', date: new Date().toISOString(), machine: machineInfo(), settings: { users: USERS, fill: FILL, sends: SENDS, durability: 'full', checkpointThread: true }, rows };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/message-store.json'), JSON.stringify(result, null, 2) + '\n');
  const m = result.machine;
  writeReadmeBlock(
    join(root, 'README.md'),
    'message-store',
    [
      `The store alone (\`npm run bench -- message-store\`): MessageStore.send on SQLite in one process, durability full, WAL checkpoints on their thread, ${USERS} users in fixed pairs, ${FILL.toLocaleString('en')} messages stored first, ${SENDS.toLocaleString('en')} sends per batch size; ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${result.date.slice(0, 10)}.`,
      '',
      '| sends per transaction | sends/s | CPU µs per message | of which user / system |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.batch} | ${r.sendsPerSecond} | ${r.cpuUsPerMessage} | ${r.userUsPerMessage} / ${r.systemUsPerMessage} |`),
    ].join('\n'),
  );
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
