import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, getDiffieHellman } from 'node:crypto';
import { isGoodDhPrime } from '../../../src/mtproto/handshake/client-handshake.js';
import { bigIntToBytes, bytesToBigInt, retryIdOf } from '../../../src/mtproto/handshake/handshake-crypto.js';
import type { HandshakeStep, ServerHandshake } from '../../../src/mtproto/handshake/server-handshake.js';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { DH_PRIME } from '../../../src/mtproto/crypto/dh.js';
import { encodeObject, type Obj, type TlObject } from '../../../src/tl/index.js';
import {
  DH,
  NOW,
  RSA_KEY,
  craftReqDhParams,
  craftSetClientDhParams,
  last,
  makeClient,
  makeServer,
  runHandshake,
  seededRandom,
  wire,
} from './helpers.js';

const PRIME = bytesToBigInt(DH_PRIME);
const nonce = Buffer.alloc(16, 0x5a);

function assertFailed(step: HandshakeStep, reason: RegExp, transportError = -404): void {
  assert.ok(step.error, `expected an error, got ${JSON.stringify(step.reply?._)}`);
  assert.match(step.error, reason);
  assert.equal(step.transportError, transportError);
  assert.equal(step.completed, undefined);
  assert.equal(step.reply, undefined);
}

/** req_pq_multi by hand; returns the server's resPQ. */
function reqPq(server: ServerHandshake, n: Buffer = nonce): Obj<'resPQ'> {
  const step = server.handle({ _: 'req_pq_multi', nonce: n });
  assert.equal(step.reply?._, 'resPQ');
  return wire(step.reply as Obj<'resPQ'>);
}

/** Runs the exchange by hand up to server_DH_params_ok; returns what a client needs to forge the last step. */
function upToSetClientDh(server: ServerHandshake): { res: Obj<'resPQ'>; newNonce: Buffer } {
  const res = reqPq(server);
  const { request, newNonce } = craftReqDhParams(res);
  const step = server.handle(wire(request));
  assert.equal(step.reply?._, 'server_DH_params_ok', step.error);
  return { res, newNonce };
}

// ---- successful exchanges ----

for (const padding of ['rsa_pad', 'legacy'] as const) {
  for (const innerData of ['plain', 'dc', 'temp', 'temp_dc'] as const) {
    test(`handshake: ${padding} padding with ${innerData} inner data gives both sides the same key`, () => {
      const server = makeServer();
      const client = makeClient({ padding, innerData, expiresIn: 3600 });
      const log = runHandshake(server, client);
      const s = last(log.server).completed;
      const c = last(log.client).completed;
      assert.ok(s, last(log.server).error);
      assert.ok(c, last(log.client).error);
      assert.equal(last(log.server).reply?._, 'dh_gen_ok');
      assert.equal(s.authKey.length, 256);
      assert.deepEqual(c.authKey, s.authKey);
      assert.equal(s.authKeyId, makeAuthKey(s.authKey).id);
      assert.equal(c.authKeyId, s.authKeyId);
      assert.equal(c.serverSalt, s.serverSalt);
      assert.equal(c.timeOffset, 0);
      assert.equal(s.dcId, 2);
      assert.equal(s.media, false);
      const temp = innerData.startsWith('temp');
      assert.equal(s.kind, temp ? 'temp' : 'perm');
      assert.equal(s.expiresIn, temp ? 3600 : undefined);
      assert.equal(s.variant, { plain: 'p_q_inner_data', dc: 'p_q_inner_data_dc', temp: 'p_q_inner_data_temp', temp_dc: 'p_q_inner_data_temp_dc' }[innerData]);
      assert.equal(server.stage, 'idle');
    });
  }
}

test('handshake: the old req_pq works like req_pq_multi', () => {
  const server = makeServer();
  const log = runHandshake(server, makeClient({ legacyReqPq: true }));
  assert.ok(last(log.server).completed);
  assert.deepEqual(last(log.client).completed?.authKey, last(log.server).completed?.authKey);
});

test('handshake: the client computes g_b and the key with BigInt when no native DH object is given', () => {
  const server = makeServer();
  const log = runHandshake(server, makeClient({ dh: undefined, innerData: 'temp_dc' }));
  assert.deepEqual(last(log.client).completed?.authKey, last(log.server).completed?.authKey);
});

test('handshake: time offset is server_time minus the client clock', () => {
  const log = runHandshake(makeServer(), makeClient({ now: () => NOW - 42_500 }));
  assert.equal(last(log.client).completed?.timeOffset, 43);
});

test('handshake: a media DC key (negative dc) and a test server (dc + 10000) are accepted', () => {
  const media = runHandshake(makeServer(), makeClient({ innerData: 'temp_dc', media: true }));
  assert.equal(last(media.server).completed?.media, true);
  const testDc = runHandshake(makeServer({ testMode: true }), makeClient({ innerData: 'dc', testMode: true, media: true }));
  assert.equal(last(testDc.server).completed?.kind, 'perm');
  assert.equal(last(testDc.server).completed?.media, true);
});

test('handshake: temp key lifetime is capped, not refused', () => {
  const log = runHandshake(makeServer(), makeClient({ innerData: 'temp_dc', expiresIn: 30 * 24 * 3600 }));
  assert.equal(last(log.server).completed?.expiresIn, 24 * 3600);
  const custom = runHandshake(makeServer({ maxTempKeyLifetime: 600 }), makeClient({ innerData: 'temp', expiresIn: 3600 }));
  assert.equal(last(custom.server).completed?.expiresIn, 600);
});

test('handshake: one connection runs a permanent then a temporary exchange', () => {
  const server = makeServer();
  const perm = runHandshake(server, makeClient({ innerData: 'dc', random: seededRandom('perm') }));
  const temp = runHandshake(server, makeClient({ innerData: 'temp_dc', random: seededRandom('temp') }));
  const a = last(perm.server).completed;
  const b = last(temp.server).completed;
  assert.equal(a?.kind, 'perm');
  assert.equal(b?.kind, 'temp');
  assert.notDeepEqual(a?.authKey, b?.authKey);
  assert.deepEqual(last(temp.client).completed?.authKey, b?.authKey);
});

test('handshake: identical repeated requests get the same reply again (lost responses)', () => {
  const server = makeServer();
  const client = makeClient();
  const req = client.start();
  const first = server.handle(wire(req));
  assert.deepEqual(server.handle(wire(req)), first);
  const reqDh = client.handle(wire(first.reply!)).request!;
  const dhOk = server.handle(wire(reqDh));
  assert.equal(dhOk.reply?._, 'server_DH_params_ok');
  assert.deepEqual(encodeObject(server.handle(wire(reqDh)).reply!), encodeObject(dhOk.reply!));
  const setDh = client.handle(wire(dhOk.reply!)).request!;
  const done = server.handle(wire(setDh));
  assert.ok(done.completed);
  assert.ok(client.handle(wire(done.reply!)).completed);
});

test('handshake: a new req_pq_multi abandons the exchange in progress and starts over', () => {
  const server = makeServer();
  upToSetClientDh(server);
  assert.equal(server.stage, 'dh');
  const log = runHandshake(server, makeClient({ random: seededRandom('second') }));
  assert.ok(last(log.server).completed);
});

test('handshake: resPQ carries a fresh server_nonce and pq each time', () => {
  const server = makeServer();
  const a = reqPq(server, Buffer.alloc(16, 1));
  const b = reqPq(server, Buffer.alloc(16, 2));
  assert.notDeepEqual(a.serverNonce, b.serverNonce);
  assert.notDeepEqual(a.pq, b.pq);
  assert.deepEqual(a.serverPublicKeyFingerprints, [RSA_KEY.fingerprint]);
  assert.equal(a.pq.length, 8);
});

test('handshake: dh_gen_retry when the key id is taken, then success with retry_id = aux hash', () => {
  let calls = 0;
  const seen: bigint[] = [];
  const server = makeServer({
    keyExists: (id) => {
      seen.push(id);
      return calls++ === 0;
    },
  });
  const client = makeClient();
  const log = runHandshake(server, client);
  assert.deepEqual(
    log.server.map((s) => s.reply?._),
    ['resPQ', 'server_DH_params_ok', 'dh_gen_retry', 'dh_gen_ok'],
  );
  const done = last(log.server).completed;
  assert.ok(done);
  assert.deepEqual(last(log.client).completed?.authKey, done.authKey);
  assert.equal(seen.length, 2);
  assert.notEqual(seen[0], seen[1]);
});

test('handshake: a retried set_client_DH_params must carry the aux hash of the rejected key', () => {
  const server = makeServer({ keyExists: () => true });
  const { res, newNonce } = upToSetClientDh(server);
  const gB = bigIntToBytes(PRIME / 3n, 256);
  const retry = server.handle(wire(craftSetClientDhParams(res.nonce, res.serverNonce, newNonce, { gB })));
  assert.equal(retry.reply?._, 'dh_gen_retry');
  assertFailed(server.handle(wire(craftSetClientDhParams(res.nonce, res.serverNonce, newNonce, { gB, retryId: 0n }))), /retry_id 0 where/);
});

test('handshake: after repeated collisions the server answers dh_gen_fail and the client gives up', () => {
  const server = makeServer({ keyExists: () => true });
  const log = runHandshake(server, makeClient());
  assert.deepEqual(
    log.server.map((s) => s.reply?._),
    ['resPQ', 'server_DH_params_ok', 'dh_gen_retry', 'dh_gen_retry', 'dh_gen_retry', 'dh_gen_fail'],
  );
  assert.ok(log.server.every((s) => !s.completed));
  assert.match(last(log.client).error ?? '', /dh_gen_fail/);
  assert.equal(server.stage, 'idle');
});

test('handshake: plain-text msgs_ack is tolerated without a reply', () => {
  assert.deepEqual(makeServer().handle({ _: 'msgs_ack', msgIds: [1n] } as TlObject), {});
});

// ---- bad input: req_pq / ordering ----

test('handshake bad input: unexpected objects and out-of-order requests', () => {
  assertFailed(makeServer().handle({ _: 'ping', pingId: 1n } as TlObject), /unexpected ping/);
  assertFailed(makeServer().handle({ _: 'req_pq_multi', nonce: Buffer.alloc(15) }), /nonce is not 16 bytes/);

  const res = reqPq(makeServer());
  const { request } = craftReqDhParams(res);
  assertFailed(makeServer().handle(wire(request)), /req_DH_params without a preceding req_pq/);

  const fresh = makeServer();
  const setDh = craftSetClientDhParams(nonce, res.serverNonce, Buffer.alloc(32), { gB: bigIntToBytes(PRIME / 3n, 256) });
  assertFailed(fresh.handle(wire(setDh)), /set_client_DH_params without a preceding req_DH_params/);
  const afterPq = makeServer();
  reqPq(afterPq);
  assertFailed(afterPq.handle(wire(setDh)), /set_client_DH_params without a preceding req_DH_params/);
});

test('handshake bad input: req_DH_params and set_client_DH_params replayed after completion', () => {
  const server = makeServer();
  const client = makeClient();
  const requests: TlObject[] = [];
  let req: TlObject | undefined = client.start();
  while (req) {
    requests.push(req);
    const step = server.handle(wire(req));
    req = step.completed ? undefined : client.handle(wire(step.reply!)).request;
  }
  assert.equal(requests.length, 3);
  assertFailed(server.handle(wire(requests[1]!)), /req_DH_params replayed after the key exchange completed/);
  assertFailed(server.handle(wire(requests[2]!)), /set_client_DH_params replayed after the key exchange completed/);
});

test('handshake bad input: a second, different req_DH_params in the same exchange', () => {
  const server = makeServer();
  const res = reqPq(server);
  assert.equal(server.handle(wire(craftReqDhParams(res).request)).reply?._, 'server_DH_params_ok');
  assertFailed(server.handle(wire(craftReqDhParams(res, { random: seededRandom('other') }).request)), /repeated with different content/);
});

// ---- bad input: req_DH_params ----

const reqDhCases: [string, (res: Obj<'resPQ'>) => Parameters<typeof craftReqDhParams>[1], RegExp, number?][] = [
  ['wrong nonce', () => ({ outer: { nonce: Buffer.alloc(16, 7) } }), /req_DH_params nonce does not match/],
  ['wrong server_nonce', () => ({ outer: { serverNonce: Buffer.alloc(16, 7) } }), /req_DH_params server_nonce does not match/],
  ['unknown fingerprint', () => ({ outer: { publicKeyFingerprint: RSA_KEY.fingerprint ^ 1n } }), /unknown public key fingerprint/],
  ['p and q swapped', () => ({}), /p and q are not the factors/],
  ['p off by two', () => ({}), /p and q are not the factors/],
  ['p longer than 64 bits', () => ({ outer: { p: Buffer.alloc(9, 1) } }), /longer than 64 bits/],
  ['inner nonce mismatch', () => ({ inner: { nonce: Buffer.alloc(16, 7) } }), /p_q_inner_data nonce does not match/],
  ['inner nonce mismatch (legacy padding)', () => ({ padding: 'legacy', inner: { nonce: Buffer.alloc(16, 7) } }), /p_q_inner_data nonce does not match/],
  ['inner server_nonce mismatch', () => ({ inner: { serverNonce: Buffer.alloc(16, 7) } }), /server_nonce does not match resPQ/],
  ['inner pq differs', () => ({ inner: { pq: Buffer.from('17ed48941a08f981', 'hex') } }), /pq differs/],
  ['inner p and q swapped', (res) => ({ inner: { p: craftReqDhParams(res).request.q, q: craftReqDhParams(res).request.p } }), /p and q differ/],
  ['wrong dc', () => ({ variant: 'p_q_inner_data_dc', inner: { dc: 3 } }), /dc 3 is not this server's DC/],
  ['dc 0', () => ({ variant: 'p_q_inner_data_temp_dc', inner: { dc: 0 } }), /dc 0 is not this server's DC/],
  ['test dc on a production server', () => ({ variant: 'p_q_inner_data_dc', inner: { dc: 10002 } }), /dc 10002 is a test DC id/, -444],
  ['temp key with expires_in 0', () => ({ variant: 'p_q_inner_data_temp_dc', inner: { expiresIn: 0 } }), /expires_in must be positive/],
  ['temp key with negative expires_in', () => ({ variant: 'p_q_inner_data_temp', inner: { expiresIn: -5 } }), /expires_in must be positive/],
];

for (const [name, opts, reason, code] of reqDhCases) {
  test(`handshake bad input: req_DH_params with ${name}`, () => {
    const server = makeServer();
    const res = reqPq(server);
    const { request } = craftReqDhParams(res, opts(res));
    if (name === 'p and q swapped') [request.p, request.q] = [request.q, request.p];
    if (name === 'p off by two') request.p = bigIntToBytes(bytesToBigInt(request.p) + 2n, 4);
    assertFailed(server.handle(wire(request)), reason, code);
  });
}

test('handshake bad input: production DC id sent to a test server', () => {
  const server = makeServer({ testMode: true });
  const res = reqPq(server);
  assertFailed(server.handle(wire(craftReqDhParams(res, { variant: 'p_q_inner_data_dc', inner: { dc: 2 } }).request)), /dc 2 is a production DC id/, -444);
});

test('handshake bad input: corrupted or oversized encrypted_data', () => {
  for (const mutate of [
    (b: Buffer) => { b[100] = b[100]! ^ 0x01; return b; },
    (b: Buffer) => Buffer.concat([b, Buffer.of(1)]),
    (b: Buffer) => b.subarray(0, 200),
    () => Buffer.alloc(0),
    () => Buffer.alloc(256, 0xff),
  ]) {
    const server = makeServer();
    const { request } = craftReqDhParams(reqPq(server));
    request.encryptedData = mutate(Buffer.from(request.encryptedData));
    assertFailed(server.handle(wire(request)), /neither RSA_PAD nor the legacy padding/);
  }
});

test('handshake bad input: encrypted_data that holds something other than p_q_inner_data', () => {
  const server = makeServer();
  const res = reqPq(server);
  const { request } = craftReqDhParams(res, { inner: { _: 'req_pq_multi' } });
  // craftReqDhParams keeps the extra fields; the constructor decides what the server sees.
  assertFailed(server.handle(wire(request)), /holds req_pq_multi, not p_q_inner_data/);
});

// ---- bad input: set_client_DH_params ----

const gBCases: [string, bigint][] = [
  ['g_b = 0', 0n],
  ['g_b = 1', 1n],
  ['g_b = p - 1', PRIME - 1n],
  ['g_b = p', PRIME],
  ['g_b just below 2^(2048-64)', (1n << 1984n) - 1n],
  ['g_b just above p - 2^(2048-64)', PRIME - (1n << 1984n) + 1n],
];

for (const [name, value] of gBCases) {
  test(`handshake bad input: set_client_DH_params with ${name}`, () => {
    const server = makeServer();
    const { res, newNonce } = upToSetClientDh(server);
    const gB = value === 0n ? Buffer.alloc(0) : bigIntToBytes(value, 256);
    assertFailed(server.handle(wire(craftSetClientDhParams(res.nonce, res.serverNonce, newNonce, { gB }))), /g_b is outside the safe range/);
  });
}

test('handshake bad input: set_client_DH_params with a g_b longer than 256 bytes', () => {
  const server = makeServer();
  const { res, newNonce } = upToSetClientDh(server);
  const gB = Buffer.concat([Buffer.alloc(1), bigIntToBytes(PRIME / 3n, 256)]);
  assertFailed(server.handle(wire(craftSetClientDhParams(res.nonce, res.serverNonce, newNonce, { gB }))), /g_b is outside the safe range/);
});

test('handshake bad input: set_client_DH_params checks', () => {
  const gB = bigIntToBytes(PRIME / 3n, 256);
  const cases: [string, (res: Obj<'resPQ'>, newNonce: Buffer) => TlObject, RegExp][] = [
    ['wrong SHA1 over client_DH_inner_data', (r, n) => craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB, corruptHash: true }), /SHA1 of the encrypted inner data does not match/],
    ['inner nonce mismatch', (r, n) => craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB, innerNonce: Buffer.alloc(16, 9) }), /client_DH_inner_data nonce does not match/],
    ['inner server_nonce mismatch', (r, n) => craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB, inner: { _: 'client_DH_inner_data', nonce: r.nonce, serverNonce: Buffer.alloc(16, 9), retryId: 0n, gB } as TlObject }), /client_DH_inner_data server_nonce does not match/],
    ['non-zero retry_id on the first attempt', (r, n) => craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB, retryId: 5n }), /retry_id 5 where 0 was expected/],
    ['outer nonce mismatch', (r, n) => ({ ...craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB }), nonce: Buffer.alloc(16, 9) }), /set_client_DH_params nonce does not match/],
    ['outer server_nonce mismatch', (r, n) => ({ ...craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB }), serverNonce: Buffer.alloc(16, 9) }), /set_client_DH_params server_nonce does not match/],
    ['encryption under another new_nonce', (r) => craftSetClientDhParams(r.nonce, r.serverNonce, Buffer.alloc(32, 3), { gB }), /client_DH_inner_data: /],
    ['encrypted_data not a multiple of 16 bytes', (r, n) => ({ ...craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB }), encryptedData: Buffer.alloc(100) }), /not a positive multiple of 16/],
    ['empty encrypted_data', (r, n) => ({ ...craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB }), encryptedData: Buffer.alloc(0) }), /not a positive multiple of 16/],
    ['another object inside', (r, n) => craftSetClientDhParams(r.nonce, r.serverNonce, n, { gB, inner: { _: 'req_pq_multi', nonce: r.nonce } }), /holds req_pq_multi, not client_DH_inner_data/],
  ];
  for (const [name, make, reason] of cases) {
    const server = makeServer();
    const { res, newNonce } = upToSetClientDh(server);
    const step = server.handle(wire(make(res, newNonce)));
    assert.ok(step.error, name);
    assertFailed(step, reason);
  }
});

test('handshake: a well-formed hand-made exchange succeeds (the forgeries above differ only in the broken field)', () => {
  const server = makeServer();
  const { res, newNonce } = upToSetClientDh(server);
  const gB = bigIntToBytes(PRIME / 3n, 256);
  const step = server.handle(wire(craftSetClientDhParams(res.nonce, res.serverNonce, newNonce, { gB })));
  assert.equal(step.reply?._, 'dh_gen_ok');
  assert.ok(step.completed);
  assert.equal(retryIdOf(step.completed.authKey), createHash('sha1').update(step.completed.authKey).digest().readBigInt64LE(0));
});

// ---- the client's own checks ----

test('client: refuses server answers that a careful client would', () => {
  const wrongNonce = makeClient();
  wrongNonce.start();
  assert.match(wrongNonce.handle({ _: 'resPQ', nonce: Buffer.alloc(16, 1), serverNonce: Buffer.alloc(16), pq: Buffer.alloc(8), serverPublicKeyFingerprints: [RSA_KEY.fingerprint] }).error ?? '', /resPQ nonce/);

  const server = makeServer();
  const noKey = makeClient();
  const res = server.handle(wire(noKey.start())).reply as Obj<'resPQ'>;
  assert.match(noKey.handle(wire({ ...res, serverPublicKeyFingerprints: [1n] })).error ?? '', /none of our public key fingerprints/);

  const tamper = (mutate: (reply: TlObject) => TlObject, at: 1 | 2, reason: RegExp): void => {
    const srv = makeServer();
    const cl = makeClient();
    let reply = srv.handle(wire(cl.start())).reply!;
    for (let i = 1; i < at; i++) reply = srv.handle(wire(cl.handle(wire(reply)).request!)).reply!;
    const req = cl.handle(wire(reply)).request!;
    const answer = srv.handle(wire(req)).reply!;
    const step = cl.handle(wire(mutate(answer)));
    assert.match(step.error ?? '', reason);
    assert.equal(step.completed, undefined);
  };
  tamper((r) => ({ ...r, nonce: Buffer.alloc(16, 1) }), 1, /server_DH_params_ok nonce/);
  tamper((r) => {
    const ok = r as Obj<'server_DH_params_ok'>;
    const enc = Buffer.from(ok.encryptedAnswer);
    enc[enc.length - 40] = enc[enc.length - 40]! ^ 1;
    return { ...ok, encryptedAnswer: enc };
  }, 1, /server_DH_inner_data/);
  tamper(() => ({ _: 'server_DH_params_fail', nonce, serverNonce: nonce, newNonceHash: nonce }), 1, /server_DH_params_fail/);
  tamper((r) => ({ ...r, newNonceHash1: Buffer.alloc(16) }), 2, /new_nonce_hash1 does not match/);
  tamper((r) => ({ ...r, _: 'dh_gen_retry', newNonceHash2: Buffer.alloc(16) }), 2, /new_nonce_hash2 does not match/);
});

test('client: dh prime and generator checks', () => {
  assert.equal(isGoodDhPrime(DH_PRIME, 3), true);
  assert.equal(isGoodDhPrime(DH_PRIME, 8), false);
  assert.equal(isGoodDhPrime(DH_PRIME, 1), false);
  assert.equal(isGoodDhPrime(PRIME >> 1n, 3), false, 'only 2047 bits');
  assert.equal(isGoodDhPrime(PRIME + 12n, 4), false, 'not prime');
  // RFC 3526 group 14: a 2048-bit safe prime other than Telegram's, p = 7 mod 8, so g = 2 generates the subgroup.
  const modp14 = getDiffieHellman('modp14').getPrime();
  assert.equal(isGoodDhPrime(modp14, 2), true);
  // The sanity of DH itself: the shared helper really is g^a.
  assert.deepEqual(DH.createExchange(Buffer.of(2)), bigIntToBytes(9n, 256));
});
