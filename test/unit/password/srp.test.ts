import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Api, helpers } from 'telegram';
import { computeCheck, computeDigest } from 'telegram/Password.js';
import { SRP_G, SRP_PRIME, SrpServer, isValidVerifier, padNumber } from '../../../src/service/password/srp.js';
import { DhServer, isGoodDhValue } from '../../../src/mtproto/crypto/dh.js';
import { seededRandom } from '../crypto/helpers.js';
import { G, P, big, bytes256, clientProof, modPow, verifierFor } from './srp-client.js';

const random = seededRandom('srp');
const salt1 = Buffer.concat([random(8), random(32)]);
const salt2 = random(16);
const verifier = verifierFor('correct horse', salt1, salt2);
const server = new SrpServer();

function exchange() {
  const { b, B } = server.createEphemeral(verifier, random);
  return { b, B, a: big(random(256)) };
}

test('the SRP group is the 2048-bit DH prime with g = 3', () => {
  assert.equal(SRP_G, 3);
  assert.equal(big(SRP_PRIME), P);
});

test('createEphemeral: B = k*v + g^b mod p, with g^b a safe DH value', () => {
  for (let i = 0; i < 3; i++) {
    const { b, B } = server.createEphemeral(verifier, random);
    assert.equal(b.length, 256);
    assert.equal(B.length, 256);
    const k = big(createHash('sha256').update(SRP_PRIME).update(bytes256(G)).digest());
    const gb = modPow(G, big(b), P);
    assert.equal(big(B), (k * big(verifier) + gb) % P);
    assert.ok(isGoodDhValue(bytes256(gb)));
  }
});

test('a proof computed from the spec with the right password verifies', () => {
  const { b, B, a } = exchange();
  const { A, M1 } = clientProof('correct horse', salt1, salt2, B, a);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1 }), true);
});

test('a proof with a wrong password does not verify', () => {
  const { b, B, a } = exchange();
  const { A, M1 } = clientProof('wrong horse', salt1, salt2, B, a);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1 }), false);
});

test('a proof made for another exchange (other B, other b) does not verify', () => {
  const first = exchange();
  const second = exchange();
  const { A, M1 } = clientProof('correct horse', salt1, salt2, first.B, first.a);
  assert.equal(server.verify({ verifier, salt1, salt2, b: second.b, B: second.B, A, M1 }), false);
  assert.equal(server.verify({ verifier, salt1, salt2, b: second.b, B: first.B, A, M1 }), false);
});

test('a tampered or mis-sized M1, or other salts, do not verify', () => {
  const { b, B, a } = exchange();
  const { A, M1 } = clientProof('correct horse', salt1, salt2, B, a);
  const flipped = Buffer.from(M1);
  flipped[0] = flipped[0]! ^ 1;
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1: flipped }), false);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1: M1.subarray(0, 31) }), false);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1: Buffer.concat([M1, Buffer.alloc(1)]) }), false);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A, M1: Buffer.alloc(0) }), false);
  assert.equal(server.verify({ verifier, salt1: salt2, salt2: salt1, b, B, A, M1 }), false);
});

test('A without leading zeros (shorter than 256 bytes) is read as the same number', () => {
  // Native DH finds a client secret whose A = g^a has a leading zero byte (1 in 256) far faster than BigInt.
  const dh = new DhServer();
  for (let i = 0; i < 5000; i++) {
    const aBytes = random(256);
    if (dh.createExchange(aBytes)[0] !== 0) continue;
    const { b, B } = server.createEphemeral(verifier, random);
    const { A, M1 } = clientProof('correct horse', salt1, salt2, B, big(aBytes));
    assert.equal(A[0], 0);
    assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: A.subarray(1), M1 }), true);
    return;
  }
  assert.fail('no A with a leading zero byte found');
});

test('degenerate A values are refused whatever M1 says', () => {
  const { b, B } = exchange();
  // With A = 0 (mod p) the shared secret is 0 for any password: M1 computed from S = 0 must still fail.
  const K0 = createHash('sha256').update(Buffer.alloc(256)).digest();
  const hp = createHash('sha256').update(SRP_PRIME).digest();
  const hg = createHash('sha256').update(bytes256(G)).digest();
  const pXorG = Buffer.from(hp.map((x, i) => x ^ hg[i]!));
  const h = (x: Buffer) => createHash('sha256').update(x).digest();
  for (const A of [0n, 1n, P - 1n, P, P + 1n, 2n * P]) {
    const Abytes = A < 1n << 2048n ? bytes256(A) : Buffer.from(A.toString(16).padStart(514, '0'), 'hex');
    const M1 = createHash('sha256').update(pXorG).update(h(salt1)).update(h(salt2)).update(padNumber(Abytes) ?? Abytes).update(B).update(K0).digest();
    assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: Abytes, M1 }), false, `A = ${A === 0n ? '0' : A === 1n ? '1' : 'p-ish'}`);
  }
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: Buffer.alloc(257, 1), M1: Buffer.alloc(32) }), false);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: Buffer.alloc(0), M1: Buffer.alloc(32) }), false);
});

test('isValidVerifier accepts only 1 < v < p - 1 in at most 256 bytes', () => {
  assert.equal(isValidVerifier(verifier), true);
  assert.equal(isValidVerifier(bytes256(2n)), true);
  assert.equal(isValidVerifier(Buffer.from([2])), true);
  for (const v of [0n, 1n, P - 1n, P, P + 5n]) assert.equal(isValidVerifier(bytes256(v)), false);
  assert.equal(isValidVerifier(Buffer.alloc(0)), false);
  assert.equal(isValidVerifier(Buffer.concat([Buffer.alloc(1), bytes256(2n)])), false);
});

test('GramJS: its computeDigest is our verifier and its computeCheck proof verifies', async () => {
  const algo = new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1, salt2, g: SRP_G, p: SRP_PRIME });
  const digest = await computeDigest(algo, 'correct horse');
  assert.deepEqual(Buffer.from(digest), verifier);

  const { b, B } = server.createEphemeral(verifier, random);
  const request = new Api.account.Password({
    hasPassword: true,
    currentAlgo: algo,
    srp_B: B,
    srpId: helpers.returnBigInt(42),
    newAlgo: algo,
    newSecureAlgo: new Api.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000({ salt: random(8) }),
    secureRandom: random(256),
  });
  const good = (await computeCheck(request, 'correct horse')) as Api.InputCheckPasswordSRP;
  assert.equal(good.className, 'InputCheckPasswordSRP');
  assert.ok(good instanceof Api.InputCheckPasswordSRP);
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: Buffer.from(good.A), M1: Buffer.from(good.M1) }), true);
  const bad = (await computeCheck(request, 'Correct horse')) as Api.InputCheckPasswordSRP;
  assert.equal(server.verify({ verifier, salt1, salt2, b, B, A: Buffer.from(bad.A), M1: Buffer.from(bad.M1) }), false);
});
