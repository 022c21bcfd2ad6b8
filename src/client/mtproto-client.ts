// A minimal MTProto client (TCP or WebSocket) built from Echo's own sans-IO core. Used by the test suite for
// cases real client libraries cannot produce (bad input, replays, raw service messages) and by the
// benchmark load generator.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { ClientTransport, type TransportKind } from '../mtproto/transport/index.js';
import { ClientHandshake, type ClientHandshakeOptions } from '../mtproto/handshake/index.js';
import { encodePlainMessage, parsePlainMessage } from '../mtproto/plain-message.js';
import type { RsaPublicKey } from '../mtproto/crypto/rsa.js';
import { decodeObject, encodeObject, type TlObject } from '../tl/index.js';
import { ClientSession, type ServerMessageInfo } from './client-session.js';

export type ClientEndpoint =
  /** `localAddress` picks the source address (any 127.x.y.z on loopback: load tests spread over many). */
  | { host: string; port: number; transport?: TransportKind; localAddress?: string }
  /** WebSocket (`ws://` or `wss://` URL, subprotocol "binary"); the framing must be obfuscated2 as real web clients use. */
  | { url: string; transport?: TransportKind; rejectUnauthorized?: boolean }
  /** MTProto over HTTP: every packet is one POST to `httpUrl` (…/api), the response body the server's packet. */
  | { httpUrl: string; rejectUnauthorized?: boolean };

/** The byte pipe under the framing: a TCP socket or a WebSocket. */
interface ByteChannel {
  write(bytes: Buffer): void;
  destroy(): void;
  /** Stops reading what the server sends (TCP and WebSocket), to act as a client that never reads. */
  pause?(): void;
}

export type ClientEvent =
  | { type: 'message'; message: ServerMessageInfo }
  | { type: 'plain'; body: TlObject }
  | { type: 'transportError'; code: number }
  | { type: 'quickAck'; token: number }
  | { type: 'closed' };

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    readonly errorMessage: string,
  ) {
    super(`${code} ${errorMessage}`);
  }
}

export class EchoClient {
  session?: ClientSession;
  closed = false;
  private channel!: ByteChannel;
  private httpUrl?: string;
  private rejectUnauthorized = true;
  private readonly transport: ClientTransport;
  private readonly events: ClientEvent[] = [];
  private waiters: { match: (e: ClientEvent) => boolean; resolve: (e: ClientEvent) => void; reject: (err: Error) => void }[] = [];
  private readonly random = (n: number) => randomBytes(n);
  private plainMsgId = 0n;
  /** Sees every event first; returning true consumes it (load generators count pushes without queueing them). */
  listener?: (event: ClientEvent) => boolean;
  /** Server content-related msg_ids to acknowledge; real clients ack, or the server keeps re-sending. */
  private toAck: bigint[] = [];
  private ackTimer?: NodeJS.Timeout;

  private constructor(transport: TransportKind) {
    this.transport = new ClientTransport(transport, this.random);
  }

  static async open(endpoint: ClientEndpoint): Promise<EchoClient> {
    if ('httpUrl' in endpoint) {
      const client = new EchoClient('intermediate');
      client.httpUrl = endpoint.httpUrl;
      client.rejectUnauthorized = endpoint.rejectUnauthorized ?? true;
      client.channel = { write: () => {}, destroy: () => client.onClosed() };
      return client;
    }
    if ('url' in endpoint) {
      const client = new EchoClient(endpoint.transport ?? 'obfuscated2/intermediate');
      const ws = new WebSocket(endpoint.url, 'binary', { rejectUnauthorized: endpoint.rejectUnauthorized ?? true });
      ws.binaryType = 'nodebuffer';
      client.channel = { write: (b) => ws.send(b), destroy: () => ws.terminate(), pause: () => ws.pause() };
      ws.on('message', (data: Buffer) => client.onData(data));
      ws.on('error', () => {});
      ws.on('close', () => client.onClosed());
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return client;
    }
    const client = new EchoClient(endpoint.transport ?? 'intermediate');
    const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true, localAddress: endpoint.localAddress });
    client.channel = { write: (b) => socket.write(b), destroy: () => socket.destroy(), pause: () => socket.pause() };
    socket.on('data', (chunk: Buffer) => client.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => client.onClosed());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  private onClosed(): void {
    this.closed = true;
    this.push({ type: 'closed' });
  }

  /** Creates an auth key with the handshake and starts an encrypted session on it. */
  async createAuthKey(publicKey: RsaPublicKey & { fingerprint: bigint }, opts: Partial<ClientHandshakeOptions> = {}): Promise<ClientSession> {
    const hs = new ClientHandshake({ publicKey, random: this.random, now: Date.now, dcId: 2, padding: 'rsa_pad', innerData: 'dc', ...opts });
    let request: TlObject | undefined = hs.start();
    while (request) {
      this.sendPlain(request);
      const reply = await this.next((e) => e.type === 'plain' || e.type === 'closed' || e.type === 'transportError');
      if (reply.type !== 'plain') throw new Error(`handshake interrupted: ${reply.type}`);
      const step = hs.handle(reply.body);
      if (step.error) throw new Error(`handshake failed: ${step.error}`);
      if (step.completed) {
        this.session = new ClientSession(step.completed.authKey, step.completed.serverSalt, this.random, Date.now, step.completed.timeOffset);
        return this.session;
      }
      request = step.request;
    }
    throw new Error('handshake ended without a key');
  }

  /** Stops reading from the server for good (tests of a client that never reads); sending still works. */
  stopReading(): void {
    if (!this.channel.pause) throw new Error('stopReading: not on an HTTP client');
    this.channel.pause();
  }

  useSession(session: ClientSession): void {
    this.session = session;
  }

  sendPlain(obj: TlObject): void {
    this.plainMsgId = this.plainMsgId === 0n ? (BigInt(Math.floor(Date.now() / 1000)) << 32n) : this.plainMsgId + 4n;
    this.sendPacket(encodePlainMessage(this.plainMsgId, encodeObject(obj)));
  }

  /** One transport frame carrying `payload`. */
  sendPacket(payload: Buffer, quickAck = false): void {
    if (this.httpUrl !== undefined) {
      this.postPacket(payload);
      return;
    }
    this.channel.write(this.transport.encode(payload, quickAck));
  }

  /** MTProto over HTTP: the response body (if any) is the server's next packet; a status >= 400 is a transport error. */
  private postPacket(payload: Buffer): void {
    const url = new URL(this.httpUrl!);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': payload.length }, rejectUnauthorized: this.rejectUnauthorized }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if ((res.statusCode ?? 500) >= 400) this.push({ type: 'transportError', code: -(res.statusCode ?? 500) });
        else if (body.length > 0) this.handleFrame(body);
      });
    });
    req.on('error', () => this.push({ type: 'transportError', code: -1 }));
    req.end(payload);
  }

  /** Over HTTP the server can only answer inside a response: an empty POST-free long poll asks for more. */
  poll(): void {
    if (this.httpUrl === undefined || !this.session) return;
    this.send({ _: 'http_wait', maxDelay: 0, waitAfter: 0, maxWait: 5000 } as TlObject, { contentRelated: false });
  }

  /** Bytes as they are, bypassing the framing (bad-input tests). */
  sendRaw(bytes: Buffer): void {
    this.channel.write(bytes);
  }

  /** Sends an API/service object as a content-related message; returns its msg_id. */
  send(obj: TlObject | Uint8Array, opts: { contentRelated?: boolean; quickAck?: boolean; msgId?: bigint } = {}): bigint {
    const session = this.requireSession();
    const body = obj instanceof Uint8Array ? obj : encodeObject(obj);
    const msg = session.message(body, opts.contentRelated ?? true, opts.msgId);
    this.sendPacket(session.encrypt(msg), opts.quickAck);
    return msg.msgId;
  }

  /** Sends a request and resolves with its result, re-sending after bad_server_salt / time corrections. */
  async invoke(obj: TlObject, timeoutMs = 10_000): Promise<unknown> {
    const session = this.requireSession();
    for (let attempt = 0; attempt < 3; attempt++) {
      const msgId = this.send(obj);
      const event = await this.next(
        (e) =>
          e.type === 'closed' ||
          e.type === 'transportError' ||
          (e.type === 'message' && (((e.message.body as any).reqMsgId === msgId && e.message.body._ === 'rpc_result') || (e.message.body as any).badMsgId === msgId)),
        timeoutMs,
      );
      if (event.type !== 'message') throw new Error(`connection ended while waiting for a result (${event.type}${event.type === 'transportError' ? ' ' + event.code : ''})`);
      const body = event.message.body as TlObject & Record<string, any>;
      if (body._ === 'bad_server_salt') {
        session.salt = body.newServerSalt as bigint;
        continue;
      }
      if (body._ === 'bad_msg_notification') {
        if (body.errorCode === 16 || body.errorCode === 17) {
          session.timeOffset = Number(event.message.msgId >> 32n) - Math.floor(Date.now() / 1000);
          continue;
        }
        throw new Error(`bad_msg_notification ${body.errorCode}`);
      }
      const result = body.result as TlObject & Record<string, any>;
      if (result && result._ === 'rpc_error') throw new RpcFailure(result.errorCode as number, result.errorMessage as string);
      return result;
    }
    throw new Error('request not accepted after 3 attempts');
  }

  /** The next event matching `match` (already received or future). */
  next(match: (e: ClientEvent) => boolean, timeoutMs = 10_000): Promise<ClientEvent> {
    const index = this.events.findIndex(match);
    if (index >= 0) return Promise.resolve(this.events.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== resolve);
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject,
      });
    });
  }

  /** The rpc_result (or bad_msg/bad_server_salt) for a request sent with send(). */
  async resultOf(msgId: bigint, timeoutMs = 10_000): Promise<TlObject & Record<string, any>> {
    const event = await this.next((e) => e.type === 'closed' || (e.type === 'message' && ((e.message.body as any).reqMsgId === msgId || (e.message.body as any).badMsgId === msgId)), timeoutMs);
    if (event.type !== 'message') throw new Error('connection closed while waiting for a result');
    return event.message.body as TlObject & Record<string, any>;
  }

  /** Resolves when the server closes the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    await this.next((e) => e.type === 'closed', timeoutMs);
  }

  close(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.channel.destroy();
  }

  private requireSession(): ClientSession {
    if (!this.session) throw new Error('no session: call createAuthKey or useSession first');
    return this.session;
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.transport.feed(chunk);
    } catch {
      this.channel.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.type === 'error') this.push({ type: 'transportError', code: frame.code });
      else if (frame.type === 'quickAck') this.push({ type: 'quickAck', token: frame.token });
      else this.handleFrame(frame.payload);
    }
  }

  private handleFrame(payload: Buffer): void {
    if (payload.readBigInt64LE(0) === 0n) {
      this.push({ type: 'plain', body: decodeObject(parsePlainMessage(payload).body) });
      return;
    }
    if (!this.session) return;
    for (const message of this.session.decrypt(payload)) {
      if (message.seqNo & 1) this.toAck.push(message.msgId);
      this.push({ type: 'message', message });
    }
    if (this.toAck.length > 0 && !this.ackTimer) {
      this.ackTimer = setTimeout(() => this.flushAcks(), 20);
      this.ackTimer.unref();
    }
  }

  private flushAcks(): void {
    this.ackTimer = undefined;
    if (this.closed || this.toAck.length === 0) return;
    const msgIds = this.toAck;
    this.toAck = [];
    this.send({ _: 'msgs_ack', msgIds } as TlObject, { contentRelated: false });
  }

  private push(event: ClientEvent): void {
    if (this.listener?.(event)) return;
    const index = this.waiters.findIndex((w) => w.match(event));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve(event);
      return;
    }
    this.events.push(event);
  }
}
