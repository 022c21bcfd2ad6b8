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
import type { LimitMetrics, SessionMetrics } from '../../infra/metrics/metrics.js';
import { evictForNewSession, markUsed, type SessionLimits } from './session-limits.js';

const ID_MSG_CONTAINER = 0x73f1f8dc;
const ID_GZIP_PACKED = 0x3072cfa1;
/** Results at least this large are sent gzip_packed when that makes them smaller. */
const GZIP_THRESHOLD = 512;
const MAX_CONTAINER_ITEMS = 1020;
/** A container must stay below the client's packet limit; larger batches are split. */
const MAX_CONTAINER_BYTES = 1 << 20;
/** Sessions idle this long are forgotten. */
const SESSION_IDLE_MS = 30 * 60 * 1000;
/** Pushes for a device whose connection just dropped wait this long for it to come back. */
const RECONNECT_WINDOW_MS = 60_000;
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
  /** Sessions per auth key and idle session lifetime (defaults in session-limits.ts). */
  limits?: SessionLimits;
  limitMetrics?: LimitMetrics;
}

interface SessionState {
  session: MtSession;
  key: AuthKeyContext;
  connection?: ConnectionHandle;
  flushScheduled: boolean;
  noUpdates: boolean;
  /** When the session's connection went away (ms); pushes still queue for a reconnect within a short window. */
  disconnectedAt?: number;
}

export class SessionService implements UpdatePusher {
  private readonly sessions = new Map<string, SessionState>();
  private readonly byConnection = new Map<number, Set<SessionState>>();
  private readonly byAuthKey = new Map<bigint, Set<SessionState>>();
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
      state.disconnectedAt = this.deps.now();
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
    const cutoff = this.deps.now() - (this.deps.limits?.sessionIdleMs ?? SESSION_IDLE_MS);
    for (const [k, state] of this.sessions) {
      if (!state.connection && state.session.lastActive < cutoff) this.dropSession(k, state);
    }
  }

  /** The connection carries a session of a signed-in key (the long idle timeout applies). */
  isSignedInConnection(connId: number): boolean {
    for (const state of this.byConnection.get(connId) ?? []) if (state.key.userId !== undefined) return true;
    return false;
  }

  /** Some session of this auth key is held (its key context must stay cached). */
  hasSessionsOf(authKeyId: bigint): boolean {
    return this.byAuthKey.has(authKeyId);
  }

  private dropSession(mapKey: string, state: SessionState): void {
    this.sessions.delete(mapKey);
    const ofKey = this.byAuthKey.get(state.key.authKey.id);
    ofKey?.delete(state);
    if (ofKey?.size === 0) this.byAuthKey.delete(state.key.authKey.id);
  }

  /**
   * Pushes to the most recently active session of each signed-in device: a device gets each update
   * once, on the connection it used last. Offline devices catch up with updates.getDifference.
   */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void {
    const encoded = new Map<number, Buffer>();
    for (const key of this.deps.keys.contextsOfUser(userId)) {
      const target = this.pushTargetOf(key.authKey.id);
      if (!target || (except && except.authKeyId === key.authKey.id && except.sessionId === target.session.id)) continue;
      const layer = key.layer || CANONICAL_LAYER;
      let body = encoded.get(layer);
      if (!body) {
        try {
          body = encodeObject(updates, layer);
        } catch (err) {
          this.deps.log.warn({ err: (err as Error).message, layer, update: updates._ }, 'update cannot be encoded for this layer');
          continue;
        }
        encoded.set(layer, body);
      }
      target.session.enqueue(body, true);
      this.deps.metrics?.updatesPushed(1);
      this.scheduleFlush(target);
    }
  }

  pushToAuthKey(permKeyId: bigint, updates: TlObject): void {
    let target: SessionState | undefined;
    let layer = CANONICAL_LAYER;
    for (const key of this.deps.keys.contextsFor(permKeyId)) {
      const live = this.pushTargetOf(key.authKey.id);
      if (live && (!target || live.session.lastActive > target.session.lastActive)) {
        target = live;
        layer = key.layer || CANONICAL_LAYER;
      }
    }
    if (!target) return;
    let body: Buffer;
    try {
      body = encodeObject(updates, layer);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, layer, update: updates._ }, 'update cannot be encoded for this layer');
      return;
    }
    target.session.enqueue(body, true);
    this.deps.metrics?.updatesPushed(1);
    this.scheduleFlush(target);
  }

  isOnline(userId: bigint): boolean {
    for (const key of this.deps.keys.contextsOfUser(userId)) if (this.liveSessionOf(key.authKey.id)) return true;
    return false;
  }

  /** Closes every live connection of sessions on these auth keys (a device signed out by force). */
  disconnectKeys(authKeyIds: readonly bigint[], reason: string): void {
    for (const id of authKeyIds) {
      for (const state of this.byAuthKey.get(id) ?? []) state.connection?.close(reason);
    }
  }

  /**
   * Where a push for this device goes: its live session, or else the session whose connection dropped
   * moments ago — clients reconnect within seconds and do not ask for a difference unless they notice a
   * gap, so the update waits in that session's queue and leaves when the session reappears.
   */
  private pushTargetOf(authKeyId: bigint): SessionState | undefined {
    const live = this.liveSessionOf(authKeyId);
    if (live) return live;
    const since = this.deps.now() - RECONNECT_WINDOW_MS;
    let best: SessionState | undefined;
    for (const state of this.byAuthKey.get(authKeyId) ?? []) {
      if (state.noUpdates || state.disconnectedAt === undefined || state.disconnectedAt < since) continue;
      if (!best || state.session.lastActive > best.session.lastActive) best = state;
    }
    return best;
  }

  private liveSessionOf(authKeyId: bigint): SessionState | undefined {
    let best: SessionState | undefined;
    for (const state of this.byAuthKey.get(authKeyId) ?? []) {
      if (!state.connection || state.connection.closed || state.noUpdates) continue;
      if (!best || state.session.lastActive > best.session.lastActive) best = state;
    }
    return best;
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
    if (state) markUsed(this.byAuthKey.get(key.authKey.id), state);
    if (!state) {
      state = { session: new MtSession(sessionId, key.authKey.id, this.deps.msgIds, this.deps.now()), key, flushScheduled: false, noUpdates: false };
      this.sessions.set(mapKey, state);
      let ofKey = this.byAuthKey.get(key.authKey.id);
      if (!ofKey) this.byAuthKey.set(key.authKey.id, (ofKey = new Set()));
      const evicted = evictForNewSession(ofKey, this.deps.limits);
      if (evicted) {
        this.dropSession(`${key.authKey.id}:${evicted.session.id}`, evicted);
        this.deps.limitMetrics?.limitHit('sessions_per_auth_key');
      }
      ofKey.add(state);
      const created = encodeObject({
        _: 'new_session_created', firstMsgId, uniqueId: this.deps.random(8).readBigInt64LE(0), serverSalt: this.currentSalt(key, this.deps.now()),
      } as TlObject);
      state.session.enqueue(created, true);
      this.deps.log.debug({ conn: conn.id, sessionId: sessionId.toString() }, 'new session');
    }
    if (state.connection !== conn) {
      const previous = state.connection;
      state.disconnectedAt = undefined;
      const cameOnline = !conn.ephemeral && key.userId !== undefined && this.connectivityListener !== undefined && !this.isOnline(key.userId);
      state.connection = conn;
      if (cameOnline) this.connectivityListener!(key.userId!, true);
      let set = this.byConnection.get(conn.id);
      if (!set) this.byConnection.set(conn.id, (set = new Set()));
      set.add(state);
      // Answers that went out on a connection that is gone may never have arrived.
      if (!conn.ephemeral && (previous === undefined || previous.closed)) state.session.requeueUnacked();
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
        if (victim) this.dropSession(mapKey, victim);
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
        state.noUpdates = true;
      },
    });
    if (query === undefined || typeof query !== 'object') throw new RpcError(400, 'INPUT_FETCH_ERROR');
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
