// The MTProto protocol against a real echod, driven by Echo's own client where real client libraries
// cannot go: every transport and handshake variant, temp keys, service messages, and bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { EchoClient, RpcFailure } from '../../src/client/mtproto-client.js';
import { bindTempAuthKeyRequest } from '../../src/client/bind-temp-key.js';
import { encodeObject, type TlObject } from '../../src/tl/index.js';
import type { TransportKind } from '../../src/mtproto/transport/index.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';
import { ClientTransport } from '../../src/mtproto/transport/index.js';
import { msgIdFromTime } from '../../src/mtproto/session/msg-id.js';
import { plainReqPq } from '../support/plain-packets.js';

let echod: EchodProcess;
let publicKey: RsaPublicKey & { fingerprint: bigint };

before(async () => {
  echod = await startEchod();
  const config = await echod.clientConfig();
  const parts = readRsaPublicKey(config.publicKey);
  publicKey = { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
});
after(async () => {
  await echod.dispose();
});

const tcp = (transport: TransportKind = 'intermediate') => EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]!, transport });
const random = (n: number) => randomBytes(n);

async function authorized(transport: TransportKind = 'intermediate'): Promise<EchoClient> {
  const client = await tcp(transport);
  await client.createAuthKey(publicKey);
  return client;
}

function assertConfig(result: unknown): void {
  const config = result as { _: string; thisDc: number; dcOptions: { ipAddress: string; port: number }[] };
  assert.equal(config._, 'config');
  assert.ok(config.dcOptions.some((o) => o.ipAddress === '127.0.0.1' && o.port === echod.tcpPorts[0]));
}

const getConfig = { _: 'help.getConfig' } as TlObject;
const withLayer = (layer: number, query: TlObject) =>
  ({
    _: 'invokeWithLayer',
    layer,
    query: { _: 'initConnection', apiId: 1, deviceModel: 'test', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query },
  }) as TlObject;

describe('transports and handshakes', () => {
  const kinds: TransportKind[] = ['abridged', 'intermediate', 'padded', 'full', 'obfuscated2/abridged', 'obfuscated2/intermediate', 'obfuscated2/padded'];
  for (const kind of kinds) {
    test(`a key is created and help.getConfig answered over ${kind}`, async () => {
      const client = await authorized(kind);
      assertConfig(await client.invoke(withLayer(198, getConfig)));
      client.close();
    });
  }

  const variants = [
    { padding: 'legacy', innerData: 'plain' },
    { padding: 'rsa_pad', innerData: 'plain' },
    { padding: 'legacy', innerData: 'dc', legacyReqPq: true },
    { padding: 'rsa_pad', innerData: 'temp_dc' },
  ] as const;
  for (const v of variants) {
    test(`handshake with ${v.padding} padding and p_q_inner_data ${v.innerData}${'legacyReqPq' in v ? ' after req_pq' : ''}`, async () => {
      const client = await tcp();
      await client.createAuthKey(publicKey, v);
      assertConfig(await client.invoke(getConfig));
      client.close();
    });
  }

  test('WebSocket /apiws carries obfuscated MTProto', async () => {
    const client = await EchoClient.open({ url: `ws://127.0.0.1:${echod.httpPort}/apiws` });
    await client.createAuthKey(publicKey);
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('a layer-158 client and a layer-228 client get the same config, each in its own layer', async () => {
    const old = await authorized();
    const current = await authorized();
    assertConfig(await old.invoke(withLayer(158, getConfig)));
    assertConfig(await current.invoke(withLayer(228, getConfig)));
    old.close();
    current.close();
  });
});

describe('temporary keys (PFS)', () => {
  test('auth.bindTempAuthKey binds a temp key to a perm key proven with MTProto 1.0', async () => {
    const permClient = await authorized();
    const tempClient = await tcp();
    const temp = await tempClient.createAuthKey(publicKey, { innerData: 'temp_dc', expiresIn: 3600 });
    const msgId = temp.newMsgId();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const request = bindTempAuthKeyRequest(permClient.session!.authKey, temp.authKey, temp.sessionId, msgId, expiresAt, random);
    // The first message may meet bad_server_salt: the binding must then be rebuilt for the new msg_id.
    let reply = await tempClient.resultOf(tempClient.send(request, { msgId }));
    if (reply._ === 'bad_server_salt') {
      temp.salt = reply.newServerSalt as bigint;
      const retryId = temp.newMsgId();
      reply = await tempClient.resultOf(tempClient.send(bindTempAuthKeyRequest(permClient.session!.authKey, temp.authKey, temp.sessionId, retryId, expiresAt, random), { msgId: retryId }));
    }
    assert.equal(reply._, 'rpc_result');
    assert.equal(reply.result._, 'boolTrue');
    assertConfig(await tempClient.invoke(getConfig));
    permClient.close();
    tempClient.close();
  });

  test('a binding message for another msg_id is ENCRYPTED_MESSAGE_INVALID; on a perm key TEMP_AUTH_KEY_EMPTY', async () => {
    const permClient = await authorized();
    const tempClient = await tcp();
    const temp = await tempClient.createAuthKey(publicKey, { innerData: 'temp_dc', expiresIn: 3600 });
    await tempClient.invoke(getConfig); // settles the salt
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const wrong = bindTempAuthKeyRequest(permClient.session!.authKey, temp.authKey, temp.sessionId, temp.newMsgId(), expiresAt, random);
    await assert.rejects(tempClient.invoke(wrong), (err: RpcFailure) => err.code === 400 && err.errorMessage === 'ENCRYPTED_MESSAGE_INVALID');
    await assert.rejects(permClient.invoke(wrong), (err: RpcFailure) => err.errorMessage === 'TEMP_AUTH_KEY_EMPTY');
    permClient.close();
    tempClient.close();
  });
});

describe('session layer', () => {
  test('a wrong salt gets bad_server_salt with the right one, then the request goes through', async () => {
    const client = await authorized();
    client.session!.salt = 0n;
    const msgId = client.send(getConfig);
    const reply = await client.resultOf(msgId);
    assert.equal(reply._, 'bad_server_salt');
    assert.equal(reply.errorCode, 48);
    client.session!.salt = reply.newServerSalt as bigint;
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('the first message of a session is announced with new_session_created', async () => {
    const client = await authorized();
    const msgId = client.send(getConfig);
    const event = await client.next((e) => e.type === 'message' && e.message.body._ === 'new_session_created');
    assert.equal(event.type === 'message' && (event.message.body as any).firstMsgId, msgId);
    client.close();
  });

  test('ping and ping_delay_disconnect answer pong carrying the ping msg_id; server msg_ids are odd', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const pingId = 12345n;
    const msgId = client.send({ _: 'ping', pingId } as TlObject);
    const pong = await client.next((e) => e.type === 'message' && e.message.body._ === 'pong');
    assert.ok(pong.type === 'message');
    assert.equal((pong.message.body as any).msgId, msgId);
    assert.equal((pong.message.body as any).pingId, pingId);
    assert.equal(pong.message.msgId % 2n, 1n);
    client.send({ _: 'ping_delay_disconnect', pingId: 7n, disconnectDelay: 75 } as TlObject);
    const pong2 = await client.next((e) => e.type === 'message' && e.message.body._ === 'pong');
    assert.equal(pong2.type === 'message' && (pong2.message.body as any).pingId, 7n);
    client.close();
  });

  test('get_future_salts returns consecutive salts, the first one being valid now', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    client.send({ _: 'get_future_salts', num: 32 } as TlObject);
    const event = await client.next((e) => e.type === 'message' && e.message.body._ === 'future_salts');
    assert.ok(event.type === 'message');
    const salts = (event.message.body as any).salts as { validSince: number; validUntil: number; salt: bigint }[];
    assert.equal(salts.length, 32);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(salts[0]!.validSince <= now && now < salts[0]!.validUntil);
    client.session!.salt = salts[0]!.salt;
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('msg_ids from a skewed clock get bad_msg_notification 16/17 with the server time; odd ids get 18', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const session = client.session!;
    const idAt = (offsetMs: number) => msgIdFromTime(Date.now() + offsetMs) & ~3n;
    let reply = await client.resultOf(client.send(getConfig, { msgId: idAt(-400_000) }));
    assert.equal(reply._, 'bad_msg_notification');
    assert.equal(reply.errorCode, 16);
    assert.ok(Math.abs(Number(reply.badMsgId >> 32n) - (Date.now() / 1000 - 400)) < 5);
    reply = await client.resultOf(client.send(getConfig, { msgId: idAt(400_000) }));
    assert.equal(reply.errorCode, 17);
    reply = await client.resultOf(client.send(getConfig, { msgId: session.newMsgId() + 1n }));
    assert.equal(reply.errorCode, 18);
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('a container of requests is answered request by request, and acks plus results come back', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const session = client.session!;
    const a = session.message(encodeObject(getConfig));
    const b = session.message(encodeObject({ _: 'help.getNearestDc' } as TlObject));
    client.sendPacket(session.encrypt(session.container([a, b])));
    const ra = await client.resultOf(a.msgId);
    const rb = await client.resultOf(b.msgId);
    assertConfig(ra.result);
    assert.equal(rb.result._, 'nearestDc');
    client.close();
  });

  test('gzip_packed requests are unpacked; invokeAfterMsg and invokeWithoutUpdates are unwrapped', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    assertConfig(await client.invoke({ _: 'gzip_packed', packedData: gzipSync(encodeObject(getConfig)) } as TlObject));
    const first = client.send(getConfig);
    assertConfig(await client.invoke({ _: 'invokeAfterMsg', msgId: first, query: { _: 'invokeWithoutUpdates', query: getConfig } } as TlObject));
    client.close();
  });

  test('msgs_state_req reports received messages; rpc_drop_answer and destroy_session are answered', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const known = client.send({ _: 'help.getNearestDc' } as TlObject);
    await client.resultOf(known);
    const unknown = client.session!.newMsgId();
    client.send({ _: 'msgs_state_req', msgIds: [known, unknown] } as TlObject);
    const info = await client.next((e) => e.type === 'message' && e.message.body._ === 'msgs_state_info');
    assert.ok(info.type === 'message');
    const bytes = (info.message.body as any).info as Buffer;
    assert.equal(bytes[0]! & 7, 4, 'received');
    assert.ok([2, 3].includes(bytes[1]! & 7), 'not received');
    const drop = client.send({ _: 'rpc_drop_answer', reqMsgId: 42n } as TlObject);
    const dropped = await client.resultOf(drop);
    assert.equal(dropped.result._, 'rpc_answer_unknown');
    client.send({ _: 'destroy_session', sessionId: 999n } as TlObject);
    const destroyed = await client.next((e) => e.type === 'message' && e.message.body._.startsWith('destroy_session'));
    assert.ok(destroyed.type === 'message' && destroyed.message.body._ === 'destroy_session_none');
    client.close();
  });

  test('a replayed packet is not executed twice and the connection stays usable', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const session = client.session!;
    const msg = session.message(encodeObject({ _: 'help.getNearestDc' } as TlObject));
    const packet = session.encrypt(msg);
    client.sendPacket(packet);
    await client.resultOf(msg.msgId);
    client.sendPacket(packet);
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('destroy_auth_key deletes the key: the next connection with it gets -404', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const session = client.session!;
    const reply = await client.resultOf(client.send({ _: 'destroy_auth_key' } as TlObject));
    assert.equal(reply.result._, 'destroy_auth_key_ok');
    await client.waitClosed();
    const again = await tcp();
    again.useSession(session);
    again.send(getConfig);
    const event = await again.next((e) => e.type === 'transportError');
    assert.ok(event.type === 'transportError' && event.code === -404);
  });

  test('quick ACK is sent when the frame asks for it', async () => {
    const client = await authorized('abridged');
    await client.invoke(getConfig);
    client.send(getConfig, { quickAck: true });
    const ack = await client.next((e) => e.type === 'quickAck');
    assert.ok(ack.type === 'quickAck' && (ack.token & 0x80000000) !== 0);
    client.close();
  });

  test('unsigned-in calls answer 401 AUTH_KEY_UNREGISTERED; an unknown constructor 400 INPUT_METHOD_INVALID, and the connection lives on', async () => {
    const client = await authorized();
    await assert.rejects(client.invoke({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] } as TlObject), (e: RpcFailure) => e.code === 401 && e.errorMessage === 'AUTH_KEY_UNREGISTERED');
    const bogus = Buffer.alloc(8);
    bogus.writeUInt32LE(0x0badc0de, 0);
    const reply = await client.resultOf(client.send(bogus));
    const body = reply._ === 'bad_server_salt' ? await (async () => { client.session!.salt = reply.newServerSalt; return client.resultOf(client.send(bogus)); })() : reply;
    assert.equal(body.result._, 'rpc_error');
    assert.equal(body.result.errorMessage, 'INPUT_METHOD_INVALID');
    assertConfig(await client.invoke(getConfig));
    client.close();
  });
});

describe('bad input: the offending connection gets an answer or is closed, everyone else is served', () => {
  let bystander: EchoClient;
  before(async () => {
    bystander = await authorized();
    await bystander.invoke(getConfig);
  });
  after(() => bystander.close());

  const closedByServer = (reason: RegExp) => echod.waitForLog((l) => l.msg === 'connection closed by server' && reason.test(String(l.reason)));

  async function rawSocket(bytes: Buffer[]): Promise<void> {
    const socket = connect({ host: '127.0.0.1', port: echod.tcpPorts[1]! });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    for (const b of bytes) socket.write(b);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }

  test('random bytes', async () => {
    const noise = randomBytes(64);
    noise[0] = 0x01; // not 0xef
    noise.writeUInt32LE(0x01020304, 4); // a full-transport guess would need zeros here
    const closed = rawSocket([noise, randomBytes(4096)]);
    await closed;
  });

  test('an HTTP request on a TCP port', async () => {
    await rawSocket([Buffer.from('GET /apiws HTTP/1.1\r\nHost: x\r\n\r\n')]);
    await closedByServer(/HTTP/);
  });

  test('an absurd frame length', async () => {
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(0xeeeeeeee, 0);
    frame.writeUInt32LE(0x7ffffff0, 4);
    await rawSocket([frame]);
  });

  test('a wrong CRC on the full transport', async () => {
    const t = new ClientTransport('full', random);
    const frame = t.encode(plainReqPq());
    frame[frame.length - 1]! ^= 0xff;
    await rawSocket([frame]);
    await closedByServer(/CRC|crc/);
  });

  test('a truncated frame followed by a hang-up', async () => {
    const t = new ClientTransport('intermediate', random);
    const frame = t.encode(plainReqPq());
    const socket = connect({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.end(frame.subarray(0, frame.length - 5));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  });

  test('an unknown auth_key_id gets transport error -404', async () => {
    const client = await tcp();
    client.sendPacket(Buffer.concat([randomBytes(8), randomBytes(16), randomBytes(64)]));
    const event = await client.next((e) => e.type === 'transportError');
    assert.ok(event.type === 'transportError' && event.code === -404);
    await client.waitClosed();
  });

  test('a bad msg_key closes the connection', async () => {
    const client = await authorized();
    const session = client.session!;
    const packet = session.encrypt(session.message(encodeObject(getConfig)));
    packet[10]! ^= 0x55;
    client.sendPacket(packet);
    await client.waitClosed();
    await closedByServer(/decrypt|msg_key/);
  });

  test('a TL body that does not parse gets rpc_error INPUT_FETCH_ERROR', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const truncated = encodeObject({ _: 'help.getCountriesList', langCode: 'en', hash: 0 } as TlObject).subarray(0, 8);
    const reply = await client.resultOf(client.send(Buffer.concat([truncated, Buffer.alloc((4 - (truncated.length % 4)) % 4)])));
    assert.equal(reply.result._, 'rpc_error');
    assert.equal(reply.result.errorMessage, 'INPUT_FETCH_ERROR');
    client.close();
  });

  test('a gzip bomb is refused with INPUT_FETCH_ERROR without inflating it', async () => {
    const client = await authorized();
    await client.invoke(getConfig);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const reply = await client.resultOf(client.send({ _: 'gzip_packed', packedData: bomb } as TlObject));
    assert.equal(reply.result.errorMessage, 'INPUT_FETCH_ERROR');
    assertConfig(await client.invoke(getConfig));
    client.close();
  });

  test('a handshake message out of order closes the connection', async () => {
    const client = await tcp();
    client.sendPlain({ _: 'set_client_DH_params', nonce: randomBytes(16), serverNonce: randomBytes(16), encryptedData: randomBytes(64) } as TlObject);
    await client.waitClosed();
    await closedByServer(/handshake/);
  });

  test('after all of it the bystander and the process are fine', async () => {
    assertConfig(await bystander.invoke(getConfig));
    assert.equal(echod.countLogs((l) => l.level === 50 || l.level === 60), 0, 'no error or fatal lines');
  });
});


describe('handshake flood limit', () => {
  let limited: EchodProcess;
  before(async () => {
    limited = await startEchod({ env: { ECHO_HANDSHAKE_RATE: '2/1' } });
  });
  after(() => limited.dispose());

  test('an address starting handshakes beyond its rate gets transport error -429', async () => {
    const open = () => EchoClient.open({ host: '127.0.0.1', port: limited.tcpPorts[0]! });
    const clients = [await open(), await open(), await open()];
    for (const c of clients) c.sendPlain({ _: 'req_pq_multi', nonce: randomBytes(16) } as TlObject);
    const results = await Promise.all(clients.map((c) => c.next((e) => e.type === 'plain' || e.type === 'transportError')));
    assert.deepEqual(results.map((r) => r.type).sort(), ['plain', 'plain', 'transportError']);
    const refused = results.find((r) => r.type === 'transportError');
    assert.ok(refused?.type === 'transportError' && refused.code === -429);
    for (const c of clients) c.close();
  });
});
