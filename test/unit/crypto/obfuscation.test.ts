import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { CryptoError } from '../../../src/mtproto/crypto/errors.js';
import { createObfuscatedHeader, parseObfuscatedHeader } from '../../../src/mtproto/crypto/obfuscation.js';
import { seededRandom } from './helpers.js';

const random = seededRandom('obfuscation');

test('client header and server parser agree on protocol, DC id and both streams', () => {
  for (const [protocol, dcId] of [['abridged', 2], ['intermediate', -4], ['padded', 1]] as const) {
    const client = createObfuscatedHeader(protocol, dcId, random);
    assert.equal(client.header.length, 64);
    const server = parseObfuscatedHeader(client.header);
    assert.equal(server.protocol, protocol);
    assert.equal(server.dcId, dcId);
    for (const size of [1, 17, 300]) {
      const up = random(size);
      assert.deepEqual(server.decrypt(client.encrypt(up)), up);
      const down = random(size);
      assert.deepEqual(client.decrypt(server.encrypt(down)), down);
    }
  }
});

test('the header follows the spec: clear first 56 bytes, keys from bytes 8..56, reversed for the reply', () => {
  const client = createObfuscatedHeader('intermediate', 2, random);
  const h = client.header;
  // The client's outgoing stream is AES-256-CTR keyed by h[8..40], IV h[40..56]; bytes 56..64 of its keystream
  // decrypt the tag.
  const stream = createCipheriv('aes-256-ctr', h.subarray(8, 40), h.subarray(40, 56));
  const plain = stream.update(h);
  assert.equal(plain.readUInt32LE(56), 0xeeeeeeee);
  assert.equal(plain.readInt16LE(60), 2);
  const body = random(40);
  assert.deepEqual(client.encrypt(body), stream.update(body));
  // The reply stream uses the same 48 bytes reversed.
  const rev = Buffer.from(h.subarray(8, 56)).reverse();
  const reply = createCipheriv('aes-256-ctr', rev.subarray(0, 32), rev.subarray(32, 48)).update(Buffer.alloc(16));
  assert.deepEqual(client.decrypt(reply), Buffer.alloc(16));
});

test('the client avoids forbidden first bytes', () => {
  // Feed headers that break each rule first; the generator must skip them.
  const bad = [
    Buffer.concat([Buffer.from([0xef]), Buffer.alloc(63, 1)]),
    Buffer.concat([Buffer.from('HEAD'), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.from('POST'), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.from('GET '), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.from('OPTI'), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.alloc(4, 0xee), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.alloc(4, 0xdd), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02]), Buffer.alloc(60, 1)]),
    Buffer.concat([Buffer.alloc(4, 1), Buffer.alloc(4, 0), Buffer.alloc(56, 1)]),
  ];
  const good = Buffer.alloc(64, 7);
  let calls = 0;
  const scripted = (n: number) => {
    assert.equal(n, 64);
    return Buffer.from(calls < bad.length ? bad[calls++]! : good);
  };
  const { header } = createObfuscatedHeader('abridged', 2, scripted);
  assert.equal(calls, bad.length);
  assert.deepEqual(header.subarray(0, 56), good.subarray(0, 56));
});

test('an unknown tag or a wrong header size is rejected', () => {
  assert.throws(() => parseObfuscatedHeader(random(64)), /unknown obfuscated protocol tag/);
  assert.throws(() => parseObfuscatedHeader(random(63)), CryptoError);
});
