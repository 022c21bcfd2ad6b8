// Byte-exact checks against the docs' "Auth key generation example" (core.telegram.org/mtproto/samples-auth_key).
// The server's DH secret `a` is not published, so its g_a (and the auth key it leads to) cannot be reproduced; every
// other number is: framing, resPQ, tmp_aes_key/iv, both hash-and-encrypt steps, the client's g_b and auth key,
// new_nonce_hash1, and the server accepting the sample's set_client_DH_params byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePlainMessage, parsePlainMessage } from '../../../src/mtproto/plain-message.js';
import { ClientHandshake } from '../../../src/mtproto/handshake/client-handshake.js';
import {
  decryptWithHash,
  encryptWithHash,
  initialServerSalt,
  newNonceHash,
  tmpAesKeyIv,
} from '../../../src/mtproto/handshake/handshake-crypto.js';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { DH_PRIME } from '../../../src/mtproto/crypto/dh.js';
import { decryptInnerData, type ServerRsaKey } from '../../../src/mtproto/crypto/rsa.js';
import { decodeObject, encodeObject, type Obj, type Req } from '../../../src/tl/index.js';
import { DH, RSA_KEY, makeServer, scriptedRandom, seededRandom, wire } from './helpers.js';
import { SAMPLE, fingerprintOf, hex } from './sample-auth-key.js';

const nonce = hex(SAMPLE.nonce);
const serverNonce = hex(SAMPLE.serverNonce);
const newNonce = hex(SAMPLE.newNonce);
const sampleNow = SAMPLE.serverTime * 1000;
const [fpA, fpB, fpC] = SAMPLE.fingerprints.map(fingerprintOf) as [bigint, bigint, bigint];

/** The body of one of the sample's unencrypted messages (server ones have wrong length fields, see the data file). */
const bodyOf = (message: string): Buffer => hex(message).subarray(20);
const u32be = (v: bigint): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(Number(v));
  return b;
};

test('sample: req_pq_multi message framing, both ways', () => {
  const packet = hex(SAMPLE.reqPqMultiMessage);
  const parsed = parsePlainMessage(packet);
  assert.equal(parsed.msgId, 0x65c53d50000672d4n);
  assert.deepEqual(decodeObject(parsed.body), { _: 'req_pq_multi', nonce });
  assert.deepEqual(encodePlainMessage(parsed.msgId, encodeObject({ _: 'req_pq_multi', nonce })), packet);
});

test('sample: client messages parse with their msg_ids', () => {
  assert.equal(parsePlainMessage(hex(SAMPLE.reqDhParamsMessage)).msgId, 0x65c53d50000672d8n);
  assert.equal(parsePlainMessage(hex(SAMPLE.setClientDhParamsMessage)).msgId, 0x65c53d5100075c18n);
});

test('sample: the server emits resPQ byte for byte given the sample randomness', () => {
  // Only the fingerprints of these stand-in keys are used by req_pq.
  const keys = [fpA, fpB, fpC].map((fingerprint) => ({ ...RSA_KEY, fingerprint }) as ServerRsaKey);
  const random = scriptedRandom([serverNonce, u32be(SAMPLE.p), u32be(SAMPLE.q)], seededRandom('unused'));
  const server = makeServer({ rsaKeys: keys, random });
  const step = server.handle({ _: 'req_pq_multi', nonce });
  assert.equal(random.pending(), 0);
  assert.deepEqual(encodeObject(step.reply!), bodyOf(SAMPLE.resPqMessage));
});

test('sample: tmp_aes_key and tmp_aes_iv derivation', () => {
  const { key, iv } = tmpAesKeyIv(newNonce, serverNonce);
  assert.equal(key.toString('hex'), SAMPLE.tmpAesKey);
  assert.equal(iv.toString('hex'), SAMPLE.tmpAesIv);
});

test('sample: server_DH_inner_data hashing, padding and encryption give encrypted_answer', () => {
  const answerWithHash = hex(SAMPLE.answerWithHash);
  const answer = answerWithHash.subarray(20, answerWithHash.length - 8);
  const padding = answerWithHash.subarray(answerWithHash.length - 8);
  const serverOk = decodeObject(bodyOf(SAMPLE.serverDhParamsOkMessage)) as Obj<'server_DH_params_ok'>;
  const encrypted = encryptWithHash(answer, tmpAesKeyIv(newNonce, serverNonce), scriptedRandom([padding], () => assert.fail('extra randomness')));
  assert.deepEqual(encrypted, serverOk.encryptedAnswer);

  const back = decryptWithHash(serverOk.encryptedAnswer, tmpAesKeyIv(newNonce, serverNonce));
  assert.ok(back.ok);
  assert.deepEqual(back.data, answer);
  const inner = back.object as Obj<'server_DH_inner_data'>;
  assert.equal(inner._, 'server_DH_inner_data');
  assert.deepEqual(inner.nonce, nonce);
  assert.deepEqual(inner.serverNonce, serverNonce);
  assert.equal(inner.g, 3);
  assert.deepEqual(inner.dhPrime, DH_PRIME);
  assert.equal(inner.serverTime, SAMPLE.serverTime);
});

test('sample: client_DH_inner_data hashing, padding and encryption give encrypted_data', () => {
  const data = hex(SAMPLE.clientDhInnerData);
  const encrypted = encryptWithHash(data, tmpAesKeyIv(newNonce, serverNonce), scriptedRandom([hex(SAMPLE.clientDhPadding)], () => assert.fail('extra randomness')));
  assert.equal(encrypted.toString('hex'), SAMPLE.clientEncryptedData);
});

test('sample: new_nonce_hash1, auth key id and first server salt', () => {
  const authKey = hex(SAMPLE.authKey);
  assert.equal(newNonceHash(newNonce, 1, authKey).toString('hex'), SAMPLE.newNonceHash1);
  const dhGenOk = decodeObject(bodyOf(SAMPLE.dhGenOkMessage)) as Obj<'dh_gen_ok'>;
  assert.equal(dhGenOk.newNonceHash1.toString('hex'), SAMPLE.newNonceHash1);
  // auth_key_id: the 64 lower-order bits of SHA1(auth_key) = 20b5c361...65588b33 50ef784e.
  assert.equal(makeAuthKey(authKey).idBytes.toString('hex'), '65588b3350ef784e');
  // a8bbc849512dac6c XOR e11dbc3bc97d91a2, read as a little-endian long.
  assert.equal(initialServerSalt(newNonce, serverNonce), hex('49a6747298503dce').readBigInt64LE(0));
});

test('sample: the client follows the example from resPQ to dh_gen_ok, byte for byte', () => {
  const random = scriptedRandom(
    [nonce, newNonce, hex(SAMPLE.rsaRandomPaddingBytes), { any: 32 } /* temp_key(s): not published */, hex(SAMPLE.b), hex(SAMPLE.clientDhPadding)],
    seededRandom('temp-key'),
  );
  // Our own RSA key stands in for Telegram's (the RSA step is checked elsewhere), under the sample's fingerprint.
  const client = new ClientHandshake({
    publicKey: { ...RSA_KEY, fingerprint: fpC },
    random,
    now: () => sampleNow,
    dcId: 2,
    padding: 'rsa_pad',
    innerData: 'dc',
  });
  assert.deepEqual(encodeObject(client.start()), bodyOf(SAMPLE.reqPqMultiMessage));

  const reqDh = client.handle(decodeObject(bodyOf(SAMPLE.resPqMessage))).request as Req<'req_DH_params'>;
  const sampleReqDh = bodyOf(SAMPLE.reqDhParamsMessage);
  const ours = encodeObject(reqDh);
  // Everything before encrypted_data (constructor, nonces, p, q, fingerprint) is identical.
  assert.deepEqual(ours.subarray(0, 60), sampleReqDh.subarray(0, 60));
  // The RSA_PAD payload is the sample's p_q_inner_data_dc plus its random padding.
  const dataWithPadding = decryptInnerData(RSA_KEY, reqDh.encryptedData)!;
  assert.deepEqual(dataWithPadding, Buffer.concat([hex(SAMPLE.pqInnerDataDc), hex(SAMPLE.rsaRandomPaddingBytes)]));

  const setDh = client.handle(decodeObject(bodyOf(SAMPLE.serverDhParamsOkMessage))).request as Req<'set_client_DH_params'>;
  assert.deepEqual(encodeObject(setDh), bodyOf(SAMPLE.setClientDhParamsMessage));

  const done = client.handle(decodeObject(bodyOf(SAMPLE.dhGenOkMessage)));
  assert.equal(done.error, undefined);
  assert.ok(done.completed);
  assert.equal(done.completed.authKey.toString('hex'), SAMPLE.authKey);
  assert.equal(done.completed.timeOffset, 0);
  assert.equal(done.completed.serverSalt, initialServerSalt(newNonce, serverNonce));
  assert.equal(random.pending(), 0);
});

test('sample: the server accepts the sample set_client_DH_params byte for byte', () => {
  // The server's key carries the sample's fingerprint so the sample's req_DH_params header fits; encrypted_data
  // comes from the sample client run above (same nonces, same new_nonce), encrypted to our key.
  const serverKey = { ...RSA_KEY, fingerprint: fpC };
  const server = makeServer({
    rsaKeys: [serverKey],
    now: () => sampleNow,
    random: scriptedRandom([serverNonce, u32be(SAMPLE.p), u32be(SAMPLE.q)], seededRandom('server-a')),
  });
  const client = new ClientHandshake({
    publicKey: serverKey,
    random: scriptedRandom([nonce, newNonce], seededRandom('client-rest')),
    now: () => sampleNow,
    dcId: 2,
    padding: 'rsa_pad',
    innerData: 'dc',
    dh: DH,
  });
  const resPq = server.handle(wire(client.start())).reply!;
  assert.deepEqual(encodeObject(resPq), encodeObject({ ...(decodeObject(bodyOf(SAMPLE.resPqMessage)) as Obj<'resPQ'>), serverPublicKeyFingerprints: [fpC] }));
  const reqDh = client.handle(wire(resPq)).request!;
  const dhOk = server.handle(wire(reqDh));
  assert.equal(dhOk.error, undefined);
  const inner = decryptWithHash((dhOk.reply as Obj<'server_DH_params_ok'>).encryptedAnswer, tmpAesKeyIv(newNonce, serverNonce));
  assert.ok(inner.ok);
  assert.equal((inner.object as Obj<'server_DH_inner_data'>).serverTime, SAMPLE.serverTime);

  const step = server.handle(decodeObject(bodyOf(SAMPLE.setClientDhParamsMessage)));
  assert.equal(step.error, undefined);
  assert.equal(step.reply?._, 'dh_gen_ok');
  assert.ok(step.completed);
  assert.equal(step.completed.serverSalt, initialServerSalt(newNonce, serverNonce));
  assert.equal(step.completed.kind, 'perm');
  assert.equal(step.completed.variant, 'p_q_inner_data_dc');
  // The key is g_b^a for the sample's g_b and the server's a, its first draw after the scripted bytes.
  const a = seededRandom('server-a')(256);
  assert.deepEqual(step.completed.authKey, DH.computeKey(a, hex(SAMPLE.gB)));
  assert.equal(step.completed.authKeyId, makeAuthKey(step.completed.authKey).id);
});
