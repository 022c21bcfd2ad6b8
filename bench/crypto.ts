// Crypto micro-benchmark: MTProto 2.0 message encryption/decryption of a 200-byte message on the server side, and
// AES-256-IGE throughput on 64 KiB. Prints a table and writes bench/results/crypto.json.
// Run: node scripts/build.mjs --quiet && node dist/bench/crypto.js
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeAuthKey } from '../src/mtproto/crypto/auth-key.js';
import { aesIgeDecrypt, aesIgeEncrypt } from '../src/mtproto/crypto/ige.js';
import { decryptMessage, encryptMessage } from '../src/mtproto/crypto/message.js';

const ROUNDS = 5;

/** Median over ROUNDS of the mean time per op, each round running for about `roundMs`. */
function measure(fn: () => void, roundMs = 200): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < roundMs * 1e6) {
      for (let i = 0; i < 50; i++) fn();
      ops += 50;
      elapsed = Number(process.hrtime.bigint() - start);
    }
    samples.push(elapsed / 1e3 / ops);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const authKey = makeAuthKey(randomBytes(256));
const message = Buffer.concat([randomBytes(28), Buffer.from([168, 0, 0, 0]), randomBytes(168)]); // 200 bytes
const clientPacket = encryptMessage(authKey, message, 'client', randomBytes);

const encryptUs = measure(() => encryptMessage(authKey, message, 'server', randomBytes));
const decryptUs = measure(() => decryptMessage(authKey, clientPacket, 'client'));

const big = randomBytes(64 * 1024);
const key = randomBytes(32);
const iv = randomBytes(32);
const bigCipher = aesIgeEncrypt(big, key, iv);
const igeEncUs = measure(() => aesIgeEncrypt(big, key, iv), 300);
const igeDecUs = measure(() => aesIgeDecrypt(bigCipher, key, iv), 300);
const mbps = (us: number) => big.length / us; // bytes per µs = MB/s

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  os: `${platform()} ${release()}`,
};
const results = {
  machine,
  message200: { encryptServerUs: encryptUs, decryptServerUs: decryptUs },
  ige64k: { encryptMBps: mbps(igeEncUs), decryptMBps: mbps(igeDecUs) },
  method: `median of ${ROUNDS} rounds, 200 B message includes 12..27 B padding and key derivation`,
  at: new Date().toISOString(),
};

console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}`);
console.table({
  'encryptMessage 200 B (server -> client)': { value: encryptUs.toFixed(2), unit: 'µs/msg' },
  'decryptMessage 200 B (client -> server)': { value: decryptUs.toFixed(2), unit: 'µs/msg' },
  'AES-256-IGE encrypt 64 KiB': { value: mbps(igeEncUs).toFixed(0), unit: 'MB/s' },
  'AES-256-IGE decrypt 64 KiB': { value: mbps(igeDecUs).toFixed(0), unit: 'MB/s' },
});

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'crypto.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`written ${out}`);
