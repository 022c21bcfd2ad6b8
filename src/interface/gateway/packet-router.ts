// Routes one MTProto packet from any transport: auth_key_id 0 -> the auth key handshake,
// anything else -> the encrypted session layer.
import type { Logger } from 'pino';
import { encodePlainMessage, isPlainMessage, parsePlainMessage } from '../../mtproto/plain-message.js';
import type { ServerMsgIdGenerator } from '../../mtproto/session/msg-id.js';
import { decodeObject } from '../../tl/index.js';
import type { HandshakeRunner, HandshakeSlot } from './handshake-runner.js';
import type { AuthKeyRegistry } from '../session/auth-keys.js';
import { HANDSHAKE_SALT_LIFETIME_MS, type SessionService } from '../session/session-service.js';
import type { ConnectionHandle } from '../session/connection.js';
import type { PacketSink } from './mtproto-connection.js';
import type { TokenBuckets } from '../../common/rate-limiter.js';
import type { GatewayMetrics, LimitMetrics } from '../../infra/metrics/metrics.js';

export interface PacketRouterDeps {
  sessions: SessionService;
  keys: AuthKeyRegistry;
  /** Runs the exchanges (in place, or on the handshake worker threads). */
  handshakes: HandshakeRunner;
  msgIds: ServerMsgIdGenerator;
  log: Logger;
  now: () => number;
  /** Called for every key created, for metrics and tests. */
  onAuthKeyCreated?: (kind: 'perm' | 'temp') => void;
  /** Limits how fast one address may start handshakes (req_pq); -429 beyond it. Shared by every node with Redis. */
  handshakeLimiter?: TokenBuckets;
  /** Limits how many keys one address may create (per hour); -429 and no key beyond it. Shared by every node with Redis. */
  keyCreationLimiter?: TokenBuckets;
  metrics?: GatewayMetrics;
  limits?: LimitMetrics;
}

/** Per-connection state the router keeps: the handshake in progress, if any. */
export interface RouterConnectionState {
  handshake?: HandshakeSlot;
  /** performance.now() at the handshake's first message, for its duration. */
  handshakeStartedAt?: number;
  /** A key was created on this connection, or it sent an encrypted packet (a bad one closes it). */
  keyed?: boolean;
}

/** One token for `address`; false when its bucket is empty. */
async function takeOne(buckets: TokenBuckets, address: string): Promise<boolean> {
  return (await buckets.spend(address, 1)) === 0;
}

export class PacketRouter implements PacketSink {
  constructor(private readonly deps: PacketRouterDeps) {}

  /** The connection is gone: its handshake state, if any, can go too. */
  connectionClosed(state: RouterConnectionState, _conn?: ConnectionHandle): void {
    if (state.handshake) this.deps.handshakes.release(state.handshake);
    state.handshake = undefined;
  }

  async route(conn: ConnectionHandle, state: RouterConnectionState, packet: Buffer, quickAck: boolean): Promise<void> {
    if (packet.length === 4) {
      // A bare int32 from a client is meaningless here (transport errors only go server -> client).
      conn.close('4-byte packet from client');
      return;
    }
    if (isPlainMessage(packet)) {
      await this.handshakeStep(conn, state, packet);
      return;
    }
    state.keyed = true;
    await this.deps.sessions.handlePacket(conn, packet, quickAck);
  }

  private async handshakeStep(conn: ConnectionHandle, state: RouterConnectionState, packet: Buffer): Promise<void> {
    const { deps } = this;
    let request;
    let body: Buffer;
    try {
      body = parsePlainMessage(packet).body;
      request = decodeObject(body);
    } catch (err) {
      conn.close(`bad unencrypted message: ${(err as Error).message}`);
      return;
    }
    if ((request._ === 'req_pq_multi' || request._ === 'req_pq') && deps.handshakeLimiter && !(await takeOne(deps.handshakeLimiter, conn.remoteAddress))) {
      deps.metrics?.handshake('rate_limited');
      deps.limits?.limitHit('handshake_rate');
      conn.failWithTransportError(-429, 'too many auth key handshakes from this address');
      return;
    }
    state.handshake ??= deps.handshakes.open();
    // One connection may create several keys (perm, then temp); each exchange starts with req_pq.
    if (request._ === 'req_pq_multi' || request._ === 'req_pq') state.handshakeStartedAt = performance.now();
    let step;
    try {
      step = await deps.handshakes.step(state.handshake, request, body);
    } catch (err) {
      // A handshake thread died under this step: this exchange fails, the node and other connections go on.
      deps.metrics?.handshake('failed');
      deps.handshakes.release(state.handshake);
      state.handshake = undefined;
      conn.close(`handshake failed: ${(err as Error).message}`);
      return;
    }
    if (conn.closed) return;
    if (step.error) {
      deps.metrics?.handshake('failed');
      if (step.transportError !== undefined) conn.failWithTransportError(step.transportError, `handshake failed: ${step.error}`);
      else conn.close(`handshake failed: ${step.error}`);
      return;
    }
    if (step.completed) {
      const done = step.completed;
      // Keys are rows and cache entries: an address churning through keys is stopped before it stores one more.
      if (deps.keyCreationLimiter && !(await takeOne(deps.keyCreationLimiter, conn.remoteAddress))) {
        deps.metrics?.handshake('rate_limited');
        deps.limits?.limitHit('auth_keys_per_address');
        conn.failWithTransportError(-429, 'too many auth keys created from this address');
        return;
      }
      state.keyed = true;
      const nowMs = deps.now();
      // The key is durable before the client learns it exists (dh_gen_ok).
      await deps.keys.add(done.authKey, done.kind, Math.floor(nowMs / 1000), done.expiresIn, done.serverSalt, nowMs + HANDSHAKE_SALT_LIFETIME_MS);
      deps.log.info({ conn: conn.id, kind: done.kind, authKeyId: done.authKeyId.toString(), expiresIn: done.expiresIn, transport: conn.transport }, 'auth key created');
      deps.onAuthKeyCreated?.(done.kind);
      deps.metrics?.handshake('ok', (performance.now() - (state.handshakeStartedAt ?? performance.now())) / 1000);
    }
    if (step.reply) conn.sendPacket(encodePlainMessage(deps.msgIds.next(true), step.reply));
  }
}
