// One load-generator thread of bench/handshakes.ts: creates auth keys back to back over TCP with
// Echo's own client (factoring pq and doing DH on the client side, as real clients do), from many
// loopback source addresses (as a flood from many devices would come).
import { parentPort, workerData } from 'node:worker_threads';
import { EchoClient } from '../src/client/mtproto-client.js';
import { DhServer } from '../src/mtproto/crypto/dh.js';
import type { RsaPublicKey } from '../src/mtproto/crypto/rsa.js';
import { sourceAddress } from './lib/bench-accounts.js';

interface Job {
  port: number;
  publicKey: { n: Uint8Array; e: Uint8Array; fingerprint: bigint };
  durationMs: number;
  concurrency: number;
  /** Offsets the source addresses of this thread from the others'. */
  thread: number;
}

const job = workerData as Job;
const publicKey: RsaPublicKey & { fingerprint: bigint } = { n: Buffer.from(job.publicKey.n), e: Buffer.from(job.publicKey.e), fingerprint: job.publicKey.fingerprint };
const dh = new DhServer();
const deadline = Date.now() + job.durationMs;
const latencies: number[] = [];
let failures = 0;
let opened = 0;

async function loop(): Promise<void> {
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const client = await EchoClient.open({ host: '127.0.0.1', port: job.port, transport: 'intermediate', localAddress: sourceAddress(100_000 + job.thread * 100_000 + opened++) });
      await client.createAuthKey(publicKey, { dh });
      client.close();
      latencies.push(performance.now() - started);
    } catch {
      failures++;
    }
  }
}

await Promise.all(Array.from({ length: job.concurrency }, loop));
parentPort!.postMessage({ latencies, failures });
