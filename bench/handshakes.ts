// Auth key creations per second against a running echod, and what a flood of them does to chats on the same
// node: for each handshake thread count (BENCH_HANDSHAKE_WORKERS, "0,1" by default: 0 = on the main event loop),
// a fresh echod (flood limits off), pairs of signed-in users messaging at BENCH_CHAT_RATE/s, first alone, then
// while load threads create auth keys back to back from many loopback addresses. Reports handshakes/s and the
// chat p50/p99 quiet and under the flood. Prints a table and writes bench/results/handshakes.json.
// Run: npm run bench -- handshakes (or node dist/bench/handshakes.js). BENCH_ECHOD_WORKERS=N runs the server with
// N gateway processes (ECHO_WORKERS) and writes bench/results/handshakes-workersN.json.
import { Worker } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchod } from '../test/support/echod.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { machineInfo } from './lib/machine.js';
import { percentile } from './lib/readme-block.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const THREAD_COUNTS = (process.env.BENCH_HANDSHAKE_WORKERS ?? '0,1').split(',').map(Number);
/** ECHO_WORKERS of the server (gateway processes holding the sockets); 0 unless given. */
const GATEWAY_PROCESSES = Number(process.env.BENCH_ECHOD_WORKERS ?? 0);
const CHAT_USERS = Number(process.env.BENCH_CHAT_USERS ?? 200);
const CHAT_RATE = Number(process.env.BENCH_CHAT_RATE ?? 200);
const FIXED_CODE = '12345';

const here = dirname(fileURLToPath(import.meta.url));

type ChatMsg = { type: 'connected' } | { type: 'rate'; sent: number; received: number; latencies: number[] } | { type: 'closed' } | { type: 'error'; message: string };

function chatLoad(port: number, publicKey: unknown) {
  const worker = new Worker(join(here, 'messaging-worker.js'), {
    workerData: { target: { port, publicKey, fixedCode: FIXED_CODE }, from: 0, to: CHAT_USERS, cached: [], connectConcurrency: 8 },
  });
  const queue: ChatMsg[] = [];
  const waiting: ((m: ChatMsg) => void)[] = [];
  worker.on('message', (m: ChatMsg) => (waiting.length ? waiting.shift()!(m) : queue.push(m)));
  const next = async (): Promise<ChatMsg> => {
    const m = queue.length ? queue.shift()! : await new Promise<ChatMsg>((r) => waiting.push(r));
    if (m.type === 'error') throw new Error(`chat load failed: ${m.message}`);
    return m;
  };
  return {
    next,
    async run(rate: number, durationMs: number): Promise<{ p50: number; p99: number; delivered: number }> {
      worker.postMessage({ type: 'rate', rate, durationMs });
      const m = (await next()) as Extract<ChatMsg, { type: 'rate' }>;
      const sorted = m.latencies.sort((a, b) => a - b);
      return { p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), delivered: m.received };
    },
    async close() {
      worker.postMessage({ type: 'close' });
      await next();
      await worker.terminate();
    },
  };
}

async function flood(port: number, publicKey: unknown): Promise<{ latencies: number[]; failures: number; seconds: number }> {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: WORKERS }, (_, thread) =>
      new Promise<{ latencies: number[]; failures: number }>((resolve, reject) => {
        const worker = new Worker(join(here, 'handshake-worker.js'), { workerData: { port, publicKey, durationMs: DURATION_MS, concurrency: CONCURRENCY, thread } });
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
    ),
  );
  return { latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b), failures: results.reduce((n, r) => n + r.failures, 0), seconds: (Date.now() - started) / 1000 };
}

const runs = [];
for (const threads of THREAD_COUNTS) {
  const echod = await startEchod({
    env: {
      ECHO_FIXED_CODE: FIXED_CODE,
      ECHO_HANDSHAKE_WORKERS: String(threads),
      ECHO_WORKERS: String(GATEWAY_PROCESSES),
      ECHO_HANDSHAKE_RATE: '0',
      ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0',
      ECHO_MAX_CONNECTIONS_PER_ADDRESS: '100000',
      ECHO_RPC_RATES: '0',
      ECHO_LOG_LEVEL: 'info',
    },
    readyTimeoutMs: 60_000,
  });
  try {
    const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
    const publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
    const chat = chatLoad(echod.tcpPorts[0]!, publicKey);
    await chat.next();
    const quiet = await chat.run(CHAT_RATE, DURATION_MS);
    const [underFlood, keys] = await Promise.all([chat.run(CHAT_RATE, DURATION_MS), flood(echod.tcpPorts[0]!, publicKey)]);
    await chat.close();
    const run = {
      handshakeThreads: threads,
      gatewayProcesses: GATEWAY_PROCESSES,
      handshakesPerSecond: Math.round((keys.latencies.length / keys.seconds) * 10) / 10,
      failures: keys.failures,
      handshakeLatencyMs: { p50: Math.round(percentile(keys.latencies, 50)), p99: Math.round(percentile(keys.latencies, 99)) },
      chatQuietMs: quiet,
      chatUnderFloodMs: underFlood,
    };
    runs.push(run);
    console.log(
      `handshake threads ${threads}, gateway processes ${GATEWAY_PROCESSES}: ${run.handshakesPerSecond} handshakes/s (failures ${run.failures}, p50 ${run.handshakeLatencyMs.p50} ms, p99 ${run.handshakeLatencyMs.p99} ms); ` +
        `chat at ${CHAT_RATE}/s p50/p99 quiet ${quiet.p50}/${quiet.p99} ms, under the flood ${underFlood.p50}/${underFlood.p99} ms`,
    );
  } finally {
    await echod.dispose();
  }
}

const result = {
  benchmark: 'handshakes',
  date: new Date().toISOString(),
  machine: machineInfo(),
  settings: { durationMs: DURATION_MS, loadThreads: WORKERS, concurrencyPerThread: CONCURRENCY, chatUsers: CHAT_USERS, chatRate: CHAT_RATE, transport: 'tcp/intermediate', padding: 'rsa_pad', innerData: 'p_q_inner_data_dc' },
  runs,
};
console.table(Object.fromEntries(runs.map((r) => [`${r.handshakeThreads} threads`, { 'handshakes/s': r.handshakesPerSecond, 'chat p99 quiet ms': r.chatQuietMs.p99, 'chat p99 flood ms': r.chatUnderFloodMs.p99 }])));
console.log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node} (load generator and server share it)`);
const out = join(here, `../../bench/results/handshakes${GATEWAY_PROCESSES > 0 ? `-workers${GATEWAY_PROCESSES}` : ''}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
