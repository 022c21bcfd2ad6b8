// The gateway side of the gateway/core boundary: what a gateway process passes to its core for the packets
// a client sends, with real MTProto encryption under a real key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { decryptMessage, encryptMessage, quickAckToken } from '../../../src/mtproto/crypto/message.js';
import { ForwardingRouter } from '../../../src/interface/gateway/link/forwarding-router.js';
import type { GatewayItem } from '../../../src/interface/gateway/link/items.js';
import type { ConnectionHandle } from '../../../src/interface/session/connection.js';
import type { RouterConnectionState } from '../../../src/interface/gateway/packet-router.js';

const log = pino({ level: 'silent' });

/** A connection as a gateway's transport presents it, recording what the router did to it. */
function connection(id: number) {
  const seen = { quickAcks: [] as number[], errors: [] as number[], closes: [] as string[] };
  const conn: ConnectionHandle & { closed: boolean } = {
    id,
    remoteAddress: '127.0.0.1',
    transport: 'tcp/intermediate',
    closed: false,
    sendPacket: () => undefined,
    sendQuickAck: (token) => seen.quickAcks.push(token),
    failWithTransportError: (code) => {
      seen.errors.push(code);
      conn.closed = true;
    },
    close: (reason) => {
      seen.closes.push(reason);
      conn.closed = true;
    },
    setPingDisconnect: () => undefined,
  };
  return { conn, seen, state: {} as RouterConnectionState };
}

/** What a client sends: salt, session, msg_id, seq_no, length and a body, encrypted under `key`. */
function clientPacket(key: ReturnType<typeof makeAuthKey>, body: Buffer) {
  const plain = Buffer.alloc(32 + body.length);
  plain.writeBigInt64LE(1n, 0);
  plain.writeBigInt64LE(2n, 8);
  plain.writeBigInt64LE(3n, 16);
  plain.writeInt32LE(1, 24);
  plain.writeInt32LE(body.length, 28);
  body.copy(plain, 32);
  return { plain, packet: encryptMessage(key, plain, 'client', randomBytes) };
}

function setup() {
  const items: GatewayItem[] = [];
  const router = new ForwardingRouter((item) => items.push(item), randomBytes, log);
  return { items, router };
}

test('an encrypted packet reaches the core as its plaintext, with a quick ack when asked; the key is asked for once', async () => {
  const { items, router } = setup();
  const key = makeAuthKey(randomBytes(256));
  const a = connection(1);
  const b = connection(2);
  const first = clientPacket(key, Buffer.from('abcdefgh'));
  const second = clientPacket(key, Buffer.from('ijklmnop'));
  const routed = [router.route(a.conn, a.state, first.packet, true), router.route(b.conn, b.state, second.packet, false)];
  assert.deepEqual(
    items.map((i) => i.t),
    ['framing', 'keyWanted', 'framing'],
    'one keyWanted for two connections waiting on the same key',
  );
  router.keyArrived(key.id, key.key);
  await Promise.all(routed);
  const messages = items.filter((i) => i.t === 'message');
  assert.equal(messages.length, 2);
  assert.deepEqual(messages[0], { t: 'message', conn: 1, keyId: key.id, plain: decryptMessage(key, first.packet, 'client') });
  assert.ok(messages[0]!.plain.subarray(0, first.plain.length).equals(first.plain));
  assert.deepEqual(a.seen.quickAcks, [quickAckToken(key.key, messages[0]!.plain)]);
  assert.deepEqual(b.seen.quickAcks, []);
  assert.equal(a.state.keyed, true);

  // What the core sends back is encrypted under the same key, as the client expects it.
  const reply = clientPacket(key, Buffer.from('a reply.')).plain;
  const packet = router.encrypt(key.id, reply);
  assert.ok(packet, 'a key in use encrypts');
  assert.ok(decryptMessage(key, packet, 'server').subarray(0, reply.length).equals(reply));

  // The key goes when the last connection that used it goes; then nothing is encrypted under it.
  router.connectionClosed(a.state, a.conn);
  assert.equal(router.keyCount, 1);
  router.connectionClosed(b.state, b.conn);
  assert.equal(router.keyCount, 0);
  assert.equal(router.encrypt(key.id, reply), undefined);
});

test('an unknown key is answered -404; a packet under the wrong key or too short closes the connection, nothing reaches the core', async () => {
  const { items, router } = setup();
  const key = makeAuthKey(randomBytes(256));
  const unknown = connection(1);
  const pending = router.route(unknown.conn, unknown.state, clientPacket(key, Buffer.alloc(8)).packet, false);
  router.keyArrived(key.id, null);
  await pending;
  assert.deepEqual(unknown.seen.errors, [-404]);

  const known = makeAuthKey(randomBytes(256));
  const forged = connection(2);
  const packet = clientPacket(known, Buffer.alloc(8)).packet;
  packet[30]! ^= 0xff; // a flipped ciphertext byte: msg_key no longer matches
  const routed = router.route(forged.conn, forged.state, packet, false);
  router.keyArrived(known.id, known.key);
  await routed;
  assert.equal(forged.seen.closes.length, 1);
  assert.match(forged.seen.closes[0]!, /decryption failed/);

  const short = connection(3);
  await router.route(short.conn, short.state, Buffer.alloc(40, 1), false);
  assert.deepEqual(short.seen.errors, [-404]);
  const word = connection(4);
  await router.route(word.conn, word.state, Buffer.alloc(4), false);
  assert.equal(word.seen.closes.length, 1);
  assert.deepEqual(
    items.filter((i) => i.t === 'message' || i.t === 'plain'),
    [],
  );
});

test('an unencrypted packet (auth_key_id 0) goes to the core as it is: the handshake runs there', async () => {
  const { items, router } = setup();
  const c = connection(9);
  const packet = Buffer.alloc(40);
  packet.writeInt32LE(20, 16);
  await router.route(c.conn, c.state, packet, false);
  assert.deepEqual(items, [
    { t: 'framing', conn: 9, transport: 'tcp/intermediate' },
    { t: 'plain', conn: 9, packet },
  ]);
  assert.notEqual(c.state.keyed, true);
  router.markKeyed(9);
  assert.equal(c.state.keyed, true);
});
