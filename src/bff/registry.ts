// Maps API method names to handlers, and enforces who may call them.
import type { MethodName, Req, Res, TlObject } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import type { RpcContext } from './context.js';
import type { RpcFloodLimits } from './flood-limits.js';

/**
 * What a handler may answer: the canonical result of its method, or the result already encoded for the
 * caller's layer (a Uint8Array, sent as is) where an older layer's result type differs from the canonical one.
 */
export type RpcResult<M extends MethodName> = Res<M> | Uint8Array;

/** A handler of one method: its request as the schema types it, its answer checked against the schema. */
export type TypedRpcHandler<M extends MethodName> = (request: Req<M>, ctx: RpcContext) => RpcResult<M> | Promise<RpcResult<M>>;

/** A handler as the dispatcher stores it, its method's types erased (see register). */
type StoredHandler = (request: TlObject, ctx: RpcContext) => unknown;

interface Registration {
  handler: StoredHandler;
  allowUnauthorized: boolean;
}

/** Namespaces a client may call before signing in (core.telegram.org/api/auth). */
const PRE_LOGIN_NAMESPACES = ['help.', 'langpack.'];

export class RpcDispatcher {
  private readonly handlers = new Map<string, Registration>();
  private floodLimits?: RpcFloodLimits;

  /** Per-user rates of the costly method groups (flood-limits.ts); checked after the authorization. */
  useFloodLimits(limits: RpcFloodLimits): void {
    this.floodLimits = limits;
  }

  register<M extends MethodName>(method: M, handler: NoInfer<TypedRpcHandler<M>>, opts: { allowUnauthorized?: boolean } = {}): void {
    if (this.handlers.has(method)) throw new Error(`handler for ${method} registered twice`);
    // The one place the method's types are erased: dispatch calls a handler only with a request whose `_` is
    // its method, which the schema's decoder built, so the request has the Req<M> shape the handler expects.
    const stored = handler as StoredHandler;
    this.handlers.set(method, { handler: stored, allowUnauthorized: opts.allowUnauthorized ?? PRE_LOGIN_NAMESPACES.some((p) => method.startsWith(p)) });
  }

  /** Every method with a handler, in registration order. */
  methods(): string[] {
    return [...this.handlers.keys()];
  }

  has(method: string): boolean {
    return this.handlers.has(method);
  }

  async dispatch(request: TlObject, ctx: RpcContext): Promise<unknown> {
    const reg = this.handlers.get(request._);
    const signedIn = ctx.authKey.userId !== undefined;
    if (!reg) {
      // Telegram checks the authorization first: a signed-out client gets 401 for anything but the pre-login API.
      if (!signedIn && !PRE_LOGIN_NAMESPACES.some((p) => request._.startsWith(p)) && !request._.startsWith('auth.')) throw RpcError.unauthorized();
      throw new RpcError(400, 'METHOD_NOT_IMPLEMENTED');
    }
    if (!reg.allowUnauthorized && !signedIn) throw RpcError.unauthorized();
    const limited = this.floodLimits?.check(request, ctx);
    if (limited) await limited;
    return reg.handler(request, ctx);
  }
}
