import { generateKeyPairSync } from 'node:crypto';
import { NodeCryptoProvider, parsePublicKey } from '@mtcute/node/utils.js';
import { readRsaPublicKey } from './dist-scratch/rsa-public.js';
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const c = new NodeCryptoProvider();
await c.initialize?.();
const p = parsePublicKey(c, publicKey);
const mine = readRsaPublicKey(publicKey);
console.log(p.fingerprint, BigInt.asUintN(64, mine.fingerprint).toString(16), p.modulus.length, p.exponent);
