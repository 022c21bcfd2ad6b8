// Issue 2, end to end: unmodified GramJS (layer 198; TCP full, abridged, obfuscated, WebSocket) and mtcute
// (layer 227; TCP intermediate) against one real echod. Each creates a key, reads help.getConfig, survives a
// reconnect, gets the protocol's errors, and after echod restarts reuses its key without a new handshake.
// The tests in this file run in order and share state: one echod, one live client per variant.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchod, AUTH_KEY_CREATED_MSG, type ClientConfig, type EchodProcess, type LogLine } from '../support/echod.js';
import { Api, createGramjsClient, connectGramjs, unknownMethodRequest, GRAMJS_TRANSPORTS, GRAMJS_LAYER, type EchoTarget, type GramjsTransport } from '../support/gramjs.js';
import { createMtcuteClient, MTCUTE_LAYER } from '../support/mtcute.js';
import { readRsaPublicKey } from '../support/rsa-public.js';

const TEST_TIMEOUT = 60_000;

/** What the tests read from help.getConfig, the same for both libraries (both use camelCase). */
interface ConfigView {
  constructorOk: boolean;
  thisDc: number;
  date: number;
  expires: number;
  testMode: boolean;
  dcOptions: { id: number; ipAddress: string; port: number; mediaOnly?: boolean; cdn?: boolean }[];
  chatSizeMax: number;
  messageLengthMax: number;
  captionLengthMax: number;
}

interface RpcErrorView {
  code: number;
  message: string;
}

/** One client library instance behind a common face, so every scenario runs the same way for each variant. */
interface Peer {
  readonly connections: number;
  getConfig(): Promise<ConfigView>;
  updatesGetState(): Promise<unknown>;
  /** A real API method Echo does not implement. */
  unimplemented(): Promise<unknown>;
  /** A method whose constructor id no layer defines. */
  unknownConstructor(): Promise<unknown>;
  /** Drops the connection from the client side and waits until the client is connected again. */
  reconnect(): Promise<void>;
  waitForConnections(count: number): Promise<void>;
  saveSession(): Promise<string>;
  authKey(): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

interface Variant {
  name: string;
  layer: number;
  open(target: EchoTarget, session?: string): Promise<Peer>;
}

// Live clients ride out a server restart, so they retry long enough for echod to come back (about 10 s).
const RETRIES = { connectionRetries: 50, retryDelayMs: 200 };

function gramjsVariant(transport: GramjsTransport): Variant {
  return {
    name: `GramJS ${transport}`,
    layer: GRAMJS_LAYER,
    async open(target, session) {
      const h = createGramjsClient(target, { transport, ...RETRIES, ...(session ? { session } : {}) });
      try {
        await connectGramjs(h);
      } catch (err) {
        await h.close();
        throw err;
      }
      return {
        get connections() {
          return h.connections;
        },
        async getConfig() {
          const c = await h.client.invoke(new Api.help.GetConfig());
          return { ...(c as unknown as ConfigView), constructorOk: c instanceof Api.Config };
        },
        updatesGetState: () => h.client.invoke(new Api.updates.GetState()),
        unimplemented: () => h.client.invoke(new Api.stickers.CheckShortName({ shortName: 'echo_e2e_probe' })),
        unknownConstructor: () => h.client.invoke(unknownMethodRequest()),
        async reconnect() {
          const n = h.connections;
          await h.client.disconnect();
          await connectGramjs(h);
          assert.ok(h.connections > n, 'GramJS opened a new transport connection');
        },
        waitForConnections: (count) => h.waitForConnections(count),
        saveSession: async () => h.saveSession(),
        authKey: async () => h.authKey(),
        close: () => h.close(),
      };
    },
  };
}

const mtcuteVariant: Variant = {
  name: 'mtcute tcp',
  layer: MTCUTE_LAYER,
  async open(target, session) {
    const h = await createMtcuteClient(target, session ? { session } : {});
    return {
      get connections() {
        return h.connections;
      },
      async getConfig() {
        const c = await h.client.call({ _: 'help.getConfig' });
        return { ...(c as unknown as ConfigView), constructorOk: c._ === 'config' };
      },
      updatesGetState: () => h.client.call({ _: 'updates.getState' }),
      unimplemented: () => h.client.call({ _: 'stickers.checkShortName', shortName: 'echo_e2e_probe' }),
      unknownConstructor: () => h.callUnknownConstructor(),
      async reconnect() {
        // mtcute cannot connect again after disconnect(); a dropped socket is what it recovers from by itself.
        const n = h.connections;
        await h.dropConnection();
        await h.waitForConnections(n + 1);
      },
      waitForConnections: (count) => h.waitForConnections(count),
      saveSession: () => h.saveSession(),
      authKey: () => h.authKey(),
      close: () => h.close(),
    };
  },
};

const VARIANTS: Variant[] = [...GRAMJS_TRANSPORTS.map(gramjsVariant), mtcuteVariant];

const isKeyCreated = (l: LogLine) => l.msg === AUTH_KEY_CREATED_MSG;

/** GramJS throws RPCError {code, errorMessage}; mtcute throws RpcError {code, text}. */
function rpcError(err: unknown): RpcErrorView {
  const e = err as { code?: unknown; errorMessage?: unknown; text?: unknown; message?: unknown };
  const message = typeof e?.errorMessage === 'string' ? e.errorMessage : typeof e?.text === 'string' ? e.text : undefined;
  assert.ok(typeof e?.code === 'number' && message, `expected an RPC error, got: ${String((e as Error)?.stack ?? err)}`);
  return { code: e.code as number, message };
}

let echod: EchodProcess;
let cfg: ClientConfig;
let target: EchoTarget;
const peers = new Map<string, Peer>();
const sessions = new Map<string, string>();
const keys = new Map<string, Buffer>();

function peerOf(v: Variant): Peer {
  const p = peers.get(v.name);
  assert.ok(p, `${v.name}: no client from the earlier test (did it fail?)`);
  return p;
}

function assertConfig(c: ConfigView, v: Variant): void {
  // A response encoded for the wrong layer does not decode, or decodes into nonsense further down the object.
  assert.ok(c.constructorOk, `${v.name} (layer ${v.layer}) decoded a config object`);
  assert.equal(c.thisDc, cfg.dcId, 'thisDc is the dcId client-config prints');
  assert.equal(c.testMode, false);
  assert.ok(Array.isArray(c.dcOptions) && c.dcOptions.length > 0, 'dc_options is not empty');
  const own = c.dcOptions.filter((o) => o.id === cfg.dcId && o.ipAddress === cfg.host && o.port === cfg.port && !o.mediaOnly && !o.cdn);
  assert.ok(own.length > 0, `dc_options lists ${cfg.host}:${cfg.port} for DC ${cfg.dcId}: ${JSON.stringify(c.dcOptions.map((o) => [o.id, o.ipAddress, o.port]))}`);
  const nowSec = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(c.date - nowSec) < 3600, `config.date ${c.date} is the server's current time`);
  assert.ok(c.expires > c.date, 'config.expires is after config.date');
  for (const limit of ['chatSizeMax', 'messageLengthMax', 'captionLengthMax'] as const) {
    assert.ok(Number.isInteger(c[limit]) && c[limit] > 0 && c[limit] < 1e7, `${limit} is a sane limit: ${c[limit]}`);
  }
}

before(async () => {
  echod = await startEchod();
  cfg = await echod.clientConfig();
  target = { ...cfg, httpPort: echod.httpPort };
});

after(async () => {
  for (const p of peers.values()) await p.close().catch(() => undefined);
  peers.clear();
  await echod?.dispose();
});

test('client-config describes the running server and its key', async () => {
  assert.ok(Number.isInteger(cfg.dcId) && cfg.dcId > 0);
  assert.equal(cfg.host, '127.0.0.1');
  assert.equal(cfg.port, echod.tcpPorts[0], 'the advertised port is the first TCP listener');
  const { fingerprint } = readRsaPublicKey(cfg.publicKey);
  assert.equal(cfg.fingerprint, fingerprint.toString(), 'signed decimal fingerprint, as GramJS computes it');
  assert.equal(BigInt('0x' + cfg.fingerprintHex), BigInt.asUintN(64, fingerprint), 'unsigned hex fingerprint');
});

for (const v of VARIANTS) {
  describe(v.name, { timeout: TEST_TIMEOUT }, () => {
    test('creates an auth key and reads help.getConfig for its layer', async () => {
      const keysBefore = echod.countLogs(isKeyCreated);
      const peer = await v.open(target);
      peers.set(v.name, peer);
      assertConfig(await peer.getConfig(), v);
      await echod.waitForLogCount(isKeyCreated, keysBefore + 1);
      sessions.set(v.name, await peer.saveSession());
      const key = await peer.authKey();
      assert.equal(key?.length, 256);
      keys.set(v.name, key!);
    });

    test('keeps working after the client drops and reopens its connection', async () => {
      const peer = peerOf(v);
      const keysBefore = echod.countLogs(isKeyCreated);
      await peer.reconnect();
      assertConfig(await peer.getConfig(), v);
      assert.deepEqual(await peer.authKey(), keys.get(v.name), 'same auth key after the reconnect');
      assert.equal(echod.countLogs(isKeyCreated), keysBefore, 'no new handshake');
    });

    test('an unauthorized updates.getState answers 401 AUTH_KEY_UNREGISTERED', async () => {
      const peer = peerOf(v);
      const err = await peer.updatesGetState().then(
        (res) => assert.fail(`expected an RPC error, got ${JSON.stringify(res)}`),
        (e: unknown) => rpcError(e),
      );
      assert.deepEqual(err, { code: 401, message: 'AUTH_KEY_UNREGISTERED' });
    });

    test('a method Echo does not implement answers rpc_error on the same connection', async () => {
      const peer = peerOf(v);
      const connections = peer.connections;
      const err = await peer.unimplemented().then(
        (res) => assert.fail(`expected an RPC error, got ${JSON.stringify(res)}`),
        (e: unknown) => rpcError(e),
      );
      // Unauthorized, Telegram answers 401 before looking at the method; either way it is an error, not a drop.
      assert.ok(err.code >= 400 && err.code < 600, `error code ${err.code}`);
      assertConfig(await peer.getConfig(), v);
      assert.equal(peer.connections, connections, 'the connection was not dropped');
    });

    test('a method no layer defines answers 400 INPUT_METHOD_INVALID on the same connection', async () => {
      const peer = peerOf(v);
      const connections = peer.connections;
      const err = await peer.unknownConstructor().then(
        (res) => assert.fail(`expected an RPC error, got ${JSON.stringify(res)}`),
        (e: unknown) => rpcError(e),
      );
      assert.equal(err.code, 400);
      assert.match(err.message, /^INPUT_METHOD_INVALID/);
      assertConfig(await peer.getConfig(), v);
      assert.equal(peer.connections, connections, 'the connection was not dropped');
    });
  });
}

describe('after echod restarts', { timeout: TEST_TIMEOUT }, () => {
  const connectionsBefore = new Map<string, number>();

  test('echod restarts on the same data dir and ports', async () => {
    for (const v of VARIANTS) connectionsBefore.set(v.name, peerOf(v).connections);
    await echod.restart();
  });

  for (const v of VARIANTS) {
    test(`${v.name}: the live client reconnects by itself and keeps its key`, async () => {
      const peer = peerOf(v);
      await peer.waitForConnections(connectionsBefore.get(v.name)! + 1);
      assertConfig(await peer.getConfig(), v);
      assert.deepEqual(await peer.authKey(), keys.get(v.name));
    });
  }

  for (const v of VARIANTS) {
    test(`${v.name}: a new client from the saved session reuses its key`, async () => {
      const saved = sessions.get(v.name);
      assert.ok(saved, `${v.name}: no saved session from the earlier test`);
      const peer = await v.open(target, saved);
      try {
        assertConfig(await peer.getConfig(), v);
        assert.deepEqual(await peer.authKey(), keys.get(v.name), 'the client still uses the saved key');
      } finally {
        await peer.close();
      }
    });
  }

  test('the restarted echod created no auth key', async () => {
    for (const p of peers.values()) await p.close();
    peers.clear();
    // stop() resolves after echod's stdout is drained, so a late "auth key created" line cannot be missed.
    await echod.stop();
    assert.equal(echod.countLogs(isKeyCreated), 0, 'no handshake after the restart');
    assert.equal(echod.previousLogs.length, 1);
    // At least one key per variant before it (a client on a loaded machine may give up on a slow handshake and
    // start another, so a variant can have made two): proof that the log above would have shown a handshake.
    assert.ok(echod.previousLogs[0]!.filter(isKeyCreated).length >= VARIANTS.length, 'a key per variant before the restart');
  });
});
