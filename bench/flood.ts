// A flood against one echod with its default limits, from one address (127.0.0.1), while a legitimate
// signed-in client on another address (127.0.0.2) sends a message to itself every 100 ms. Three phases:
// no flood (baseline), a connection flood (sockets opened and held silent), a handshake flood (auth keys
// created back to back). Reports attempts offered and served per second and the legitimate client's
// p50/p99 in each phase. Writes bench/results/flood.json and the README's flood block.
//   npm run bench -- flood     (BENCH_DURATION_MS per phase, BENCH_CONCURRENCY of the flood)
import { Worker } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchod } from '../test/support/echod.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { EchoClient } from '../src/client/mtproto-client.js';
import type { TlObject } from '../src/tl/index.js';
import { machineInfo } from './lib/machine.js';
import { percentile, rssOf, writeReadmeBlock } from './lib/readme-block.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LEGIT_INTERVAL_MS = 100;
const FIXED_CODE = '12345';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
// Default limits: this is what they are for.
const echod = await startEchod({ env: { ECHO_FIXED_CODE: FIXED_CODE, ECHO_LOG_LEVEL: 'info' }, readyTimeoutMs: 60_000 });

interface Phase {
  name: string;
  offeredPerSecond: number;
  servedPerSecond: number;
  refusedPerSecond: number;
  legit: { calls: number; failures: number; p50Ms: number; p99Ms: number };
  serverRssMiB: number;
}

try {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  const publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
  const legit = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]!, localAddress: '127.0.0.2' });
  await legit.createAuthKey(publicKey);
  const wrap = (query: TlObject) =>
    ({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'bench', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;
  const phone = '15550009999';
  const sent = (await legit.invoke(wrap({ _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } } as TlObject))) as { phoneCodeHash: string };
  const signIn = (await legit.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE } as TlObject)) as { _: string };
  if (signIn._ !== 'auth.authorization') await legit.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName: 'Legit', lastName: '' } as TlObject);

  /** The legitimate client's calls during `ms`: one message to Saved Messages every LEGIT_INTERVAL_MS. */
  async function legitDuring(ms: number): Promise<Phase['legit']> {
    const latencies: number[] = [];
    let failures = 0;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const started = performance.now();
      try {
        await legit.invoke({ _: 'messages.sendMessage', peer: { _: 'inputPeerSelf' }, message: 'ping', randomId: randomBytes(8).readBigInt64LE(0) } as TlObject, 30_000);
        latencies.push(performance.now() - started);
      } catch {
        failures++;
      }
      const left = LEGIT_INTERVAL_MS - (performance.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
    latencies.sort((a, b) => a - b);
    return { calls: latencies.length, failures, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) };
  }

  async function phase(name: string, mode?: 'connections' | 'handshakes'): Promise<Phase> {
    const flood = mode
      ? new Promise<{ offered: number; served: number; refused: number }>((resolve, reject) => {
          const worker = new Worker(join(here, 'flood-worker.js'), { workerData: { mode, port: echod.tcpPorts[0], publicKey, durationMs: DURATION_MS, concurrency: CONCURRENCY } });
          worker.once('message', resolve);
          worker.once('error', reject);
        })
      : Promise.resolve({ offered: 0, served: 0, refused: 0 });
    const [legitResult, counts] = await Promise.all([legitDuring(DURATION_MS), flood]);
    const perS = (n: number) => round(n / (DURATION_MS / 1000));
    return {
      name,
      offeredPerSecond: perS(counts.offered),
      servedPerSecond: perS(counts.served),
      refusedPerSecond: perS(counts.refused),
      legit: legitResult,
      serverRssMiB: round(rssOf(echod.pid!) / 1024 / 1024),
    };
  }

  const phases = [await phase('no flood'), await phase('connection flood', 'connections'), await phase('handshake flood', 'handshakes')];
  legit.close();
  const metrics = await (await fetch(`http://127.0.0.1:${echod.adminPort}/metrics`)).text();
  const limitHits = Object.fromEntries(
    metrics
      .split('\n')
      .filter((l) => l.startsWith('echo_limit_hits_total{'))
      .map((l) => [/limit="([^"]+)"/.exec(l)![1]!, Number(l.split(' ').pop())]),
  );
  const result = { benchmark: 'flood', date: new Date().toISOString(), machine: machineInfo(), settings: { durationMs: DURATION_MS, floodConcurrency: CONCURRENCY, legitIntervalMs: LEGIT_INTERVAL_MS }, phases, limitHits };
  console.table(
    Object.fromEntries(
      phases.map((p) => [p.name, { 'offered/s': p.offeredPerSecond, 'served/s': p.servedPerSecond, 'refused/s': p.refusedPerSecond, 'legit p50 ms': p.legit.p50Ms, 'legit p99 ms': p.legit.p99Ms, 'legit failures': p.legit.failures, 'RSS MiB': p.serverRssMiB }]),
    ),
  );
  console.log('limit hits:', limitHits);
  const out = join(root, 'bench/results/flood.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const m = result.machine;
  const rows = phases.map((p) => `| ${p.name} | ${p.offeredPerSecond} | ${p.servedPerSecond} | ${p.refusedPerSecond} | ${p.legit.p50Ms} / ${p.legit.p99Ms} ms (${p.legit.failures} failed) | ${p.serverRssMiB} MiB |`);
  writeReadmeBlock(
    join(root, 'README.md'),
    'flood',
    [
      `Flood (\`npm run bench flood\`, ${m.cpu}, ${m.cores} cores, node ${m.node}; flood and server share the machine): one address floods with ${CONCURRENCY} concurrent attempts for ${DURATION_MS / 1000} s per phase, default limits; a signed-in client on another address sends a message every ${LEGIT_INTERVAL_MS} ms.`,
      '',
      '| phase | offered /s | served /s | refused /s | legitimate client p50 / p99 | server RSS |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `Limit hits: ${Object.entries(limitHits).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}.`,
    ].join('\n'),
  );
} finally {
  await echod.dispose();
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
