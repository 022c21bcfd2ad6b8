// One flooding thread of bench/flood.ts, from 127.0.0.1: either raw connections held open without a byte
// (a connection flood; a reset counts as refused) or auth key handshakes back to back (-429 or a close
// counts as refused).
import { parentPort, workerData } from 'node:worker_threads';
import { connect, type Socket } from 'node:net';
import { EchoClient } from '../src/client/mtproto-client.js';
import { DhServer } from '../src/mtproto/crypto/dh.js';
import type { RsaPublicKey } from '../src/mtproto/crypto/rsa.js';

interface Job {
  mode: 'connections' | 'handshakes';
  port: number;
  publicKey: { n: Uint8Array; e: Uint8Array; fingerprint: bigint };
  durationMs: number;
  concurrency: number;
}

const job = workerData as Job;
const deadline = Date.now() + job.durationMs;
let offered = 0;
let served = 0;
let refused = 0;

/** Resolves true when the server accepted the socket (it stays open or is closed later with a FIN), false on a reset. */
function holdOpen(held: Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: job.port });
    let settled = false;
    const settle = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    socket.on('error', () => settle(false));
    socket.on('connect', () => {
      held.push(socket);
      // A refused socket is reset right after accept; give the reset one turn of the loop to arrive.
      setTimeout(() => settle(!socket.destroyed), 50);
    });
    socket.on('close', () => settle(false));
  });
}

async function connectionLoop(held: Socket[]): Promise<void> {
  while (Date.now() < deadline) {
    offered++;
    if (await holdOpen(held)) served++;
    else refused++;
  }
}

const publicKey: RsaPublicKey & { fingerprint: bigint } = { n: Buffer.from(job.publicKey.n), e: Buffer.from(job.publicKey.e), fingerprint: job.publicKey.fingerprint };
const dh = new DhServer();

async function handshakeLoop(): Promise<void> {
  while (Date.now() < deadline) {
    offered++;
    let client: EchoClient | undefined;
    try {
      client = await EchoClient.open({ host: '127.0.0.1', port: job.port, transport: 'intermediate' });
      await client.createAuthKey(publicKey, { dh });
      served++;
    } catch {
      refused++;
    } finally {
      client?.close();
    }
  }
}

const held: Socket[] = [];
await Promise.all(Array.from({ length: job.concurrency }, () => (job.mode === 'connections' ? connectionLoop(held) : handshakeLoop())));
for (const s of held) s.destroy();
parentPort!.postMessage({ offered, served, refused });
