// The MTProto session layer for encrypted traffic (core.telegram.org/mtproto/service_messages and
// /mtproto/description): holds a node's sessions and their connections, and wires the modules that do the
// work: incoming.ts (decryption, msg_ids, containers), service-messages.ts, rpc-calls.ts, resend.ts (acks,
// resends, unacknowledged updates), push-queue.ts (which session an update goes to) and outbound.ts (flushes).
import type { Logger } from 'pino';
import { MtSession } from '../../mtproto/session/session.js';
import { ServerMsgIdGenerator } from '../../mtproto/session/msg-id.js';
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import { encodeObject, type TlObject } from '../../tl/index.js';
import type { RpcDispatcher } from '../../bff/registry.js';
import type { AuthKeyContext, AuthKeyRegistry } from './auth-keys.js';
import type { ConnectionHandle } from './connection.js';
import type { HandedOverUpdate, NodeSessions, SessionRef } from '../../contracts/push.js';
import type { LimitMetrics, SessionMetrics } from '../../infra/metrics/metrics.js';
import { evictForNewSession, markUsed, type SessionLimits } from './session-limits.js';
import { DeviceSubscriptions } from './update-subscriptions.js';
import { isLive, type SessionState } from './session-state.js';
import { currentSalt } from './key-salts.js';
import { Outbound } from './outbound.js';
import { Resends } from './resend.js';
import { PushQueue } from './push-queue.js';
import { RpcCalls } from './rpc-calls.js';
import { ServiceMessages } from './service-messages.js';
import { IncomingPackets } from './incoming.js';

/** Sessions idle this long are forgotten. */
const SESSION_IDLE_MS = 30 * 60 * 1000;
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

export class SessionService implements NodeSessions {
  private readonly sessions = new Map<string, SessionState>();
  private readonly byConnection = new Map<number, Set<SessionState>>();
  private readonly byAuthKey = new Map<bigint, Set<SessionState>>();
  private readonly subscriptions = new DeviceSubscriptions<SessionState>();
  /** Every service that follows connectivity (presence, last seen, channel push candidates) has its own. */
  private readonly connectivityListeners: Array<(userId: bigint, online: boolean) => void> = [];

  private readonly resends: Resends;
  private readonly pushes: PushQueue;
  private readonly rpcCalls: RpcCalls;
  private readonly incoming: IncomingPackets;

  constructor(private readonly deps: SessionServiceDeps) {
    const { keys, salts, rpc, log, now, random, metrics } = deps;
    const outbound = new Outbound({ salts, now, random });
    const resends = new Resends({ log, outbound });
    this.resends = resends;
    this.pushes = new PushQueue({ keys, log, now, metrics, subscriptions: this.subscriptions, outbound, resends });
    this.rpcCalls = new RpcCalls({ keys, rpc, log, now, metrics, outbound, subscribe: (state) => this.pushes.subscribe(state), notSubscribing: (state) => this.pushes.settleProvisional(state, false) });
    const serviceMessages = new ServiceMessages({
      keys, salts, log, now, outbound, resends, rpcCalls: this.rpcCalls,
      findSession: (mapKey) => this.sessions.get(mapKey),
      dropSession: (mapKey, state) => this.dropSession(mapKey, state),
    });
    this.incoming = new IncomingPackets({
      keys, salts, log, now, outbound, resends, serviceMessages, rpcCalls: this.rpcCalls,
      sessionFor: (key, sessionId, firstMsgId, conn) => this.sessionFor(key, sessionId, firstMsgId, conn),
      keyKnownOn: (conn, keyId) => {
        for (const state of this.byConnection.get(conn.id) ?? []) if (state.key.authKey.id === keyId) return true;
        return false;
      },
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** RPC calls started and not yet answered (graceful shutdown waits for 0). */
  get inFlightRpcs(): number {
    return this.rpcCalls.inFlightRpcs;
  }

  /** Resolves true once no RPC is running, or false when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.rpcCalls.whenIdle(timeoutMs);
  }

  /** Messages queued for sessions and not yet written to a connection (sessions whose device is offline). */
  pendingOutbound(): number {
    let n = 0;
    for (const state of this.sessions.values()) n += state.session.outbox.length;
    return n;
  }

  /** An encrypted packet from a connection (auth_key_id != 0). */
  handlePacket(conn: ConnectionHandle, packet: Buffer, quickAck: boolean): Promise<void> {
    return this.incoming.handlePacket(conn, packet, quickAck);
  }

  /** A packet decrypted by the gateway holding the connection's socket. */
  handleDecrypted(conn: ConnectionHandle, keyId: bigint, plain: Buffer): Promise<void> {
    return this.incoming.handleDecrypted(conn, keyId, plain);
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
      if (this.isOnline(userId) || this.connectivityListeners.length === 0) continue;
      const timer = setTimeout(() => {
        if (!this.isOnline(userId)) this.announceConnectivity(userId, false);
      }, OFFLINE_GRACE_MS);
      timer.unref();
    }
  }

  /** Called when a user's first device connects (true) or the last one has been gone a moment (false). */
  onConnectivity(listener: (userId: bigint, online: boolean) => void): void {
    this.connectivityListeners.push(listener);
  }

  private announceConnectivity(userId: bigint, online: boolean): void {
    for (const listener of this.connectivityListeners) listener(userId, online);
  }

  /** A device of the user was bound or unbound on a live connection: announces the transition that made, if any. */
  connectivityChanged(userId: bigint, wasOnline: boolean): void {
    const online = this.isOnline(userId);
    if (online !== wasOnline) this.announceConnectivity(userId, online);
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
    this.subscriptions.remove(state);
    const ofKey = this.byAuthKey.get(state.key.authKey.id);
    ofKey?.delete(state);
    if (ofKey?.size === 0) this.byAuthKey.delete(state.key.authKey.id);
  }

  /** Pushes to each signed-in device of the user once (push-queue.ts). */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef, eventId?: string): void {
    this.pushes.pushToUser(userId, updates, except, eventId);
  }

  pushToAuthKey(permKeyId: bigint, updates: TlObject, eventId?: string): void {
    this.pushes.pushToAuthKey(permKeyId, updates, eventId);
  }

  onDeviceArrival(listener: (permKeyId: bigint, userId: bigint) => void): void {
    this.pushes.onDeviceArrival(listener);
  }

  releaseDevice(permKeyId: bigint, userId: bigint): HandedOverUpdate[] {
    return this.pushes.releaseDevice(permKeyId, userId);
  }

  adoptDevice(permKeyId: bigint, userId: bigint, updates: readonly HandedOverUpdate[]): number {
    return this.pushes.adoptDevice(permKeyId, userId, updates);
  }

  /** The users with a signed-in session on a live connection here. */
  onlineUsers(): Set<bigint> {
    const users = new Set<bigint>();
    for (const states of this.byConnection.values()) for (const state of states) if (state.key.userId !== undefined && isLive(state)) users.add(state.key.userId);
    return users;
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
    this.pushes.dropPendingUpdates(permKeyId);
  }

  private sessionFor(key: AuthKeyContext, sessionId: bigint, firstMsgId: bigint, conn: ConnectionHandle): SessionState {
    const mapKey = `${key.authKey.id}:${sessionId}`;
    let state = this.sessions.get(mapKey);
    if (state) markUsed(this.byAuthKey.get(key.authKey.id), state);
    if (!state) {
      state = { session: new MtSession(sessionId, key.authKey.id, this.deps.msgIds, this.deps.now()), key, flushScheduled: false };
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
        _: 'new_session_created', firstMsgId, uniqueId: this.deps.random(8).readBigInt64LE(0), serverSalt: currentSalt(this.deps.salts, key, this.deps.now()),
      } as TlObject);
      state.session.enqueue(created, true);
      this.deps.log.debug({ conn: conn.id, sessionId: sessionId.toString() }, 'new session');
    }
    if (state.connection !== conn) {
      const cameOnline = !conn.ephemeral && key.userId !== undefined && this.connectivityListeners.length > 0 && !this.isOnline(key.userId);
      state.connection = conn;
      if (cameOnline) this.announceConnectivity(key.userId!, true);
      let set = this.byConnection.get(conn.id);
      if (!set) this.byConnection.set(conn.id, (set = new Set()));
      set.add(state);
      this.resends.reboundTo(state, conn);
      if (!conn.ephemeral && state.subscribedAt === undefined) this.pushes.subscribeOnArrival(state);
    }
    return state;
  }
}
