// The MTProto session layer for encrypted traffic (core.telegram.org/mtproto/service_messages and
// /mtproto/description): decrypts packets, checks salts and msg_ids, unpacks containers and gzip,
// answers service messages, runs RPC calls and sends their results back on the session's connection.
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { decryptMessage, encryptMessage } from '../../mtproto/crypto/message.js';
import { sha256 } from '../../mtproto/crypto/hash.js';
import { MtSession, type OutboundMessage } from '../../mtproto/session/session.js';
import { checkClientMsgId, ServerMsgIdGenerator } from '../../mtproto/session/msg-id.js';
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import { inflatePacked } from '../../mtproto/session/packed.js';
import { CANONICAL_LAYER, decodeObject, encodeObject, encodeResult, TlError, TlReader, type MethodName, type TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { RpcDispatcher } from '../../bff/registry.js';
import type { RpcContext } from '../../bff/context.js';
import type { AuthKeyContext, AuthKeyRegistry } from './auth-keys.js';
import type { ConnectionHandle } from './connection.js';
import { verifyBindTempAuthKey } from './bind-temp-key.js';
import { unwrapInvoke } from './invoke-wrappers.js';
import type { SessionRef, UpdatePusher } from '../../contracts/push.js';
import type { SessionMetrics } from '../../infra/metrics/metrics.js';
import { DeviceSubscriptions, subscribesToUpdates, type Subscriber } from './update-subscriptions.js';

const ID_MSG_CONTAINER = 0x73f1f8dc;
const ID_GZIP_PACKED = 0x3072cfa1;
/** Results at least this large are sent gzip_packed when that makes them smaller. */
const GZIP_THRESHOLD = 512;
const MAX_CONTAINER_ITEMS = 1020;
/** A container must stay below the client's packet limit; larger batches are split. */
const MAX_CONTAINER_BYTES = 1 << 20;
/** Sessions idle this long are forgotten. */
const SESSION_IDLE_MS = 30 * 60 * 1000;
/**
 * Updates kept for a session whose connection is gone (it gets them when it comes back, see deliver);
 * beyond this the oldest go, and the client, seeing the pts gap, asks for a difference.
 */
const MAX_UPDATES_WHILE_AWAY = 1000;
/** A user whose last connection closed counts as offline only after this long (reconnects are quick). */
const OFFLINE_GRACE_MS = 15_000;
/** The handshake salt stays valid for this long after key creation. */
export const HANDSHAKE_SALT_LIFETIME_MS = 30 * 60 * 1000;

export interface SessionServiceDeps {
  keys: AuthKeyRegistry;
  salts: SaltSchedule;
  rpc: RpcDispatcher;
  log: Logger;
  now: () => number;
  random: (n: number) => Buffer;
  msgIds: ServerMsgIdGenerator;
  metrics?: SessionMetrics;
}

interface SessionState extends Subscriber {
  session: MtSession;
  key: AuthKeyContext;
  connection?: ConnectionHandle;
  flushScheduled: boolean;
}

const isLive = (state: SessionState): boolean => state.connection !== undefined && !state.connection.closed;

export class SessionService implements UpdatePusher {
  private readonly sessions = new Map<string, SessionState>();
  private readonly byConnection = new Map<number, Set<SessionState>>();
  private readonly byAuthKey = new Map<bigint, Set<SessionState>>();
  private readonly subscriptions = new DeviceSubscriptions<SessionState>();
  private connectivityListener?: (userId: bigint, online: boolean) => void;

  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: SessionServiceDeps) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** RPC calls started and not yet answered (graceful shutdown waits for 0). */
  get inFlightRpcs(): number {
    return this.inFlight;
  }

  /** Resolves true once no RPC is running, or false when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Messages queued for sessions and not yet written to a connection (sessions whose device is offline). */
  pendingOutbound(): number {
    let n = 0;
    for (const state of this.sessions.values()) n += state.session.outbox.length;
    return n;
  }

  /** An encrypted packet from a connection (auth_key_id != 0). */
  async handlePacket(conn: ConnectionHandle, packet: Buffer, quickAck: boolean): Promise<void> {
    if (packet.length < 8 + 16 + 32) {
      conn.failWithTransportError(-404, `encrypted packet too short (${packet.length} bytes)`);
      return;
    }
    const keyId = packet.readBigInt64LE(0);
    const key = this.deps.keys.peek(keyId) ?? (await this.deps.keys.get(keyId));
    const nowMs = this.deps.now();
    if (!key || (key.expiresAt !== undefined && key.expiresAt * 1000 < nowMs)) {
      conn.failWithTransportError(-404, key ? 'auth key expired' : 'unknown auth key');
      return;
    }
    let plain: Buffer;
    try {
      plain = decryptMessage(key.authKey, packet, 'client');
    } catch (err) {
      conn.close(`decryption failed: ${(err as Error).message}`);
      return;
    }
    if (quickAck) conn.sendQuickAck(quickAckToken(key.authKey.key, plain));

    const salt = plain.readBigInt64LE(0);
    const sessionId = plain.readBigInt64LE(8);
    const msgId = plain.readBigInt64LE(16);
    const seqNo = plain.readInt32LE(24);
    const length = plain.readInt32LE(28);
    if (length < 4 || length > plain.length - 32 || length % 4 !== 0) {
      conn.close(`bad inner message length ${length}`);
      return;
    }
    const body = plain.subarray(32, 32 + length);

    const state = this.sessionFor(key, sessionId, msgId, conn);
    state.session.lastActive = nowMs;

    const timeError = checkClientMsgId(msgId, nowMs);
    if (timeError !== 0) {
      this.badMsg(state, msgId, seqNo, timeError);
    } else if (!this.isSaltValid(key, salt, nowMs)) {
      const badSalt = encodeObject({
        _: 'bad_server_salt', badMsgId: msgId, badMsgSeqno: seqNo, errorCode: 48, newServerSalt: this.currentSalt(key, nowMs),
      } as TlObject);
      state.session.enqueue(badSalt, false, { response: true });
    } else {
      this.handleMessage(state, msgId, seqNo, body, false);
    }
    this.scheduleFlush(state);
  }

  connectionClosed(conn: ConnectionHandle): void {
    const states = this.byConnection.get(conn.id);
    if (!states) return;
    const users = new Set<bigint>();
    for (const state of states) {
      if (state.connection !== conn) continue;
      state.connection = undefined;
      if (state.key.userId !== undefined) users.add(state.key.userId);
    }
    this.byConnection.delete(conn.id);
    // Going offline is announced only if the user stays away for a moment: reconnects do not flap.
    for (const userId of users) {
      if (this.isOnline(userId) || !this.connectivityListener) continue;
      const timer = setTimeout(() => {
        if (!this.isOnline(userId)) this.connectivityListener?.(userId, false);
      }, OFFLINE_GRACE_MS);
      timer.unref();
    }
  }

  /** Called when a user's first device connects (true) or the last one has been gone a moment (false). */
  onConnectivity(listener: (userId: bigint, online: boolean) => void): void {
    this.connectivityListener = listener;
  }

  /** Forgets sessions idle for a long time; called periodically by the app. */
  sweep(): void {
    const cutoff = this.deps.now() - SESSION_IDLE_MS;
    for (const [k, state] of this.sessions) {
      if (!state.connection && state.session.lastActive < cutoff) this.dropSession(k, state);
    }
  }

  private dropSession(mapKey: string, state: SessionState): void {
    this.sessions.delete(mapKey);
    this.subscriptions.remove(state);
    const ofKey = this.byAuthKey.get(state.key.authKey.id);
    ofKey?.delete(state);
    if (ofKey?.size === 0) this.byAuthKey.delete(state.key.authKey.id);
  }

  /**
   * Pushes to each signed-in device of the user once, on the session it subscribed to updates with (see
   * update-subscriptions.ts): with PFS a device has several keys, and downloads run on sessions of their own.
   */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void {
    const encoded = new Map<number, Buffer>();
    const devices = new Set<bigint>();
    for (const key of this.deps.keys.contextsOfUser(userId)) devices.add(key.permKeyId ?? key.authKey.id);
    for (const device of devices) {
      const target = this.subscriptions.targetOf(device, isLive);
      if (!target || (except && except.authKeyId === target.key.authKey.id && except.sessionId === target.session.id)) continue;
      const layer = target.key.layer || CANONICAL_LAYER;
      let body = encoded.get(layer);
      if (!body) {
        body = this.encodeUpdates(updates, layer);
        if (!body) continue;
        encoded.set(layer, body);
      }
      this.deliver(target, body);
    }
  }

  pushToAuthKey(permKeyId: bigint, updates: TlObject): void {
    const target = this.subscriptions.targetOf(permKeyId, isLive);
    if (!target) return;
    const body = this.encodeUpdates(updates, target.key.layer || CANONICAL_LAYER);
    if (body) this.deliver(target, body);
  }

  isOnline(userId: bigint): boolean {
    for (const key of this.deps.keys.contextsOfUser(userId)) {
      for (const state of this.byAuthKey.get(key.authKey.id) ?? []) if (isLive(state)) return true;
    }
    return false;
  }

  /** Closes every live connection of sessions on these auth keys (a device signed out by force). */
  disconnectKeys(authKeyIds: readonly bigint[], reason: string): void {
    for (const id of authKeyIds) {
      for (const state of this.byAuthKey.get(id) ?? []) state.connection?.close(reason);
    }
  }

  /** A device signed out: what was pushed to it for its user and not yet acknowledged must not reach it any more. */
  dropPendingUpdates(permKeyId: bigint): void {
    for (const state of this.subscriptions.sessionsOf(permKeyId)) state.session.takeUnackedUpdates();
  }

  private encodeUpdates(updates: TlObject, layer: number): Buffer | undefined {
    try {
      return encodeObject(updates, layer);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, layer, update: updates._ }, 'update cannot be encoded for this layer');
      return undefined;
    }
  }

  /**
   * Queues an update on the session; it stays there until the client acknowledges it. A session whose
   * connection is gone keeps it for when its client comes back: clients resume their session after a
   * reconnect and do not ask for a difference unless they see a pts gap (and mtcute not even on
   * new_session_created), so an update dropped here would be lost to them.
   */
  private deliver(target: SessionState, body: Buffer): void {
    target.session.enqueue(body, true, { update: true });
    if (!isLive(target)) target.session.trimQueuedUpdates(MAX_UPDATES_WHILE_AWAY);
    this.deps.metrics?.updatesPushed(1);
    this.scheduleFlush(target);
  }

  /**
   * The session made a call that subscribes it to updates. When it is new to its device (the client left
   * another session behind: mtcute starts a new one after a ping timeout, a PFS client after a new temporary
   * key), it takes over the updates that the device's sessions without a connection still hold unacknowledged.
   */
  private subscribe(state: SessionState): void {
    const device = state.key.permKeyId ?? state.key.authKey.id;
    if (!this.subscriptions.subscribe(state, device, this.deps.now())) return;
    for (const other of this.subscriptions.sessionsOf(device)) {
      if (other !== state && !isLive(other)) this.adoptUpdates(state, other);
    }
  }

  private adoptUpdates(into: SessionState, from: SessionState): void {
    const bodies = from.session.takeUnackedUpdates();
    for (const body of bodies) into.session.enqueue(body, true, { update: true });
    if (bodies.length > 0) {
      this.deps.log.debug({ from: from.session.id.toString(), into: into.session.id.toString(), count: bodies.length }, 'updates moved to the device\'s new session');
      this.scheduleFlush(into);
    }
  }

  private isSaltValid(key: AuthKeyContext, salt: bigint, nowMs: number): boolean {
    if (key.handshakeSalt === salt && (key.handshakeSaltUntil ?? 0) > nowMs) return true;
    return this.saltsAround(key, nowMs).includes(salt);
  }

  private currentSalt(key: AuthKeyContext, nowMs: number): bigint {
    return this.saltsAround(key, nowMs)[1]!;
  }

  /** Previous, current and next salt of the key, cached for the current 30-minute slot. */
  private saltsAround(key: AuthKeyContext, nowMs: number): bigint[] {
    const slot = this.deps.salts.slotOf(nowMs);
    if (key.saltCache?.slot !== slot) {
      const id = key.authKey.id;
      key.saltCache = { slot, salts: [slot - 1, slot, slot + 1].map((s) => this.deps.salts.saltFor(id, s)) };
    }
    return key.saltCache.salts;
  }

  private sessionFor(key: AuthKeyContext, sessionId: bigint, firstMsgId: bigint, conn: ConnectionHandle): SessionState {
    const mapKey = `${key.authKey.id}:${sessionId}`;
    let state = this.sessions.get(mapKey);
    if (!state) {
      state = { session: new MtSession(sessionId, key.authKey.id, this.deps.msgIds, this.deps.now()), key, flushScheduled: false };
      this.sessions.set(mapKey, state);
      let ofKey = this.byAuthKey.get(key.authKey.id);
      if (!ofKey) this.byAuthKey.set(key.authKey.id, (ofKey = new Set()));
      ofKey.add(state);
      const created = encodeObject({
        _: 'new_session_created', firstMsgId, uniqueId: this.deps.random(8).readBigInt64LE(0), serverSalt: this.currentSalt(key, this.deps.now()),
      } as TlObject);
      state.session.enqueue(created, true);
      this.deps.log.debug({ conn: conn.id, sessionId: sessionId.toString() }, 'new session');
    }
    if (state.connection !== conn) {
      const cameOnline = !conn.ephemeral && key.userId !== undefined && this.connectivityListener !== undefined && !this.isOnline(key.userId);
      state.connection = conn;
      if (cameOnline) this.connectivityListener!(key.userId!, true);
      let set = this.byConnection.get(conn.id);
      if (!set) this.byConnection.set(conn.id, (set = new Set()));
      set.add(state);
      // What went out on the session's earlier connection and is still unacknowledged may never have arrived,
      // even if that connection still looks open here (a client that reconnects has given up on it).
      if (!conn.ephemeral) state.session.requeueUnacked();
    }
    return state;
  }

  private badMsg(state: SessionState, msgId: bigint, seqNo: number, code: number): void {
    const body = encodeObject({ _: 'bad_msg_notification', badMsgId: msgId, badMsgSeqno: seqNo, errorCode: code } as TlObject);
    state.session.enqueue(body, false, { response: true });
  }

  private handleMessage(state: SessionState, msgId: bigint, seqNo: number, body: Buffer, inContainer: boolean): void {
    const { session } = state;
    const verdict = session.registerInbound(msgId);
    if (verdict === 'duplicate') {
      // A re-sent request: send the answer again if we still have it, otherwise it is still running or done.
      const answer = session.answerTo(msgId);
      if (answer) session.requeueUnacked([answer.msgId]);
      return;
    }
    if (verdict === 'too-old') {
      this.badMsg(state, msgId, seqNo, 16);
      return;
    }
    const contentRelated = (seqNo & 1) === 1;
    if (body.length < 4) return;
    const constructor = body.readUInt32LE(0);
    if (constructor === ID_MSG_CONTAINER) {
      if (inContainer) {
        this.badMsg(state, msgId, seqNo, 64);
        return;
      }
      this.handleContainer(state, msgId, seqNo, body);
      return;
    }
    if (contentRelated) session.pendingAcks.push(msgId);
    let inner = body;
    if (constructor === ID_GZIP_PACKED) {
      try {
        const packed = decodeObject(body) as TlObject & { packedData: Buffer };
        inner = inflatePacked(packed.packedData);
      } catch (err) {
        this.deps.log.info({ conn: state.connection?.id, reason: (err as Error).message }, 'bad gzip_packed');
        this.replyError(state, msgId, new RpcError(400, 'INPUT_FETCH_ERROR'));
        return;
      }
    }
    let request: TlObject;
    try {
      request = decodeObject(inner);
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log.info({ conn: state.connection?.id, reason: message }, 'undecodable message');
      const unknown = err instanceof TlError && /constructor|unknown/i.test(message);
      this.replyError(state, msgId, new RpcError(400, unknown ? 'INPUT_METHOD_INVALID' : 'INPUT_FETCH_ERROR'));
      return;
    }
    this.handleObject(state, msgId, seqNo, request);
  }

  private handleContainer(state: SessionState, containerId: bigint, seqNo: number, body: Buffer): void {
    const items: { msgId: bigint; seqNo: number; body: Buffer }[] = [];
    try {
      const r = new TlReader(body, 4);
      const count = r.count();
      for (let i = 0; i < count; i++) {
        const msgId = r.int64();
        const itemSeqNo = r.int32();
        const bytes = r.int32();
        if (bytes < 0 || bytes > r.remaining) throw new TlError(`container item length ${bytes} out of range`);
        items.push({ msgId, seqNo: itemSeqNo, body: body.subarray(r.pos, r.pos + bytes) });
        r.pos += bytes;
      }
    } catch (err) {
      this.deps.log.info({ conn: state.connection?.id, reason: (err as Error).message }, 'bad msg_container');
      this.badMsg(state, containerId, seqNo, 64);
      return;
    }
    const nowMs = this.deps.now();
    for (const item of items) {
      const timeError = checkClientMsgId(item.msgId, nowMs);
      if (timeError !== 0) this.badMsg(state, item.msgId, item.seqNo, timeError);
      else this.handleMessage(state, item.msgId, item.seqNo, item.body, true);
    }
  }

  private handleObject(state: SessionState, msgId: bigint, seqNo: number, obj: TlObject): void {
    const { session } = state;
    const o = obj as TlObject & Record<string, any>;
    switch (obj._) {
      case 'msgs_ack':
        session.acknowledge(o.msgIds as bigint[]);
        return;
      case 'ping':
      case 'ping_delay_disconnect':
        session.enqueue(encodeObject({ _: 'pong', msgId, pingId: o.pingId } as TlObject), true, { response: true });
        if (obj._ === 'ping_delay_disconnect') state.connection?.setPingDisconnect(o.disconnectDelay as number);
        return;
      case 'get_future_salts': {
        const nowMs = this.deps.now();
        const num = Math.min(Math.max(1, o.num as number), 64);
        const salts = this.deps.salts.future(state.key.authKey.id, nowMs, num).map((s) => ({ _: 'future_salt', ...s }));
        session.enqueue(encodeObject({ _: 'future_salts', reqMsgId: msgId, now: Math.floor(nowMs / 1000), salts } as TlObject), true, { response: true });
        return;
      }
      case 'msgs_state_req':
        session.enqueue(encodeObject({ _: 'msgs_state_info', reqMsgId: msgId, info: this.stateInfo(session, o.msgIds as bigint[]) } as TlObject), true, { response: true });
        return;
      case 'msg_resend_req':
        session.requeueUnacked(o.msgIds as bigint[]);
        return;
      case 'destroy_session': {
        const target = o.sessionId as bigint;
        const mapKey = `${state.key.authKey.id}:${target}`;
        const victim = target !== session.id ? this.sessions.get(mapKey) : undefined;
        if (victim) {
          // The client is done with that session (mtcute destroys the one it left); its undelivered updates are not.
          if (victim.device !== undefined && !isLive(victim)) this.adoptUpdates(state, victim);
          this.dropSession(mapKey, victim);
        }
        const existed = victim !== undefined;
        session.enqueue(encodeObject({ _: existed ? 'destroy_session_ok' : 'destroy_session_none', sessionId: target } as TlObject), true, { response: true });
        return;
      }
      case 'rpc_drop_answer': {
        const target = o.reqMsgId as bigint;
        const answer = session.running.has(target)
          ? { _: 'rpc_answer_dropped_running' }
          : session.wasAnswered(target)
            ? { _: 'rpc_answer_dropped', msgId: target, seqNo: 0, bytes: 0 }
            : { _: 'rpc_answer_unknown' };
        this.replyResult(state, msgId, encodeObject(answer as TlObject));
        return;
      }
      case 'http_wait':
        return;
      case 'destroy_auth_key': {
        // The client throws the key away; so does the server, once the answer is on its way.
        const conn = state.connection;
        this.replyResult(state, msgId, encodeObject({ _: 'destroy_auth_key_ok' } as TlObject));
        this.flush(state);
        this.deps.keys.destroy(state.key.authKey.id).then(
          () => conn?.close('auth key destroyed by the client'),
          (err: Error) => this.deps.log.error({ err }, 'destroying an auth key failed'),
        );
        return;
      }
      default:
        if ((seqNo & 1) === 0) {
          // A request must be content-related; the docs' error 35 says so.
          this.badMsg(state, msgId, seqNo, 35);
          return;
        }
        this.startRpc(state, msgId, obj);
    }
  }

  private stateInfo(session: MtSession, ids: bigint[]): Buffer {
    const info = Buffer.alloc(ids.length);
    const oldest = session.oldestRemembered();
    ids.forEach((id, i) => {
      if (session.hasSeen(id)) info[i] = 4 | (session.running.has(id) || session.wasAnswered(id) ? 32 : 0);
      else if (oldest !== undefined && id < oldest) info[i] = 1;
      else info[i] = id > (this.deps.now() / 1000 + 30) * 2 ** 32 ? 3 : 2;
    });
    return info;
  }

  private startRpc(state: SessionState, msgId: bigint, request: TlObject): void {
    const call = { method: request._, started: performance.now() };
    this.inFlight++;
    const run = this.runRpc(state, msgId, request, call)
      .then(
        (bytes) => {
          this.deps.metrics?.rpcFinished(call.method, undefined, (performance.now() - call.started) / 1000);
          this.replyResult(state, msgId, bytes);
        },
        (err: unknown) => {
          const name = this.replyError(state, msgId, err, call.method);
          this.deps.metrics?.rpcFinished(call.method, name, (performance.now() - call.started) / 1000);
        },
      )
      .finally(() => {
        state.session.running.delete(msgId);
        this.scheduleFlush(state);
        if (--this.inFlight === 0 && this.idleWaiters.length > 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    state.session.running.set(msgId, run);
  }

  /** Unwraps the invoke* wrappers, calls the handler and encodes the result for the client's layer. */
  private async runRpc(state: SessionState, msgId: bigint, request: TlObject, call?: { method: string }): Promise<Buffer> {
    const key = state.key;
    let withoutUpdates = false;
    const query = await unwrapInvoke(request, key.layer, {
      setLayer: (layer) => {
        key.layer = layer;
      },
      clientInfo: (said) => {
        const info = { ...said, ip: state.connection?.remoteAddress ?? '', updatedAt: Math.floor(this.deps.now() / 1000) };
        const prev = key.clientInfo;
        // Saved only when something changed: some clients wrap every single call in initConnection.
        if (!prev || prev.layer !== info.layer || prev.apiId !== info.apiId || prev.appVersion !== info.appVersion || prev.deviceModel !== info.deviceModel || prev.ip !== info.ip || prev.langCode !== info.langCode) {
          this.deps.keys.saveClientInfo(key, info).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'saving client info failed'));
        }
      },
      after: async (msgIds) => {
        await Promise.all(msgIds.map((id) => state.session.running.get(id)).filter((p) => p !== undefined));
      },
      noUpdates: () => {
        withoutUpdates = true;
      },
    });
    if (query === undefined || typeof query !== 'object') throw new RpcError(400, 'INPUT_FETCH_ERROR');
    if (!withoutUpdates && subscribesToUpdates(query._)) this.subscribe(state);
    if (call) call.method = query._;
    const layer = key.layer || CANONICAL_LAYER;
    const ctx: RpcContext = {
      authKey: key,
      sessionId: state.session.id,
      msgId,
      layer,
      connection: state.connection ?? { id: 0, remoteAddress: '', transport: 'none' },
      now: this.deps.now,
    };
    let result: unknown;
    if (query._ === 'auth.bindTempAuthKey') {
      result = await verifyBindTempAuthKey(query as any, msgId, state.session.id, key, this.deps.keys, this.deps.now);
    } else {
      result = await this.deps.rpc.dispatch(query, ctx);
    }
    // A handler answering an old layer in a shape the canonical result type cannot express encodes it itself.
    if (result instanceof Uint8Array) return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
    return encodeResult(query._ as MethodName, result as never, layer);
  }

  private replyResult(state: SessionState, reqMsgId: bigint, resultBytes: Uint8Array): void {
    let payload: Uint8Array = resultBytes;
    if (resultBytes.length >= GZIP_THRESHOLD) {
      const packed = encodeObject({ _: 'gzip_packed', packedData: gzipSync(resultBytes, { level: 6 }) } as TlObject);
      if (packed.length < resultBytes.length) payload = packed;
    }
    const body = encodeObject({ _: 'rpc_result', reqMsgId, result: payload } as TlObject);
    state.session.enqueue(body, true, { response: true, reqMsgId });
    this.scheduleFlush(state);
  }

  /** Answers with rpc_error and logs one line (method and error name, never the request's content); returns the error name. */
  private replyError(state: SessionState, reqMsgId: bigint, err: unknown, method?: string): string {
    let rpcError: RpcError;
    if (err instanceof RpcError) {
      rpcError = err;
    } else {
      this.deps.log.error({ err, conn: state.connection?.id, method }, 'RPC handler failed');
      rpcError = RpcError.internal();
    }
    this.deps.log.info({ conn: state.connection?.id, method, code: rpcError.code, error: rpcError.errorMessage }, 'RPC failed');
    const error = encodeObject({ _: 'rpc_error', errorCode: rpcError.code, errorMessage: rpcError.errorMessage } as TlObject);
    this.replyResult(state, reqMsgId, error);
    return rpcError.errorMessage;
  }

  private scheduleFlush(state: SessionState): void {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    queueMicrotask(() => {
      state.flushScheduled = false;
      this.flush(state);
    });
  }

  /** Sends everything queued for the session, several messages in one container. */
  private flush(state: SessionState): void {
    const conn = state.connection;
    if (!conn || conn.closed) return;
    const { session } = state;
    // An HTTP response carries one packet: wait until the request's RPCs are answered, then send everything at once.
    if (conn.ephemeral && session.running.size > 0) return;
    if (session.pendingAcks.length > 0) {
      session.enqueue(encodeObject({ _: 'msgs_ack', msgIds: session.pendingAcks } as TlObject), false);
      session.pendingAcks = [];
    }
    const messages = session.takeOutbox();
    if (messages.length === 0) return;
    let batch: OutboundMessage[] = [];
    let batchBytes = 0;
    for (const msg of messages) {
      if (batch.length > 0 && (batch.length >= MAX_CONTAINER_ITEMS || batchBytes + msg.body.length > MAX_CONTAINER_BYTES)) {
        this.sendBatch(state, conn, batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push(msg);
      batchBytes += msg.body.length + 16;
    }
    this.sendBatch(state, conn, batch);
  }

  /** Encrypts one message, or a container of several, and sends it; the plaintext is built in one buffer. */
  private sendBatch(state: SessionState, conn: ConnectionHandle, batch: OutboundMessage[]): void {
    const single = batch.length === 1 ? batch[0]! : undefined;
    const bodyLength = single ? single.body.length : batch.reduce((n, m) => n + m.body.length + 16, 8);
    const { msgId, seqNo } = single ?? state.session.wrapperIds();
    const plain = Buffer.allocUnsafe(32 + bodyLength);
    plain.writeBigInt64LE(this.currentSalt(state.key, this.deps.now()), 0);
    plain.writeBigInt64LE(state.session.id, 8);
    plain.writeBigInt64LE(msgId, 16);
    plain.writeInt32LE(seqNo, 24);
    plain.writeInt32LE(bodyLength, 28);
    if (single) {
      plain.set(single.body, 32);
    } else {
      let at = plain.writeUInt32LE(ID_MSG_CONTAINER, 32);
      at = plain.writeInt32LE(batch.length, at);
      for (const m of batch) {
        at = plain.writeBigInt64LE(m.msgId, at);
        at = plain.writeInt32LE(m.seqNo, at);
        at = plain.writeInt32LE(m.body.length, at);
        plain.set(m.body, at);
        at += m.body.length;
      }
    }
    conn.sendPacket(encryptMessage(state.key.authKey, plain, 'server', this.deps.random));
  }
}

/** Quick ack token: the first 32 bits of SHA256(auth_key[88..120] ‖ plaintext) with the top bit set. */
function quickAckToken(authKey: Buffer, plaintext: Buffer): number {
  return (sha256(authKey.subarray(88, 120), plaintext).readUInt32LE(0) | 0x80000000) >>> 0;
}
