// API calls on a session (core.telegram.org/mtproto/description#rpc): unwraps the invoke* wrappers, runs the
// handler, answers with rpc_result or rpc_error (gzip_packed when that is smaller), and counts the calls in
// flight for graceful shutdown.
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { CANONICAL_LAYER, encodeObject, encodeResult, type MethodName, type TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { RpcDispatcher } from '../../bff/registry.js';
import type { RpcContext } from '../../bff/context.js';
import type { SessionMetrics } from '../../infra/metrics/metrics.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import { verifyBindTempAuthKey } from './bind-temp-key.js';
import { unwrapInvoke } from './invoke-wrappers.js';
import type { Outbound } from './outbound.js';
import type { SessionState } from './session-state.js';
import { subscribesToUpdates } from './update-subscriptions.js';

/** Results at least this large are sent gzip_packed when that makes them smaller. */
const GZIP_THRESHOLD = 512;

export interface RpcCallsDeps {
  keys: AuthKeyRegistry;
  rpc: RpcDispatcher;
  log: Logger;
  now: () => number;
  metrics?: SessionMetrics;
  outbound: Outbound;
  /** The session made a call that subscribes it to updates. */
  subscribe: (state: SessionState) => void;
  /** The session's call did not subscribe it: a provisional subscription (a download session) ends. */
  notSubscribing?: (state: SessionState) => void;
}

export class RpcCalls {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: RpcCallsDeps) {}

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

  startRpc(state: SessionState, msgId: bigint, request: TlObject): void {
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
        this.deps.outbound.scheduleFlush(state);
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
    if (!withoutUpdates && subscribesToUpdates(query._)) this.deps.subscribe(state);
    else if (state.provisional) this.deps.notSubscribing?.(state);
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

  replyResult(state: SessionState, reqMsgId: bigint, resultBytes: Uint8Array): void {
    let payload: Uint8Array = resultBytes;
    if (resultBytes.length >= GZIP_THRESHOLD) {
      const packed = encodeObject({ _: 'gzip_packed', packedData: gzipSync(resultBytes, { level: 6 }) } as TlObject);
      if (packed.length < resultBytes.length) payload = packed;
    }
    const body = encodeObject({ _: 'rpc_result', reqMsgId, result: payload } as TlObject);
    state.session.enqueue(body, true, { response: true, reqMsgId });
    this.deps.outbound.scheduleFlush(state);
  }

  /** Answers with rpc_error and logs one line (method and error name, never the request's content); returns the error name. */
  replyError(state: SessionState, reqMsgId: bigint, err: unknown, method?: string): string {
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
}
