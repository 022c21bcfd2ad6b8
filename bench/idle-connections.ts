// Idle authorized connections: how many sockets, each carrying a signed-in MTProto session that has made a call
// (updates.getState, so it is subscribed to its user's updates), echod holds and what they cost in RSS.
//   npm run bench -- idle-connections --connections 100000 --nodes 6
//   options: --connections N (10000), --nodes K (1), --generators G (one per 16,000 connections),
//            --keys M (one per 50 connections), --per-address P (500), --concurrency C (32 per generator),
//            --hold-seconds S (30), --result NAME (the result file and README block; default below),
//            --workers W (ECHO_WORKERS of each node, 0 by default: W gateway processes hold its sockets; RSS then
//            counts them with the node),
//            --fresh-nodes (restart the nodes after the keys are made, so the baseline is a fresh process holding no
//            session of the key-making connections, as in bench/messaging.ts with cached accounts)
// Every process here has an open-file limit (`ulimit -n`; 20,000 hard on the machine this was written on),
// so one echod holds at most that many sockets and one generator process opens at most that many: N is
// spread over K echod nodes (K > 1 needs the engines in the environment, which the nodes share, as in
// README's "Several nodes") and G generator processes, connection j of generator g on node (j + g) % K.
// Keys are reused: M auth keys are created by DH and signed in as M users, each opening N/M sessions (under
// ECHO_MAX_SESSIONS_PER_AUTH_KEY, 64, per node). Connections come from loopback source addresses 127.0.x.y,
// P per address, under the default per-address limit (1,000). echod runs with ECHO_IDLE_TIMEOUT=3600 so the
// silent connections outlive the run without pings, and with handshake, auth-key and RPC rate limits off
// (thousands of sessions per minute from one user is what the bench does, not what they are for).
// Reports connections held, server RSS total and per node, KiB per connection over the idle baseline
// (RSS after the keys were made and their connections closed), generator RSS, time to open, failures.
// Writes bench/results/idle-connections-<K>node(s).json and the README block of the same name.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { engineSettings, startEchod, type EchodProcess } from '../test/support/echod.js';
import { loadOrCreateServerKey } from '../src/infra/keys.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { machineInfo } from './lib/machine.js';
import { rssOf, treeRssOf, writeReadmeBlock } from './lib/readme-block.js';
import type { GeneratorCommand, GeneratorReport, GeneratorSetup } from './idle-connections-generator.js';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '1' },
    generators: { type: 'string' },
    keys: { type: 'string' },
    'per-address': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '32' },
    'hold-seconds': { type: 'string', default: '30' },
    result: { type: 'string' },
    'fresh-nodes': { type: 'boolean', default: false },
    workers: { type: 'string', default: '0' },
  },
});
const CONNECTIONS = Number(args.connections);
const NODES = Number(args.nodes);
const GENERATORS = Number(args.generators ?? Math.ceil(CONNECTIONS / 16_000));
const KEYS = Number(args.keys ?? Math.ceil(CONNECTIONS / 50));
const PER_ADDRESS = Number(args['per-address']);
const CONCURRENCY = Number(args.concurrency);
const HOLD_MS = Number(args['hold-seconds']) * 1000;
const FIXED_CODE = '12345';
const IDLE_TIMEOUT_S = 3600;

/** This process's open-file limit (children inherit it): what one echod or one generator can hold. */
function openFileLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map(Number);
  return { soft: soft!, hard: hard! };
}
const fileLimit = openFileLimit();
// Room for what a process opens besides client sockets (listeners, engines, log and database files).
const SOCKETS_PER_PROCESS = fileLimit.soft - 200;
const perNode = Math.ceil(CONNECTIONS / NODES);
const perGenerator = Math.ceil(CONNECTIONS / GENERATORS);
if (perNode > SOCKETS_PER_PROCESS) throw new Error(`${perNode} connections per node exceed the open-file limit (${fileLimit.soft}): use more --nodes`);
if (perGenerator > SOCKETS_PER_PROCESS) throw new Error(`${perGenerator} connections per generator exceed the open-file limit (${fileLimit.soft}): use more --generators`);
if (KEYS < GENERATORS) throw new Error('--keys must be at least --generators');
const ENGINE_VARS = ['DB_HOST', 'REDIS_HOST', 'KAFKA_BROKERS', 'ETCD_ENDPOINTS', 'MINIO_ENDPOINT'];
const engines = ['MySQL', 'Redis', 'Kafka', 'etcd', 'S3'].filter((_, i) => process.env[ENGINE_VARS[i]!]);
if (NODES > 1 && engines.length === 0) throw new Error('--nodes > 1 needs the engines in the environment (source the output of scripts/engines.sh up)');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const dataRoot = join(root, 'bench/.data');
mkdirSync(dataRoot, { recursive: true });
const sharedKey = join(dataRoot, 'dc-server-key.pem');
if (NODES > 1) loadOrCreateServerKey(sharedKey);
const MiB = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

const nodes: EchodProcess[] = [];
let closing = false;
let progress: { opened: number; failed: number }[] = [];
const generators: { child: ChildProcess; next: () => Promise<GeneratorReport> }[] = [];
try {
  for (let n = 0; n < NODES; n++) {
    nodes.push(
      await startEchod({
        env: {
          ...(NODES > 1 ? { ECHO_SERVER_KEY: sharedKey } : {}),
          ...engineSettings(),
          ...(process.env.KAFKA_BROKERS && !process.env.KAFKA_TOPIC_PREFIX ? { KAFKA_TOPIC_PREFIX: 'bench.' } : {}),
          ECHO_FIXED_CODE: FIXED_CODE,
          ECHO_IDLE_TIMEOUT: String(IDLE_TIMEOUT_S),
          ECHO_WORKERS: args.workers,
          ECHO_HANDSHAKE_RATE: '0',
          ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0',
          ECHO_RPC_RATES: '0',
          ECHO_HANDSHAKE_WORKERS: '1',
          ECHO_LOG_LEVEL: 'info',
        },
        readyTimeoutMs: 120_000,
      }),
    );
  }
  let pids = nodes.map((e) => e.pid!);
  log(`${NODES} echod node(s) up (pids ${pids.join(', ')}); open-file limit ${fileLimit.soft} soft / ${fileLimit.hard} hard`);
  const rsa = readRsaPublicKey((await nodes[0]!.clientConfig()).publicKey);
  // Phones of this run only: sign-in counters can outlive a run in Redis, users in MySQL.
  const phoneBase = 5_000_000 + randomInt(0, 400) * 10_000;

  for (let g = 0; g < GENERATORS; g++) {
    const child = fork(join(here, 'idle-connections-generator.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const queue: GeneratorReport[] = [];
    const waiting: ((r: GeneratorReport) => void)[] = [];
    child.on('message', (r: GeneratorReport) => {
      if (r.type === 'progress') return void (progress[g] = r);
      if (waiting.length) waiting.shift()!(r);
      else queue.push(r);
    });
    child.on('exit', (code) => {
      if (code !== 0 && !closing) {
        console.error(`generator ${g} exited with ${code}`);
        process.exitCode = 1;
      }
    });
    generators.push({ child, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))) });
    const keysFrom = Math.floor((g * KEYS) / GENERATORS);
    const keysTo = Math.floor(((g + 1) * KEYS) / GENERATORS);
    const connFrom = Math.floor((g * CONNECTIONS) / GENERATORS);
    const connTo = Math.floor(((g + 1) * CONNECTIONS) / GENERATORS);
    const setup: GeneratorSetup = {
      index: g,
      ports: nodes.map((e) => e.tcpPorts[0]!),
      publicKey: { n: Buffer.from(rsa.n).toString('hex'), e: '010001', fingerprint: rsa.fingerprint.toString() },
      fixedCode: FIXED_CODE,
      phoneBase: phoneBase + keysFrom,
      keys: keysTo - keysFrom,
      connections: connTo - connFrom,
      addressBase: Math.ceil(connFrom / PER_ADDRESS) + g,
      perAddress: PER_ADDRESS,
      concurrency: CONCURRENCY,
    };
    child.send({ type: 'setup', setup } satisfies GeneratorCommand);
  }
  progress = generators.map(() => ({ opened: 0, failed: 0 }));
  const expect = async <T extends GeneratorReport['type']>(type: T): Promise<Extract<GeneratorReport, { type: T }>[]> =>
    Promise.all(
      generators.map(async (g) => {
        const r = await g.next();
        if (r.type === 'error') throw new Error(`generator failed: ${r.message}`);
        if (r.type !== type) throw new Error(`expected ${type} from a generator, got ${r.type}`);
        return r as Extract<GeneratorReport, { type: T }>;
      }),
    );

  // 1. Keys and users.
  const keysStart = Date.now();
  for (const g of generators) g.child.send({ type: 'keys' } satisfies GeneratorCommand);
  await expect('keys');
  const keysSeconds = (Date.now() - keysStart) / 1000;
  log(`${KEYS} auth keys created and signed in (${keysSeconds.toFixed(1)} s)`);
  if (args['fresh-nodes']) {
    for (const e of nodes) await e.restart();
    log('nodes restarted (same data dirs, ports and key)');
  }
  // Let the key-creating connections' closes and the handshake worker's garbage settle before the baseline.
  await new Promise((r) => setTimeout(r, 5000));
  pids = nodes.map((e) => e.pid!);
  const baseline = pids.map(treeRssOf);
  const generatorBaseline = generators.map((g) => rssOf(g.child.pid!));
  log(`baseline server RSS ${baseline.map(MiB).join(' + ')} MiB`);

  // 2. The idle connections.
  const openStart = Date.now();
  const ticker = setInterval(() => {
    const opened = progress.reduce((s, p) => s + p.opened, 0);
    const failed = progress.reduce((s, p) => s + p.failed, 0);
    log(`${opened} open, ${failed} failed, server RSS ${MiB(pids.reduce((s, p) => s + treeRssOf(p), 0))} MiB`);
  }, 10_000);
  for (const g of generators) g.child.send({ type: 'open' } satisfies GeneratorCommand);
  const opened = await expect('opened');
  clearInterval(ticker);
  const openSeconds = (Date.now() - openStart) / 1000;
  const held = opened.reduce((s, r) => s + r.opened, 0);
  const failed = opened.reduce((s, r) => s + r.failed, 0);
  const failures: Record<string, number> = {};
  for (const r of opened) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  log(`${held} connections open in ${openSeconds.toFixed(1)} s, ${failed} failed ${JSON.stringify(failures)}; holding them idle ${HOLD_MS / 1000} s`);

  // 3. Idle: nothing is sent; then what it costs.
  await new Promise((r) => setTimeout(r, HOLD_MS));
  const rss = pids.map(treeRssOf);
  const generatorRss = generators.map((g) => rssOf(g.child.pid!));
  const gauges = await Promise.all(
    nodes.map(async (e) => {
      const text = await (await fetch(`http://127.0.0.1:${e.adminPort}/metrics`)).text();
      const sum = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
      return { connections: sum('echo_connections'), sessions: sum('echo_sessions') };
    }),
  );
  for (const g of generators) g.child.send({ type: 'status' } satisfies GeneratorCommand);
  const status = await expect('status');
  const stillOpen = status.reduce((s, r) => s + r.open, 0);
  const closedByServer = status.reduce((s, r) => s + r.closedByServer, 0);

  const total = rss.reduce((a, b) => a + b, 0);
  const totalBaseline = baseline.reduce((a, b) => a + b, 0);
  const result = {
    benchmark: args.result ?? `idle-connections-${NODES}node${NODES > 1 ? 's' : ''}`,
    engines: engines.length ? engines : ['embedded'],
    date: new Date().toISOString(),
    machine: { ...machineInfo(), openFilesPerProcess: fileLimit },
    settings: {
      connections: CONNECTIONS,
      nodes: NODES,
      generators: GENERATORS,
      authKeys: KEYS,
      sessionsPerKey: +(CONNECTIONS / KEYS).toFixed(1),
      connectionsPerSourceAddress: PER_ADDRESS,
      concurrencyPerGenerator: CONCURRENCY,
      holdSeconds: HOLD_MS / 1000,
      freshNodes: args['fresh-nodes'],
      workers: Number(args.workers),
      transport: 'tcp/intermediate',
      echod: { ECHO_IDLE_TIMEOUT: IDLE_TIMEOUT_S, ECHO_HANDSHAKE_RATE: 0, ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: 0, ECHO_RPC_RATES: 0, ECHO_MAX_SESSIONS_PER_AUTH_KEY: 'default (64)', ECHO_MAX_CONNECTIONS_PER_ADDRESS: 'default (1000)' },
      note: 'echod nodes, engines and generators share the machine; no pings: the idle timeout is raised instead',
    },
    keysSeconds,
    openSeconds,
    openPerSecond: Math.round(held / openSeconds),
    connectionsHeld: held,
    connectionFailures: failed,
    failures,
    afterHold: { stillOpen, closedByServer, serverGauges: gauges },
    serverRss: {
      baselineMiB: MiB(totalBaseline),
      heldMiB: MiB(total),
      perNode: rss.map((r, i) => ({ baselineMiB: MiB(baseline[i]!), heldMiB: MiB(r), connections: gauges[i]!.connections })),
      perConnectionKiB: +((total - totalBaseline) / held / 1024).toFixed(1),
    },
    generatorRss: { totalMiB: MiB(generatorRss.reduce((a, b) => a + b, 0)), perProcessMiB: generatorRss.map(MiB), perConnectionKiB: +((generatorRss.reduce((a, b) => a + b, 0) - generatorBaseline.reduce((a, b) => a + b, 0)) / held / 1024).toFixed(1) },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, `bench/results/${result.benchmark}.json`), JSON.stringify(result, null, 2) + '\n');
  const m = result.machine;
  const fmt = (n: number) => n.toLocaleString('en-US');
  writeReadmeBlock(
    join(root, 'README.md'),
    result.benchmark,
    [
      `Idle authorized connections (\`npm run bench -- idle-connections ${process.argv.slice(2).join(' ')}\`), ${result.date.slice(0, 10)}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, open files ${fileLimit.soft} per process; ${NODES > 1 ? `${NODES} echod nodes on ${engines.join(', ')}` : engines.length ? `one echod on ${engines.join(', ')}` : 'one echod, embedded (SQLite)'}${Number(args.workers) > 0 ? `, each with ${args.workers} gateway process${args.workers === '1' ? '' : 'es'} (ECHO_WORKERS; RSS includes them)` : ''}, ${GENERATORS} generator process${GENERATORS > 1 ? 'es' : ''}, all on this machine. ${fmt(KEYS)} signed-in users, each key carrying ${result.settings.sessionsPerKey} session${result.settings.sessionsPerKey === 1 ? '' : 's'}; ${PER_ADDRESS} connections per 127.0.x.y source address; each connection made one updates.getState, then silent for ${HOLD_MS / 1000} s (ECHO_IDLE_TIMEOUT=${IDLE_TIMEOUT_S}, no pings). Baseline: ${args['fresh-nodes'] ? 'the nodes restarted after the keys were made (--fresh-nodes)' : 'the nodes once the keys were made and their connections closed'}.`,
      '',
      '| connections held | failed | open after the hold | time to open | server RSS (baseline) | per node | KiB per connection over baseline | generator RSS |',
      '|---|---|---|---|---|---|---|---|',
      `| ${fmt(held)} of ${fmt(CONNECTIONS)} | ${failed} | ${fmt(stillOpen)} | ${openSeconds.toFixed(0)} s (${fmt(result.openPerSecond)}/s) | ${fmt(Math.round(MiB(total)))} MiB (${fmt(Math.round(MiB(totalBaseline)))} MiB) | ${rss.map((r) => Math.round(MiB(r))).join(' / ')} MiB | ${result.serverRss.perConnectionKiB} | ${fmt(Math.round(result.generatorRss.totalMiB))} MiB (${result.generatorRss.perConnectionKiB} KiB per connection) |`,
      ...(failed ? ['', `Failures: ${Object.entries(failures).map(([k, v]) => `${v} × ${k}`).join('; ')}.`] : []),
    ].join('\n'),
  );
} finally {
  closing = true;
  for (const g of generators) {
    if (g.child.connected) g.child.send({ type: 'close' } satisfies GeneratorCommand);
  }
  await Promise.all(
    generators.map((g) => {
      if (g.child.exitCode !== null || g.child.signalCode !== null) return undefined;
      const kill = setTimeout(() => g.child.kill('SIGKILL'), 30_000);
      return new Promise((r) => g.child.once('exit', r)).finally(() => clearTimeout(kill));
    }),
  );
  await Promise.all(nodes.map((e) => e.dispose()));
}
