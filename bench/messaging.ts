// Private messaging end to end: many authorized MTProto connections (Echo's own client, in worker
// threads), pairs of users messaging each other at fixed offered loads. Reports messages/s delivered
// (send until the recipient's update arrives), p50/p95/p99/max latency per load, and server RSS per
// connected client. Writes bench/results/messaging.json and the README's messaging block.
//   npm run bench:messaging            (BENCH_USERS, BENCH_RATES, BENCH_DURATION_MS, BENCH_WORKERS to adjust)
// Engines mode: when any engine setting is in the environment (eval "$(scripts/engines.sh up)"), echod runs on
// those engines; the figures go to bench/results/messaging-engines.json and the README's messaging-engines block,
// next to the embedded ones.
//   BENCH_NODES=2                      engines mode only: that many echod nodes sharing the engines and one key
//                                      (ECHO_SERVER_KEY), each pair of users split across two nodes; writes
//                                      bench/results/messaging-engines-<n>node(s).json and its README block
//   BENCH_ECHOD_WORKERS=N              runs echod with ECHO_WORKERS=N (gateway processes); server CPU and RSS count
//                                      them, and the main process's own share is reported beside
//   BENCH_DURABILITY=full|process      runs echod with that ECHO_DURABILITY and writes
//                                      bench/results/messaging-durability-<mode>.json only (README untouched)
//   BENCH_MESSAGE_BYTES=N              pads each text to N bytes (default: its id, about 10); with N given, writes
//                                      bench/results/messaging-<N>b.json only (README untouched)
//   BENCH_USERS=N                      that many connected users (default 2,000); with N given, writes
//                                      bench/results/messaging-<N>users.json only (README untouched)
import { Worker } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineSettings, startEchod, type EchodProcess } from '../test/support/echod.js';
import { loadOrCreateServerKey } from '../src/infra/keys.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { machineInfo } from './lib/machine.js';
import { loadAccounts, saveAccounts, type BenchAccount } from './lib/bench-accounts.js';
import { cpuSecondsOf, percentile, treeCpuSecondsOf, treeRssOf, writeReadmeBlock } from './lib/readme-block.js';

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const RATES = (process.env.BENCH_RATES ?? '1000,3000,5000,10000,15000').split(',').map(Number);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const FIXED_CODE = '12345';
const DURABILITY = process.env.BENCH_DURABILITY;
const ECHOD_WORKERS = process.env.BENCH_ECHOD_WORKERS;
const MESSAGE_BYTES = process.env.BENCH_MESSAGE_BYTES === undefined ? undefined : Number(process.env.BENCH_MESSAGE_BYTES);
if (MESSAGE_BYTES !== undefined && !(Number.isInteger(MESSAGE_BYTES) && MESSAGE_BYTES > 0 && MESSAGE_BYTES <= 4096)) throw new Error('BENCH_MESSAGE_BYTES: 1-4096');
if (DURABILITY !== undefined && DURABILITY !== 'full' && DURABILITY !== 'process') throw new Error('BENCH_DURABILITY: full or process');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const dataRoot = join(root, 'bench/.data');
mkdirSync(dataRoot, { recursive: true });
/** Engine settings present in the environment; passed on to echod (test servers inherit none: test/support/echod.ts). */
const ENGINE_SETTINGS: [string, string][] = [
  ['DB_HOST', 'MySQL'],
  ['REDIS_HOST', 'Redis'],
  ['KAFKA_BROKERS', 'Kafka'],
  ['ETCD_ENDPOINTS', 'etcd'],
  ['MINIO_ENDPOINT', 'S3'],
];
const engines = ENGINE_SETTINGS.filter(([env]) => process.env[env]).map(([, name]) => name);
const mode = engines.length > 0 ? 'engines' : 'embedded';
const NODES = Number(process.env.BENCH_NODES ?? 1);
if (NODES > 1 && mode !== 'engines') throw new Error('BENCH_NODES needs the engines (several nodes share them)');
// BENCH_NODES given (1 included): a result of its own, so the one-node vs n-node comparison runs on equal settings.
const resultName = mode === 'engines' ? (process.env.BENCH_NODES ? `messaging-engines-${NODES}node${NODES > 1 ? 's' : ''}` : 'messaging-engines') : 'messaging';
// Each mode keeps its own data dir and accounts: the users exist in the database they were signed up in.
const accountsFile = join(dataRoot, mode === 'engines' ? 'accounts-engines.json' : 'accounts.json');
const sharedKey = join(dataRoot, 'dc-server-key.pem');
if (NODES > 1) loadOrCreateServerKey(sharedKey);
const startNode = (n: number) => startEchod({
  dataDir: join(dataRoot, mode === 'engines' ? `echod-engines${n > 0 ? `-${n + 1}` : ''}` : 'echod'),
  env: {
    ...(NODES > 1 ? { ECHO_SERVER_KEY: sharedKey } : {}),
    ...(mode === 'engines' ? engineSettings() : {}),
    ECHO_FIXED_CODE: FIXED_CODE,
    ECHO_HANDSHAKE_RATE: '0',
    ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0',
    ECHO_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    ECHO_RPC_RATES: '0',
    ECHO_LOG_LEVEL: 'info',
    // Test servers default to 0; the benchmark runs what a deployment runs unless told otherwise.
    ECHO_HANDSHAKE_WORKERS: process.env.BENCH_HANDSHAKE_WORKERS ?? '1',
    ...(DURABILITY ? { ECHO_DURABILITY: DURABILITY } : {}),
    ...(ECHOD_WORKERS !== undefined ? { ECHO_WORKERS: ECHOD_WORKERS } : {}),
    // Topics and groups of their own, so a broker shared with tests never mixes their records.
    ...(process.env.KAFKA_BROKERS && !process.env.KAFKA_TOPIC_PREFIX ? { KAFKA_TOPIC_PREFIX: 'bench.' } : {}),
  },
  // BENCH_ECHOD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server side.
  nodeArgs: process.env.BENCH_ECHOD_NODE_ARGS?.split(' ').filter(Boolean),
  readyTimeoutMs: 60_000,
});
const nodes: EchodProcess[] = [];
for (let n = 0; n < NODES; n++) nodes.push(await startNode(n));
const echod = nodes[0]!;
const serverPids = () => nodes.map((e) => e.pid!);
// Each node with its gateway processes (ECHO_WORKERS); the main processes alone are the core's share.
const serverCpu = () => serverPids().reduce((sum, pid) => sum + treeCpuSecondsOf(pid), 0);
const mainProcessCpu = () => serverPids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
const serverRss = () => serverPids().reduce((sum, pid) => sum + treeRssOf(pid), 0);

type WorkerMsg =
  | { type: 'connected'; fresh: BenchAccount[] }
  | { type: 'rate'; sent: number; received: number; errors: number; lost: number; latencies: number[]; spanMs: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

try {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  const publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  const accounts = loadAccounts(accountsFile);
  const rssBefore = serverRss();
  const perWorker = Math.ceil(USERS / WORKERS / 2) * 2;
  const workers: { worker: Worker; next: () => Promise<WorkerMsg> }[] = [];
  const connectStart = Date.now();
  for (let w = 0; w < WORKERS; w++) {
    const from = w * perWorker;
    const to = Math.min(USERS, from + perWorker);
    const cached = [...accounts.values()].filter((a) => a.index >= from && a.index < to);
    const worker = new Worker(join(here, 'messaging-worker.js'), {
      workerData: { target: { port: echod.tcpPorts[0], ...(NODES > 1 ? { ports: nodes.map((e) => e.tcpPorts[0]!) } : {}), publicKey, fixedCode: FIXED_CODE }, from, to, cached, connectConcurrency: 16, messageBytes: MESSAGE_BYTES ?? 0 },
    });
    const queue: WorkerMsg[] = [];
    const waiting: ((m: WorkerMsg) => void)[] = [];
    worker.on('message', (m: WorkerMsg) => (waiting.length ? waiting.shift()!(m) : queue.push(m)));
    worker.on('error', (err) => {
      console.error(err);
      process.exitCode = 1;
    });
    workers.push({ worker, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))) });
  }
  for (const w of workers) {
    const m = await w.next();
    if (m.type === 'error') throw new Error(`worker failed: ${m.message}`);
    if (m.type === 'connected') for (const a of m.fresh) accounts.set(a.index, a);
  }
  saveAccounts(accountsFile, accounts.values());
  const connectSeconds = (Date.now() - connectStart) / 1000;
  const rssConnected = serverRss();
  if (mode === 'engines') console.log(`engines mode: echod on ${engines.join(', ')}`);
  console.log(`${USERS} users connected and signed in (${connectSeconds.toFixed(1)} s); server RSS ${(rssConnected / 2 ** 20).toFixed(0)} MiB`);

  // SQL statements run by the server (every kind), from its metrics: the count per delivered message shows
  // what batching does, independently of the machine's load.
  const statementsRun = async () => {
    const text = await (await fetch(`http://127.0.0.1:${echod.adminPort}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^echo_db_query_duration_seconds_count\{[^}]*\} (\d+)$/gm)) n += Number(m[1]);
    return n;
  };
  const loads = [];
  for (const rate of RATES) {
    const statementsBefore = await statementsRun();
    const cpuBefore = serverCpu();
    const mainCpuBefore = mainProcessCpu();
    const perNodeCpuBefore = serverPids().map((pid) => treeCpuSecondsOf(pid));
    const loadCpuBefore = cpuSecondsOf(process.pid);
    for (const w of workers) w.worker.postMessage({ type: 'rate', rate: rate / WORKERS, durationMs: DURATION_MS });
    let sent = 0, received = 0, errors = 0, lost = 0, spanMs = DURATION_MS;
    const latencies: number[] = [];
    for (const w of workers) {
      const m = await w.next();
      if (m.type !== 'rate') throw new Error(`unexpected worker message ${m.type}`);
      sent += m.sent;
      received += m.received;
      spanMs = Math.max(spanMs, m.spanMs);
      errors += m.errors;
      lost += m.lost;
      latencies.push(...m.latencies);
    }
    latencies.sort((a, b) => a - b);
    // CPU per delivered message (the whole window, drain included): the server's own cost stays comparable
    // when the load generator competes for the same cores.
    const serverCpuSeconds = serverCpu() - cpuBefore;
    const mainCpuSeconds = mainProcessCpu() - mainCpuBefore;
    const perNodeCpuSeconds = serverPids().map((pid, i) => +(treeCpuSecondsOf(pid) - perNodeCpuBefore[i]!).toFixed(2));
    const loadCpuSeconds = cpuSecondsOf(process.pid) - loadCpuBefore;
    const statements = (await statementsRun()) - statementsBefore;
    const load = {
      offeredPerSecond: rate,
      sent,
      delivered: received,
      // Over the time the deliveries took: past the sending window when the server fell behind.
      deliveredPerSecond: Math.round(received / (spanMs / 1000)),
      errors,
      notDeliveredWithin3s: lost,
      serverCpuSecondsPerNode: perNodeCpuSeconds,
      serverCpuMsPerMessage: received > 0 ? +((serverCpuSeconds * 1000) / received).toFixed(3) : 0,
      mainProcessCpuMsPerMessage: received > 0 ? +((mainCpuSeconds * 1000) / received).toFixed(3) : 0,
      loadGeneratorCpuMsPerMessage: received > 0 ? +((loadCpuSeconds * 1000) / received).toFixed(3) : 0,
      sqlStatementsPerMessage: received > 0 ? +(statements / received).toFixed(2) : 0,
      latencyMs: { p50: +percentile(latencies, 50).toFixed(1), p95: +percentile(latencies, 95).toFixed(1), p99: +percentile(latencies, 99).toFixed(1), max: +(latencies.at(-1) ?? 0).toFixed(1) },
    };
    loads.push(load);
    console.log(`offered ${rate}/s: delivered ${load.deliveredPerSecond}/s, p50 ${load.latencyMs.p50} ms, p95 ${load.latencyMs.p95} ms, p99 ${load.latencyMs.p99} ms, max ${load.latencyMs.max} ms, errors ${errors}, lost ${lost}, CPU per delivered message: server ${load.serverCpuMsPerMessage} ms (main process ${load.mainProcessCpuMsPerMessage} ms), load generator ${load.loadGeneratorCpuMsPerMessage} ms, SQL statements per delivered message ${load.sqlStatementsPerMessage}`);
  }
  // The bus's share of the latency: publish to consumer handler, averaged over the run.
  const metricsText = await (await fetch(`http://127.0.0.1:${echod.adminPort}/metrics`)).text();
  const lagSum = Number(/^echo_bus_lag_seconds_sum\{topic="Sync-T"\} ([\d.e+-]+)$/m.exec(metricsText)?.[1] ?? NaN);
  const lagCount = Number(/^echo_bus_lag_seconds_count\{topic="Sync-T"\} (\d+)$/m.exec(metricsText)?.[1] ?? NaN);
  console.log(`Sync-T bus lag: mean ${((lagSum / lagCount) * 1000).toFixed(1)} ms over ${lagCount} deliveries`);
  const rssAfter = serverRss();
  for (const w of workers) {
    w.worker.postMessage({ type: 'close' });
    await w.next();
    await w.worker.terminate();
  }
  const result = {
    benchmark: resultName,
    engines: mode === 'engines' ? engines : ['embedded'],
    date: new Date().toISOString(),
    machine: machineInfo(),
    settings: { nodes: NODES, users: USERS, workers: WORKERS, echodWorkers: ECHOD_WORKERS === undefined ? 'default' : Number(ECHOD_WORKERS), durationMs: DURATION_MS, durability: DURABILITY ?? 'full', messageBytes: MESSAGE_BYTES ?? 'id only', transport: 'tcp/intermediate', note: 'load generator and echod share the machine' },
    connectSeconds,
    serverRss: { beforeMiB: +(rssBefore / 2 ** 20).toFixed(1), connectedMiB: +(rssConnected / 2 ** 20).toFixed(1), afterLoadMiB: +(rssAfter / 2 ** 20).toFixed(1), perConnectionKiB: +((rssConnected - rssBefore) / USERS / 1024).toFixed(1) },
    loads,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  if (DURABILITY !== undefined) {
    writeFileSync(join(root, `bench/results/messaging-durability-${DURABILITY}.json`), JSON.stringify(result, null, 2) + '\n');
  } else if (MESSAGE_BYTES !== undefined) {
    writeFileSync(join(root, `bench/results/messaging-${MESSAGE_BYTES}b.json`), JSON.stringify(result, null, 2) + '\n');
  } else if (process.env.BENCH_USERS !== undefined) {
    writeFileSync(join(root, `bench/results/messaging-${USERS}users.json`), JSON.stringify(result, null, 2) + '\n');
  } else {
    writeFileSync(join(root, `bench/results/${resultName}.json`), JSON.stringify(result, null, 2) + '\n');
    const m = result.machine;
    writeReadmeBlock(
      join(root, 'README.md'),
      resultName,
      [
        `${process.env.BENCH_NODES ? (NODES > 1 ? `${NODES} echod nodes sharing the engines, each pair of users split across two nodes. ` : 'One echod node (the comparison base of the several-node run). ') : ''}${mode === 'engines' ? `On engines (${engines.join(', ')}; the rest embedded): p` : 'P'}rivate messaging, ${USERS} connected users (${WORKERS} load thread${WORKERS > 1 ? 's' : ''}), ${ECHOD_WORKERS && Number(ECHOD_WORKERS) > 0 ? `echod with ${ECHOD_WORKERS} gateway processes (ECHO_WORKERS)` : 'echod in one process'}, ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${result.date.slice(0, 10)}; load generator and echod on the same machine.`,
        '',
        `| offered msg/s | delivered msg/s | p50 ms | p95 ms | p99 ms | max ms | server CPU ms/delivered msg | of which main process | load generator CPU ms/delivered msg | SQL statements/delivered msg |${NODES > 1 ? ' server CPU s per node |' : ''}`,
        `|---|---|---|---|---|---|---|---|---|---|${NODES > 1 ? '---|' : ''}`,
        ...loads.map(
          (l) =>
            `| ${l.offeredPerSecond} | ${l.deliveredPerSecond} | ${l.latencyMs.p50} | ${l.latencyMs.p95} | ${l.latencyMs.p99} | ${l.latencyMs.max} | ${l.serverCpuMsPerMessage} | ${l.mainProcessCpuMsPerMessage} | ${l.loadGeneratorCpuMsPerMessage} | ${l.sqlStatementsPerMessage} |${NODES > 1 ? ` ${l.serverCpuSecondsPerNode.join(' / ')} |` : ''}`,
        ),
        '',
        `Server RSS: ${result.serverRss.connectedMiB} MiB with ${USERS} authorized connections (${result.serverRss.perConnectionKiB} KiB per connection over the idle baseline of ${result.serverRss.beforeMiB} MiB).`,
      ].join('\n'),
    );
  }
} finally {
  await Promise.all(nodes.map((e) => e.stop()));
  // BENCH_ECHOD_LOG=file keeps the server's warnings and errors of the run.
  if (process.env.BENCH_ECHOD_LOG) writeFileSync(process.env.BENCH_ECHOD_LOG, echod.logs.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => JSON.stringify(l)).join('\n') + '\n');
}
