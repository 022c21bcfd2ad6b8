// Upload and download throughput through the MTProto API (Echo's own client, TCP intermediate, 512 KiB
// parts, 1 MiB download windows), for one client and for 50 concurrent clients, and the server's RSS while
// one client uploads and sends a 1 GB file (parts go to disk and are streamed into the blob store, so it
// must stay flat). Writes bench/results/media.json and the README's media block.
//   npm run bench media        (BENCH_MEDIA_MB, BENCH_MEDIA_CLIENTS, BENCH_MEDIA_CLIENT_MB, BENCH_MEDIA_BIG_MB to adjust)
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchod } from '../test/support/echod.js';
import { readRsaPublicKey } from '../test/support/rsa-public.js';
import { DhServer } from '../src/mtproto/crypto/dh.js';
import type { EchoClient } from '../src/client/mtproto-client.js';
import type { TlObject } from '../src/tl/index.js';
import { connectAccount, type BenchTarget } from './lib/bench-accounts.js';
import { machineInfo } from './lib/machine.js';
import { rssOf, writeReadmeBlock } from './lib/readme-block.js';

const MB = 1024 * 1024;
const PART = 512 * 1024;
const SINGLE_MB = Number(process.env.BENCH_MEDIA_MB ?? 128);
const CLIENTS = Number(process.env.BENCH_MEDIA_CLIENTS ?? 50);
const CLIENT_MB = Number(process.env.BENCH_MEDIA_CLIENT_MB ?? 8);
const BIG_MB = Number(process.env.BENCH_MEDIA_BIG_MB ?? 1024);
/** Requests in flight per client, as real clients keep a small queue (core.telegram.org/api/files). */
const IN_FLIGHT = 4;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const echod = await startEchod({ env: { ECHO_FIXED_CODE: '12345', ECHO_HANDSHAKE_RATE: '0', ECHO_AUTH_KEYS_PER_ADDRESS_PER_HOUR: '0', ECHO_MAX_CONNECTIONS_PER_ADDRESS: '100000', ECHO_RPC_RATES: '0', ECHO_UPLOAD_RATE: '0', ECHO_LOG_LEVEL: 'info' }, readyTimeoutMs: 60_000 });

/** Runs `count` jobs with at most `limit` at once. */
async function pool(count: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** Uploads `mb` MiB of one random 512 KiB block (the server cannot tell) and returns the InputFile. */
async function upload(client: EchoClient, mb: number, onPart?: () => void): Promise<TlObject> {
  const parts = Math.ceil((mb * MB) / PART);
  const fileId = randomBytes(8).readBigInt64LE();
  const block = randomBytes(PART);
  await pool(parts, IN_FLIGHT, async (i) => {
    await client.invoke({ _: 'upload.saveBigFilePart', fileId, filePart: i, fileTotalParts: parts, bytes: block } as TlObject, 60_000);
    onPart?.();
  });
  return { _: 'inputFileBig', id: fileId, parts, name: 'bench.bin' } as TlObject;
}

/** Sends the upload to Saved Messages and returns the document. */
async function send(client: EchoClient, file: TlObject): Promise<any> {
  const res: any = await client.invoke(
    { _: 'messages.sendMedia', peer: { _: 'inputPeerSelf' }, media: { _: 'inputMediaUploadedDocument', file, mimeType: 'application/octet-stream', attributes: [] }, message: '', randomId: randomBytes(8).readBigInt64LE() } as TlObject,
    600_000,
  );
  const msg = res.updates.find((u: any) => u._ === 'updateNewMessage').message;
  return msg.media.document;
}

async function download(client: EchoClient, doc: any): Promise<number> {
  const size = Number(doc.size);
  let got = 0;
  const location = { _: 'inputDocumentFileLocation', id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' };
  await pool(Math.ceil(size / MB), IN_FLIGHT, async (i) => {
    const res: any = await client.invoke({ _: 'upload.getFile', location, offset: BigInt(i * MB), limit: MB } as TlObject, 60_000);
    got += res.bytes.length;
  });
  if (got !== size) throw new Error(`downloaded ${got} of ${size} bytes`);
  return got;
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

try {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  const target: BenchTarget = { port: echod.tcpPorts[0]!, publicKey: { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint }, fixedCode: '12345' };
  const dh = new DhServer();
  const clients: EchoClient[] = [];
  await pool(CLIENTS, 8, async (i) => {
    clients[i] = (await connectAccount(target, i, undefined, dh)).client;
  });
  const one = clients[0]!;

  // One client.
  let t = Date.now();
  const file = await upload(one, SINGLE_MB);
  const uploadS = (Date.now() - t) / 1000;
  t = Date.now();
  const doc = await send(one, file);
  const assembleS = (Date.now() - t) / 1000;
  t = Date.now();
  await download(one, doc);
  const downloadS = (Date.now() - t) / 1000;
  const single = { mb: SINGLE_MB, uploadMBps: round(SINGLE_MB / uploadS), downloadMBps: round(SINGLE_MB / downloadS), sendMediaSeconds: round(assembleS, 2) };
  console.log(`1 client, ${SINGLE_MB} MiB: upload ${single.uploadMBps} MB/s, download ${single.downloadMBps} MB/s, sendMedia (assembly) ${single.sendMediaSeconds} s`);

  // Many clients at once.
  t = Date.now();
  const docs = await Promise.all(clients.map(async (c) => send(c, await upload(c, CLIENT_MB))));
  const manyUploadS = (Date.now() - t) / 1000;
  t = Date.now();
  await Promise.all(clients.map((c, i) => download(c, docs[i])));
  const manyDownloadS = (Date.now() - t) / 1000;
  const many = { clients: CLIENTS, mbEach: CLIENT_MB, uploadMBps: round((CLIENTS * CLIENT_MB) / manyUploadS), downloadMBps: round((CLIENTS * CLIENT_MB) / manyDownloadS) };
  console.log(`${CLIENTS} clients x ${CLIENT_MB} MiB: upload+send ${many.uploadMBps} MB/s, download ${many.downloadMBps} MB/s (aggregate)`);

  // RSS during a 1 GB upload and its assembly.
  const samples: number[] = [];
  const sample = () => samples.push(rssOf(echod.pid!));
  const rssBefore = rssOf(echod.pid!);
  const timer = setInterval(sample, 200);
  t = Date.now();
  const bigFile = await upload(one, BIG_MB);
  const bigUploadS = (Date.now() - t) / 1000;
  const rssAfterUpload = rssOf(echod.pid!);
  await send(one, bigFile);
  clearInterval(timer);
  sample();
  const rss = {
    mb: BIG_MB,
    uploadMBps: round(BIG_MB / bigUploadS),
    beforeMiB: round(rssBefore / MB, 0),
    maxMiB: round(Math.max(...samples) / MB, 0),
    afterUploadMiB: round(rssAfterUpload / MB, 0),
    afterSendMiB: round(samples[samples.length - 1]! / MB, 0),
    samples: samples.length,
  };
  console.log(`${BIG_MB} MiB upload: server RSS ${rss.beforeMiB} MiB before, max ${rss.maxMiB} MiB, ${rss.afterSendMiB} MiB after sendMedia (${rss.samples} samples)`);

  for (const c of clients) c.close();
  const result = { benchmark: 'media', date: new Date().toISOString(), machine: machineInfo(), settings: { partSize: PART, downloadLimit: MB, inFlightPerClient: IN_FLIGHT, transport: 'tcp/intermediate', blobStore: 'disk' }, single, many, rss };
  const out = join(root, 'bench/results/media.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const m = result.machine;
  writeReadmeBlock(
    join(root, 'README.md'),
    'media',
    `Files (\`npm run bench media\`, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}; the load generator shares the machine and does its own MTProto encryption):

| | upload | download |
| --- | --- | --- |
| 1 client, ${single.mb} MiB | ${single.uploadMBps} MB/s | ${single.downloadMBps} MB/s |
| ${many.clients} clients x ${many.mbEach} MiB (aggregate) | ${many.uploadMBps} MB/s | ${many.downloadMBps} MB/s |

Server RSS during a ${rss.mb} MiB upload and send: ${rss.beforeMiB} MiB before, at most ${rss.maxMiB} MiB, ${rss.afterSendMiB} MiB after (parts on disk, assembly streamed).`,
  );
} finally {
  await echod.dispose();
}
