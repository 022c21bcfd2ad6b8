// Auth key creations per second against a running echod (spawned here on free ports, flood limit off).
// Prints a table and writes bench/results/handshakes.json. Run: npm run bench (or node dist/bench/handshakes.js).
import { Worker } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchod } from '../test/support/echod.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { machineInfo } from './lib/machine.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const here = dirname(fileURLToPath(import.meta.url));
const echod = await startEchod({ env: { ECHO_HANDSHAKE_RATE: '0', ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0', ECHO_MAX_CONNECTIONS_PER_ADDRESS: '100000', ECHO_RPC_RATES: '0', ECHO_LOG_LEVEL: 'info' } });
try {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  const publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: WORKERS }, () =>
      new Promise<{ latencies: number[]; failures: number }>((resolve, reject) => {
        const worker = new Worker(join(here, 'handshake-worker.js'), { workerData: { port: echod.tcpPorts[0], publicKey, durationMs: DURATION_MS, concurrency: CONCURRENCY } });
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
    ),
  );
  const elapsed = (Date.now() - started) / 1000;
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const result = {
    benchmark: 'handshakes',
    date: new Date().toISOString(),
    machine: machineInfo(),
    settings: { durationMs: DURATION_MS, workers: WORKERS, concurrencyPerWorker: CONCURRENCY, transport: 'tcp/intermediate', padding: 'rsa_pad', innerData: 'p_q_inner_data_dc' },
    completed: latencies.length,
    failures: results.reduce((n, r) => n + r.failures, 0),
    handshakesPerSecond: Math.round((latencies.length / elapsed) * 10) / 10,
    latencyMs: { p50: Math.round(pct(50)), p95: Math.round(pct(95)), p99: Math.round(pct(99)) },
  };
  console.table({ 'handshakes/s': result.handshakesPerSecond, completed: result.completed, failures: result.failures, 'p50 ms': result.latencyMs.p50, 'p99 ms': result.latencyMs.p99 });
  console.log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node} (load generator and server share it)`);
  const out = join(here, '../../bench/results/handshakes.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
} finally {
  await echod.dispose();
}
