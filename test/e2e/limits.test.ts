// The limits of issue 16 against a real echod, each set small through the environment: connection caps per
// address, slow clients (trickled bytes, stalled handshakes, silence before sign-in), a client that never
// reads while it gets pushes, RPC flood limits with FLOOD_WAIT_X, and the cap on sessions per auth key.
// Every test asserts what the client sees and the server logs, never how long something took.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { startEchod, type EchodProcess, type LogLine } from '../support/echod.js';
import { readRsaPublicKey } from '../support/rsa-public.js';
import { FIXED_CODE, testPhone } from '../support/accounts.js';
import { EchoClient, RpcFailure } from '../../src/client/mtproto-client.js';
import type { TlObject } from '../../src/tl/index.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';
import { plainReqPq } from '../support/plain-packets.js';

type PublicKey = RsaPublicKey & { fingerprint: bigint };

const getConfig = { _: 'help.getConfig' } as TlObject;
const wrap = (query: TlObject) =>
  ({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'test', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;

async function publicKeyOf(echod: EchodProcess): Promise<PublicKey> {
  const parts = readRsaPublicKey((await echod.clientConfig()).publicKey);
  return { n: parts.n, e: Buffer.from([1, 0, 1]), fingerprint: parts.fingerprint };
}

async function keyed(echod: EchodProcess, key: PublicKey): Promise<EchoClient> {
  const client = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
  await client.createAuthKey(key);
  return client;
}

/** A new key, then signs the phone in (or up): returns the user id. */
async function signIn(client: EchoClient, key: PublicKey, phone: string, firstName: string): Promise<bigint> {
  await client.createAuthKey(key);
  const sent = (await client.invoke(wrap({ _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } } as TlObject))) as { phoneCodeHash: string };
  const auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE } as TlObject)) as { _: string; user?: { id: bigint } };
  if (auth._ === 'auth.authorization') return auth.user!.id;
  const done = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName, lastName: '' } as TlObject)) as { user: { id: bigint } };
  return done.user.id;
}

/** echo_limit_hits_total{limit} from the admin listener's /metrics. */
async function limitHits(echod: EchodProcess, limit: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${echod.adminPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`echo_limit_hits_total{limit="${limit}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const closedByServer = (echod: EchodProcess, reason: RegExp) =>
  echod.waitForLog((l: LogLine) => l.msg === 'connection closed by server' && reason.test(String(l.reason)), 15_000);

/**
 * Opens a raw TCP socket; resolves once connected, or once closed: a server that resets the socket at once
 * (a refused connection) can do so before the client sees its connect complete, and then 'connect' never comes.
 */
async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', () => resolve());
  });
  return socket;
}

/** What a refused socket shows: closed, with nothing ever received. */
async function closedUnread(socket: Socket): Promise<number> {
  let received = 0;
  socket.on('data', (d: Buffer) => (received += d.length));
  if (!socket.destroyed) await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return received;
}


/** One intermediate-transport frame (the 0xeeeeeeee tag is sent once, first). */
function intermediateFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(payload.length, 0);
  return Buffer.concat([head, payload]);
}
const INTERMEDIATE_TAG = Buffer.from([0xee, 0xee, 0xee, 0xee]);

describe('connection caps', { timeout: 120_000 }, () => {
  let echod: EchodProcess;
  let key: PublicKey;
  before(async () => {
    echod = await startEchod({ env: { ECHO_MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    key = await publicKeyOf(echod);
  });
  after(() => echod.dispose());

  test('the 4th connection from one address is refused at once, on TCP and WebSocket; the 3 open ones keep working', async () => {
    const open = [await keyed(echod, key), await keyed(echod, key), await keyed(echod, key)];
    const refused = await rawSocket(echod.tcpPorts[1]!);
    assert.equal(await closedUnread(refused), 0, 'nothing read from a refused socket');

    const ws = new WebSocket(`ws://127.0.0.1:${echod.httpPort}/apiws`, 'binary');
    const wsOutcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', () => resolve('refused'));
    });
    assert.equal(wsOutcome, 'refused');

    for (const c of open) assert.equal(((await c.invoke(getConfig)) as { _: string })._, 'config');
    assert.ok((await limitHits(echod, 'connections_per_address')) >= 2);

    // A slot freed is a slot again.
    const closedBefore = echod.countLogs((l) => l.msg === 'connection closed by peer');
    open[0]!.close();
    await echod.waitForLogCount((l) => l.msg === 'connection closed by peer', closedBefore + 1);
    const again = await keyed(echod, key);
    assert.equal(((await again.invoke(getConfig)) as { _: string })._, 'config');
    again.close();
    for (const c of open.slice(1)) c.close();
  });
});

describe('slow clients', { timeout: 180_000 }, () => {
  let echod: EchodProcess;
  let key: PublicKey;
  let bystander: EchoClient;
  let wsBystander: EchoClient;
  before(async () => {
    echod = await startEchod({
      env: { ECHO_FIXED_CODE: FIXED_CODE, ECHO_FIRST_FRAME_TIMEOUT: '1', ECHO_HANDSHAKE_TIMEOUT: '2', ECHO_UNAUTHORIZED_IDLE_TIMEOUT: '3' },
    });
    key = await publicKeyOf(echod);
    bystander = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await signIn(bystander, key, testPhone(8101), 'Bystander');
    wsBystander = await EchoClient.open({ url: `ws://127.0.0.1:${echod.httpPort}/apiws` });
    await signIn(wsBystander, key, testPhone(8102), 'WebSocket bystander');
  });
  after(async () => {
    bystander.close();
    wsBystander.close();
    await echod.dispose();
  });

  test('slow-loris: a frame trickled byte by byte is closed at the first-frame deadline', async () => {
    const socket = await rawSocket(echod.tcpPorts[0]!);
    const frame = intermediateFrame(plainReqPq());
    socket.write(Buffer.concat([INTERMEDIATE_TAG, frame.subarray(0, 4)]));
    let sent = 4;
    // One byte every 100 ms: the frame would take seconds, each byte resets nothing.
    const trickle = setInterval(() => {
      if (sent < frame.length - 1 && !socket.destroyed) socket.write(frame.subarray(sent, ++sent));
    }, 100);
    try {
      await closedByServer(echod, /no complete frame/);
      await closedUnread(socket);
    } finally {
      clearInterval(trickle);
    }
    assert.ok(sent < frame.length, 'the frame was never completed');
    assert.ok((await limitHits(echod, 'first_frame_timeout')) >= 1);
  });

  test('a handshake kept going with valid frames but never finished is closed at the handshake deadline', async () => {
    const client = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    // req_pq_multi after req_pq_multi: complete frames, answered, activity all along, but no key.
    let answered = 0;
    const ticker = setInterval(() => {
      if (!client.closed) client.sendPlain({ _: 'req_pq_multi', nonce: randomBytes(16) } as TlObject);
    }, 300);
    client.listener = (e) => {
      if (e.type === 'plain') answered++;
      return e.type === 'plain';
    };
    try {
      await closedByServer(echod, /no auth key in use/);
      await client.waitClosed();
    } finally {
      clearInterval(ticker);
    }
    assert.ok(answered >= 1, 'the handshake frames were answered');
    assert.ok((await limitHits(echod, 'handshake_timeout')) >= 1);
  });

  test('a keyed connection that is not signed in and goes silent is closed; a silent signed-in one is not', async () => {
    // The bystander has been silent since before this client's last byte: its short timeout fires first.
    const idle = await keyed(echod, key);
    await idle.invoke(getConfig);
    const wsIdle = await EchoClient.open({ url: `ws://127.0.0.1:${echod.httpPort}/apiws` });
    await wsIdle.createAuthKey(key);
    await wsIdle.invoke(getConfig);
    await idle.waitClosed();
    await wsIdle.waitClosed();
    await echod.waitForLogCount((l) => l.msg === 'connection closed by server' && /without a signed-in session/.test(String(l.reason)), 2);
    assert.equal(((await bystander.invoke(getConfig)) as { _: string })._, 'config');
    assert.equal(((await wsBystander.invoke(getConfig)) as { _: string })._, 'config', 'the same over WebSocket');
    assert.ok((await limitHits(echod, 'unauthorized_idle_timeout')) >= 1);
  });

  test('HTTP: a request whose headers trickle in is dropped by the header deadline', async () => {
    const socket = await rawSocket(echod.httpPort);
    const request = Buffer.from('POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 40\r\n\r\n');
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < request.length - 1 && !socket.destroyed) socket.write(request.subarray(sent, ++sent));
    }, 100);
    try {
      await closedUnread(socket);
    } finally {
      clearInterval(trickle);
    }
    assert.ok(sent < request.length - 1, 'closed before the headers were complete');
    assert.equal(((await bystander.invoke(getConfig)) as { _: string })._, 'config');
  });
});

describe('back-pressure, RPC flood limits and sessions per key', { timeout: 240_000 }, () => {
  const OUTBOUND_HIGH = 64 * 1024;
  const OUTBOUND_MAX = 1024 * 1024;
  let echod: EchodProcess;
  let key: PublicKey;
  before(async () => {
    echod = await startEchod({
      env: {
        ECHO_FIXED_CODE: FIXED_CODE,
        ECHO_OUTBOUND_BUFFER_HIGH: String(OUTBOUND_HIGH),
        ECHO_OUTBOUND_BUFFER_MAX: String(OUTBOUND_MAX),
        ECHO_DRAIN_TIMEOUT: '2',
        ECHO_RPC_RATES: 'search=3/0.5,send=100000/100000',
        ECHO_MAX_SESSIONS_PER_AUTH_KEY: '2',
      },
    });
    key = await publicKeyOf(echod);
  });
  after(() => echod.dispose());

  test('a device that never reads while it gets pushes is paused, then closed with its buffer bounded; the others keep working', async (t) => {
    const phone = testPhone(8201);
    const reader = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await signIn(reader, key, phone, 'Never');
    const sender = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await signIn(sender, key, phone, 'Never'); // the same user on a second device: its Saved Messages reach the first
    const bystander = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await signIn(bystander, key, testPhone(8202), 'Bystander');
    reader.stopReading();

    const closed = () => echod.countLogs((l) => l.msg === 'connection closed by server' && /outgoing buffer/.test(String(l.reason))) > 0;
    let sent = 0;
    for (; sent < 5000 && !closed(); sent++) {
      const text = randomBytes(3000).toString('base64'); // 4000 characters that do not compress
      await sender.invoke({ _: 'messages.sendMessage', peer: { _: 'inputPeerSelf' }, message: text, randomId: randomBytes(8).readBigInt64LE(0) } as TlObject);
    }
    const line = await closedByServer(echod, /outgoing buffer/);
    const buffered = Number(/(\d+) bytes/.exec(String(line.reason))?.[1]);
    t.diagnostic(`${sent} pushes of 4000 characters; closed: ${String(line.reason)}`);
    // One write past the cap at most: the check runs after every write.
    assert.ok(buffered <= OUTBOUND_MAX + 64 * 1024, `buffer held ${buffered} bytes`);
    assert.ok((await limitHits(echod, 'outbound_buffer_high')) >= 1, 'reading was paused first');
    assert.ok(sent < 5000);

    assert.equal(((await bystander.invoke(getConfig)) as { _: string })._, 'config');
    assert.equal(((await sender.invoke(getConfig)) as { _: string })._, 'config');
    for (const c of [reader, sender, bystander]) c.close();
  });

  test('a burst of searches gets FLOOD_WAIT_X with X the seconds until the next one is allowed', async () => {
    const client = await EchoClient.open({ host: '127.0.0.1', port: echod.tcpPorts[0]! });
    await signIn(client, key, testPhone(8203), 'Searcher');
    const search = {
      _: 'messages.searchGlobal',
      q: 'hello',
      filter: { _: 'inputMessagesFilterEmpty' },
      minDate: 0,
      maxDate: 0,
      offsetRate: 0,
      offsetPeer: { _: 'inputPeerEmpty' },
      offsetId: 0,
      limit: 10,
    } as TlObject;
    const started = performance.now();
    for (let i = 0; i < 3; i++) await client.invoke(search);
    const failure = await client.invoke(search).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsedS = (performance.now() - started) / 1000;
    assert.ok(failure instanceof RpcFailure && failure.code === 420, `expected 420, got ${String(failure)}`);
    const x = Number(/^FLOOD_WAIT_(\d+)$/.exec(failure.errorMessage)?.[1]);
    // 3 at once, then one every 2 s: the 4th waits 2 s minus whatever refilled since the first call.
    assert.ok(x <= 2 && x >= Math.ceil(2 - elapsedS), `FLOOD_WAIT_${x} after ${elapsedS} s`);
    // Other groups are not affected; after X seconds the search goes through.
    assert.equal(((await client.invoke(getConfig)) as { _: string })._, 'config');
    await new Promise((resolve) => setTimeout(resolve, x * 1000 + 100));
    assert.ok((await client.invoke(search)) !== undefined);
    assert.ok((await limitHits(echod, 'rpc_search')) >= 1);
    client.close();
  });

  test('a key keeps at most 2 sessions: a third makes the server forget the least recently used one', async () => {
    const client = await keyed(echod, key);
    await client.invoke(getConfig); // settles the salt on the first session
    const session = client.session!;
    const first = session.sessionId;
    /** Sends one request on `sessionId`; true when the server announced it as a new session. */
    const use = async (sessionId: bigint) => {
      session.sessionId = sessionId;
      const msgId = client.send(getConfig);
      const reply = await client.resultOf(msgId);
      assert.equal(reply._, 'rpc_result');
      // new_session_created comes before the result (same flush), so it is already here or never comes.
      return client.next((e) => e.type === 'message' && e.message.body._ === 'new_session_created' && (e.message.body as any).firstMsgId === msgId, 1).then(
        () => true,
        () => false,
      );
    };
    const second = randomBytes(8).readBigInt64LE(0);
    const third = randomBytes(8).readBigInt64LE(0);
    assert.equal(await use(second), true);
    assert.equal(await use(second), false);
    assert.equal(await use(third), true, 'a third session: the first is forgotten');
    assert.equal(await use(second), false, 'the second is still held');
    assert.equal(await use(first), true, 'the first was forgotten, and now the third (least recently used) is');
    assert.equal(await use(second), false);
    assert.equal(await use(third), true);
    assert.ok((await limitHits(echod, 'sessions_per_auth_key')) >= 3);
    client.close();
  });
});
