// mtcute (`@mtcute/node` 0.30, layer 227) pointed at Echo through its public options only:
// `defaultDcs` for the address, `addPublicKey()` for the RSA key, its default TcpTransport (plain intermediate).
import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseTelegramClient, TelegramClient, TcpTransport, MemoryStorage, SqliteStorage } from '@mtcute/node';
import type { TelegramTransport, ITelegramConnection, IPacketCodec, tl } from '@mtcute/node';
import { addPublicKey, LogManager, NodeCryptoProvider, type BasicDcOption } from '@mtcute/node/utils.js';
import { UNKNOWN_CONSTRUCTOR_ID, type EchoTarget } from './gramjs.js';
import { readRsaPublicKey } from './rsa-public.js';

export const MTCUTE_LAYER = 227;

export interface MtcuteOptions {
  /** A string from exportSession() of an earlier client: reuses its auth key. */
  session?: string;
  /** An SQLite file for the session; in memory if omitted. */
  storageFile?: string;
  apiId?: number;
  apiHash?: string;
  /** Runs mtcute's updates manager: real-time updates and getDifference catch-up (messaging tests). */
  updates?: boolean;
  /** Perfect forward secrecy: every connection binds its own temporary key (auth.bindTempAuthKey), as the Android app does. */
  usePfs?: boolean;
}

export interface MtcuteHandle {
  readonly client: TelegramClient;
  readonly base: BaseTelegramClient;
  /** TCP connections opened so far. */
  readonly connections: number;
  /** Resolves once `count` TCP connections have been opened in total. */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Closes the current TCP connection abruptly, as a network failure would; mtcute reconnects by itself. */
  dropConnection(): Promise<void>;
  /** The disconnect_delay (s) of every ping_delay_disconnect mtcute has sent so far, on any of its connections. */
  readonly pingDelays: readonly number[];
  /** Resolves once mtcute sends a ping_delay_disconnect whose disconnect_delay satisfies `pred`. */
  waitForPing(pred: (disconnectDelay: number) => boolean, timeoutMs?: number): Promise<number>;
  /** Holds every new connection until the returned function is called. */
  holdConnections(): () => void;
  /**
   * Makes the main connection do what mtcute does after a ping or read timeout: drop the connection, start a
   * new session (destroying the old one) and reconnect.
   */
  resetMainSession(): void;
  /** Sends a method whose only bytes are a constructor id no layer defines. */
  callUnknownConstructor(constructorId?: number): Promise<unknown>;
  saveSession(): Promise<string>;
  /** The 256-byte auth key stored for the DC, or undefined before the handshake. */
  authKey(): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

let keyIndexPromise: Promise<Record<string, unknown>> | undefined;

/**
 * mtcute 0.30.3 indexes keys by zero-padded hex but looks server fingerprints up with `Long.toString(16)`, which
 * drops leading zeros: a key whose fingerprint starts with a 0 nibble is never found. The index is a plain
 * mutable object in a module that the package's export map hides, so it is reached by file path.
 */
function publicKeyIndex(): Promise<Record<string, unknown>> {
  keyIndexPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    // The ESM entry sits next to tl/binary/rsa-keys.js in the package root.
    const coreRoot = dirname(require.resolve('@mtcute/core'));
    const mod = (await import(pathToFileURL(join(coreRoot, 'tl/binary/rsa-keys.js')).href)) as { __publicKeyIndex: Record<string, unknown> };
    return mod.__publicKeyIndex;
  })();
  return keyIndexPromise;
}

type WriterMap = Record<string, (w: unknown, obj: any) => void>;
let writerMapPromise: Promise<WriterMap> | undefined;

/** mtcute's process-wide TL writer map (hidden by the export map like the key index): each client gets a copy. */
function sharedWriterMap(): Promise<WriterMap> {
  writerMapPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const coreRoot = dirname(require.resolve('@mtcute/core'));
    const mod = (await import(pathToFileURL(join(coreRoot, 'tl/binary/writer.js')).href)) as { __tlWriterMap: WriterMap };
    return mod.__tlWriterMap;
  })();
  return writerMapPromise;
}

/** Adds Echo's key to mtcute's process-wide key index (idempotent). */
export async function registerMtcuteKey(publicKeyPem: string): Promise<void> {
  addPublicKey(new NodeCryptoProvider(), publicKeyPem);
  const hex = BigInt.asUintN(64, readRsaPublicKey(publicKeyPem).fingerprint).toString(16).padStart(16, '0');
  if (hex.startsWith('0')) {
    const index = await publicKeyIndex();
    if (!index[hex]) throw new Error(`mtcute did not register fingerprint ${hex}`);
    index[hex.replace(/^0+/, '')] = index[hex];
  }
}

/** mtcute's own TCP transport, counting connections so tests can wait for a reconnect. */
class ObservedTcpTransport implements TelegramTransport {
  private readonly inner = new TcpTransport();
  readonly events = new EventEmitter();
  count = 0;
  last: ITelegramConnection | undefined;
  /** While set, new connections wait for it (a network that is down for a while). */
  gate: Promise<void> | undefined;

  async connect(dc: BasicDcOption): Promise<ITelegramConnection> {
    await this.gate;
    const conn = await this.inner.connect(dc);
    this.count++;
    this.last = conn;
    this.events.emit('connected');
    return conn;
  }

  packetCodec(): IPacketCodec {
    return this.inner.packetCodec();
  }
}

/** Registers the key and imports `opts.session` before returning, so the first call can go out at once. */
export async function createMtcuteClient(target: EchoTarget, opts: MtcuteOptions = {}): Promise<MtcuteHandle> {
  await registerMtcuteKey(target.publicKey);
  const dc: BasicDcOption = { id: target.dcId, ipAddress: target.host, port: target.port };
  const transport = new ObservedTcpTransport();
  // The client's pings are observed where mtcute serializes them: its own copy of the writer map.
  const pingDelays: number[] = [];
  const pings = new EventEmitter();
  const shared = await sharedWriterMap();
  const writerMap: WriterMap = {
    ...shared,
    mt_ping_delay_disconnect: (w, obj: { disconnectDelay: number }) => {
      pingDelays.push(obj.disconnectDelay);
      pings.emit('ping', obj.disconnectDelay);
      shared.mt_ping_delay_disconnect!(w, obj);
    },
  };
  const base = new BaseTelegramClient({
    apiId: opts.apiId ?? 12345,
    apiHash: opts.apiHash ?? '0123456789abcdef0123456789abcdef',
    storage: opts.storageFile ? new SqliteStorage(opts.storageFile) : new MemoryStorage(),
    defaultDcs: { main: dc, media: dc },
    transport,
    writerMap: writerMap as never,
    network: opts.usePfs ? { usePfs: true } : undefined,
    // No updates manager unless asked: most tests never sign in, and its loop would only add traffic.
    updates: opts.updates ? {} : false,
    logLevel: process.env.DEBUG ? LogManager.DEBUG : LogManager.OFF,
    initConnectionOptions: { deviceModel: 'echo-e2e', appVersion: '1.0', systemVersion: process.version },
  });
  const client = new TelegramClient({ client: base });
  if (opts.session) await base.importSession(opts.session);

  return {
    client,
    base,
    get connections() {
      return transport.count;
    },
    async waitForConnections(count, timeoutMs = 30_000) {
      const signal = AbortSignal.timeout(timeoutMs);
      while (transport.count < count) await once(transport.events, 'connected', { signal });
    },
    pingDelays,
    async waitForPing(pred, timeoutMs = 30_000) {
      const signal = AbortSignal.timeout(timeoutMs);
      for (;;) {
        const [delay] = (await once(pings, 'ping', { signal })) as [number];
        if (pred(delay)) return delay;
      }
    },
    holdConnections() {
      let release!: () => void;
      transport.gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        transport.gate = undefined;
        release();
      };
    },
    resetMainSession() {
      const network = base.mt.network as unknown as { _primaryDc: { main: { _connections: { _resetSession(reason: string): void }[] } } };
      network._primaryDc.main._connections[0]!._resetSession('test: ping timeout');
    },
    async dropConnection() {
      if (!transport.last) throw new Error('mtcute has no connection to drop');
      await transport.last.close();
    },
    callUnknownConstructor(constructorId = UNKNOWN_CONSTRUCTOR_ID) {
      // The client's writer map is a plain object keyed by method name; a private name cannot clash.
      const name = `echoE2e.unknown_${constructorId.toString(16)}`;
      const writers = base.mt._writerMap as Record<string, unknown>;
      writers[name] ??= (w: { uint(v: number): void }) => w.uint(constructorId);
      return client.call({ _: name } as unknown as Parameters<TelegramClient['call']>[0]);
    },
    saveSession: () => base.exportSession(),
    async authKey() {
      const key = await base.mt.storage.provider.authKeys.get(target.dcId);
      return key ? Buffer.from(key) : undefined;
    },
    close: () => closeMtcute(client),
  };
}

/** destroy() disconnects, stops its timers and closes the storage. */
export async function closeMtcute(client: TelegramClient): Promise<void> {
  // With PFS each connection pool has its own server salt manager, whose timer for the next future salt
  // (up to half an hour away) destroy() leaves running; destroy() also forgets the pools, so look first.
  type Pool = { params?: { salts?: { _timer?: NodeJS.Timeout } } };
  const base = (client as unknown as { _client?: { mt?: { network?: { _dcConnections?: Map<number, Record<string, Pool | undefined>> } } } })._client;
  const salts = [...(base?.mt?.network?._dcConnections?.values() ?? [])].flatMap((dc) => [dc.main, dc.upload, dc.download, dc.downloadSmall].map((pool) => pool?.params?.salts));
  await client.destroy();
  for (const s of salts) clearTimeout(s?._timer);
}

/**
 * For teardown: once `closing()` is called, requests the client starts (its updates loop's deferred
 * getDifference or getChannelDifference, say) are left pending instead of sent. Sent after destroy(), such a
 * request would connect again, and mtcute's connect keeps a `.then()` without a rejection handler on its
 * attempt, so "Client is destroyed" would surface as an unhandled rejection that node:test reports against
 * the hook that made the client, whoever awaits the request.
 */
export function quietWhenDestroyed(client: TelegramClient): { closing(): void } {
  const base = ((client as unknown as { _client?: unknown })._client ?? client) as { call: (...args: unknown[]) => Promise<unknown> };
  const original = base.call.bind(base);
  let closing = false;
  base.call = (...args: unknown[]) => (closing ? new Promise<never>(() => undefined) : original(...args));
  return {
    closing() {
      closing = true;
    },
  };
}

type AffectingMethod = 'messages.readMessageContents' | 'messages.deleteMessages' | 'messages.readHistory' | 'messages.deleteHistory' | 'messages.readMentions';

/**
 * A raw call of a method answering messages.affectedMessages/affectedHistory, whose pts is then handed to
 * mtcute's updates manager, as mtcute's own readHistory and deleteMessages do. A bare `client.call` would
 * leave the manager one pts behind, so the next live update looks like a gap. mtcute 0.30 then postpones it
 * for 0.5 s and, when its timer fires a fraction of a millisecond early (seen under load), can leave it
 * postponed until another update arrives: the test sees nothing although Echo delivered it.
 */
export async function callAffecting<T extends tl.RpcMethod & { _: AffectingMethod }>(client: TelegramClient, req: T): Promise<tl.RpcCallReturn[T['_']]> {
  const res = await client.call(req);
  if (res.ptsCount > 0) {
    client.handleClientUpdate({ _: 'updates', seq: 0, date: 0, chats: [], users: [], updates: [{ _: 'mtcute.dummyUpdate', channelId: 0, pts: res.pts, ptsCount: res.ptsCount }] });
  }
  return res;
}

/**
 * Starts mtcute's updates loop and returns once the loop's first fetch of the update state is over. For an
 * account whose pts is still 0 (a new one) mtcute 0.30 fetches the state again as its loop starts (getState,
 * then getDifference, whose content it discards): an update that reaches the account during that fetch is
 * counted as applied and never shown. The fetch holds the manager's lock, queued before startUpdatesLoop returns.
 */
export async function startUpdates(h: Pick<MtcuteHandle, 'client' | 'base'>): Promise<void> {
  await h.client.startUpdatesLoop();
  await h.base.updates?.lock.with(async () => {});
}
