import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPrimeSync, createDiffieHellman } from 'node:crypto';
import { DH_G, DH_PRIME, DhServer, isGoodDhValue } from '../../../src/mtproto/crypto/dh.js';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import { factorizePq, generatePq } from '../../../src/mtproto/crypto/pq.js';
import { seededRandom } from './helpers.js';

const random = seededRandom('dh-pq');
const toBig = (b: Buffer): bigint => BigInt('0x' + b.toString('hex'));

test('DH_PRIME is a 2048-bit safe prime and g = 3', () => {
  assert.equal(DH_PRIME.length, 256);
  assert.ok(DH_PRIME[0]! >= 0x80);
  assert.equal(DH_G, 3);
  const p = toBig(DH_PRIME);
  assert.ok(checkPrimeSync(p));
  assert.ok(checkPrimeSync((p - 1n) / 2n));
});

test('DhServer: exchange values and the shared key agree with an independent DH object', () => {
  const server = new DhServer();
  const client = createDiffieHellman(DH_PRIME, Buffer.from([DH_G]));
  for (let i = 0; i < 2; i++) {
    const a = random(256);
    const b = random(256);
    const gA = server.createExchange(a);
    assert.equal(gA.length, 256);
    assert.ok(isGoodDhValue(gA));
    client.setPrivateKey(b);
    const gB = client.generateKeys();
    const serverKey = server.computeKey(a, gB);
    const clientKey = client.computeSecret(gA);
    assert.equal(serverKey.length, 256);
    assert.deepEqual(serverKey.subarray(256 - clientKey.length), clientKey);
  }
});

test('DhServer.computeKey rejects invalid public values', () => {
  const server = new DhServer();
  assert.throws(() => server.computeKey(random(256), Buffer.from([1])), CryptoError);
});

test('isGoodDhValue enforces 1 < v < p-1 and the 2^(2048-64) margins', () => {
  const p = toBig(DH_PRIME);
  const margin = 1n << 1984n;
  assert.equal(isGoodDhValue(0n), false);
  assert.equal(isGoodDhValue(1n), false);
  assert.equal(isGoodDhValue(2n), false);
  assert.equal(isGoodDhValue(margin - 1n), false);
  assert.equal(isGoodDhValue(margin), true);
  assert.equal(isGoodDhValue(p - margin), true);
  assert.equal(isGoodDhValue(p - margin + 1n), false);
  assert.equal(isGoodDhValue(p - 1n), false);
  assert.equal(isGoodDhValue(p), false);
  assert.equal(isGoodDhValue(Buffer.alloc(0)), false);
  assert.equal(isGoodDhValue(DH_PRIME), false);
  assert.equal(isGoodDhValue(p / 2n, DH_PRIME), true);
});

test('generatePq: distinct ~31-bit primes p < q, pq = p*q below 2^63, big-endian buffers', () => {
  for (let i = 0; i < 5; i++) {
    const { pq, p, q } = generatePq(random);
    assert.equal(pq.length, 8);
    assert.equal(p.length, 4);
    assert.equal(q.length, 4);
    const P = toBig(p);
    const Q = toBig(q);
    assert.ok(P < Q);
    assert.ok(P >= 1n << 30n && Q < 1n << 31n);
    assert.ok(checkPrimeSync(P) && checkPrimeSync(Q));
    assert.equal(toBig(pq), P * Q);
    assert.ok(toBig(pq) < 1n << 63n);
  }
});

test('factorizePq recovers the factors, including the sample from the auth key docs', () => {
  for (let i = 0; i < 3; i++) {
    const { pq, p, q } = generatePq(random);
    assert.deepEqual(factorizePq(pq), { p, q });
  }
  // core.telegram.org/mtproto/samples-auth_key: pq 17ED48941A08F981 = 494C553B * 53911073
  assert.deepEqual(factorizePq(Buffer.from('17ED48941A08F981', 'hex')), {
    p: Buffer.from('494C553B', 'hex'),
    q: Buffer.from('53911073', 'hex'),
  });
});

test('factorizePq rejects primes, tiny and oversized input', () => {
  assert.throws(() => factorizePq(Buffer.from('7fffffff', 'hex')), CryptoError); // 2^31 - 1 is prime
  assert.throws(() => factorizePq(Buffer.from([3])), CryptoError);
  assert.throws(() => factorizePq(Buffer.alloc(0)), CryptoError);
  assert.throws(() => factorizePq(Buffer.alloc(9, 1)), CryptoError);
});
