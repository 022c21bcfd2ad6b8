// GramJS (`telegram`, layer 198) pointed at Echo, unmodified: the key goes into its runtime key map and the
// address into a Connection subclass, because TelegramClient.connect() ignores the session's port.
import { EventEmitter, once } from 'node:events';
import { TelegramClient, Api, sessions, helpers, Logger } from 'telegram';
import { Connection, ConnectionTCPFull, ConnectionTCPAbridged, ConnectionTCPObfuscated } from 'telegram/network/index.js';
import { _serverKeys } from 'telegram/crypto/RSA.js';
import { PromisedWebSockets } from 'telegram/extensions/index.js';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { LAYER as GRAMJS_LAYER } from 'telegram/tl/AllTLObjects.js';
import { readRsaPublicKey } from './rsa-public.js';

export { Api, GRAMJS_LAYER };

export type GramjsTransport = 'full' | 'abridged' | 'obfuscated' | 'websocket';
export const GRAMJS_TRANSPORTS: readonly GramjsTransport[] = ['full', 'abridged', 'obfuscated', 'websocket'];

export interface EchoTarget {
  dcId: number;
  host: string;
  /** TCP port (full, abridged, obfuscated). */
  port: number;
  /** HTTP port serving /apiws (websocket). */
  httpPort?: number;
  publicKey: string;
}

export interface GramjsOptions {
  transport?: GramjsTransport;
  /** A string saved from an earlier client: reuses its auth key. */
  session?: string;
  /**
   * Attempts per (re)connect; a server restart while the client lives needs enough to outlast it (GramJS gives up
   * silently after the last one and its pending requests then never settle), so restart tests ask for many.
   */
  connectionRetries?: number;
  retryDelayMs?: number;
  apiId?: number;
  apiHash?: string;
}

export interface GramjsHandle {
  readonly client: TelegramClient;
  readonly transport: GramjsTransport;
  /** Transport connections opened so far (the first connect counts as 1). */
  readonly connections: number;
  /** Resolves once `count` transport connections have been opened in total (an auto-reconnect, for instance). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** The StringSession with the auth key, for a later client. */
  saveSession(): string;
  /** The 256-byte auth key in use, or undefined before the handshake. */
  authKey(): Buffer | undefined;
  close(): Promise<void>;
}

/** Registers Echo's key in GramJS's fingerprint map (process-wide, idempotent). Returns the signed fingerprint. */
export function registerGramjsKey(publicKeyPem: string): bigint {
  const { n, e, fingerprint } = readRsaPublicKey(publicKeyPem);
  _serverKeys.set(fingerprint.toString(), { n: helpers.readBigIntFromBuffer(n, false, false), e });
  return fingerprint;
}

function baseConnection(transport: GramjsTransport): typeof Connection {
  switch (transport) {
    case 'full':
      return ConnectionTCPFull;
    case 'abridged':
      return ConnectionTCPAbridged;
    case 'obfuscated':
    case 'websocket':
      return ConnectionTCPObfuscated;
  }
}

type ConnectionParams = ConstructorParameters<typeof Connection>[0];

/**
 * A Connection class bound to one address. Reconnects rebuild the connection through `connection.constructor`,
 * so the forced address sticks. For WebSocket, PromisedWebSockets builds `ws://ip:port/apiws` for any port
 * other than 443, so forcing the port to the HTTP port is the whole trick.
 */
function boundConnection(transport: GramjsTransport, ip: string, port: number, events: EventEmitter): typeof Connection {
  const Base = baseConnection(transport);
  class EchoConnection extends Base {
    constructor(params: ConnectionParams) {
      super({ ...params, ip, port });
    }
    override async connect(): Promise<void> {
      await super.connect();
      events.emit('connected');
    }
  }
  return EchoConnection;
}

export function createGramjsClient(target: EchoTarget, opts: GramjsOptions = {}): GramjsHandle {
  const transport = opts.transport ?? 'full';
  registerGramjsKey(target.publicKey);
  let port = target.port;
  if (transport === 'websocket') {
    if (!target.httpPort) throw new Error('websocket transport needs target.httpPort');
    port = target.httpPort;
  }
  const events = new EventEmitter();
  let connections = 0;
  events.on('connected', () => connections++);

  const session = new sessions.StringSession(opts.session ?? '');
  // StringSession writes the port as a signed 16-bit integer and free ports are usually above 32767;
  // the connection class supplies the real port, so an out-of-range one is stored as a placeholder.
  session.setDC(target.dcId, target.host, port < 32768 ? port : 443);

  const client = new TelegramClient(session, opts.apiId ?? 12345, opts.apiHash ?? '0123456789abcdef0123456789abcdef', {
    connection: boundConnection(transport, target.host, port, events),
    ...(transport === 'websocket' ? { networkSocket: PromisedWebSockets } : {}),
    useWSS: false,
    connectionRetries: opts.connectionRetries ?? 2,
    retryDelay: opts.retryDelayMs ?? 200,
    autoReconnect: true,
    securityChecks: true,
    deviceModel: 'echo-e2e',
    systemVersion: process.version,
    appVersion: '1.0',
    baseLogger: new Logger(process.env.DEBUG ? LogLevel.DEBUG : LogLevel.NONE),
  });

  return {
    client,
    transport,
    get connections() {
      return connections;
    },
    async waitForConnections(count, timeoutMs = 30_000) {
      const signal = AbortSignal.timeout(timeoutMs);
      while (connections < count) await once(events, 'connected', { signal });
    },
    saveSession() {
      const saved = client.session.save() as unknown as string;
      if (!saved) throw new Error('GramJS session has no auth key yet');
      return saved;
    },
    authKey: () => client.session.getAuthKey()?.getKey(),
    close: () => closeGramjs(client),
  };
}

/** A constructor id that no TL layer defines: the request a client built against a future schema would send. */
export const UNKNOWN_CONSTRUCTOR_ID = 0x0badc0de;

/** A request whose bytes are just a constructor id unknown to every layer (GramJS serializes from the instance's id). */
export function unknownMethodRequest(constructorId = UNKNOWN_CONSTRUCTOR_ID): Api.help.GetConfig {
  const req = new Api.help.GetConfig();
  (req as { CONSTRUCTOR_ID: number }).CONSTRUCTOR_ID = constructorId;
  return req;
}

/** Connects and fails loudly: GramJS's connect() returns false instead of throwing. */
export async function connectGramjs(handle: GramjsHandle): Promise<void> {
  const ok = await handle.client.connect();
  if (!ok) throw new Error(`GramJS (${handle.transport}) could not connect`);
}

/** destroy() stops the update loop and every sender; its ping timer is unref'd, so nothing keeps the process alive. */
export async function closeGramjs(client: TelegramClient): Promise<void> {
  await client.destroy();
  // A parallel upload (workers > 1) leaves a 30 s timer to release its extra sender, which destroy() keeps.
  const releases = (client as unknown as { _exportedSenderReleaseTimeouts?: Map<number, NodeJS.Timeout> })._exportedSenderReleaseTimeouts;
  for (const timer of releases?.values() ?? []) clearTimeout(timer);
  releases?.clear();
}
