// Maps API method names to handlers, and enforces who may call them.
import type { TlObject } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import type { RpcContext } from './context.js';

export type RpcHandler = (request: any, ctx: RpcContext) => unknown;

interface Registration {
  handler: RpcHandler;
  allowUnauthorized: boolean;
}

/** Namespaces a client may call before signing in (core.telegram.org/api/auth). */
const PRE_LOGIN_NAMESPACES = ['help.', 'langpack.'];

export class RpcDispatcher {
  private readonly handlers = new Map<string, Registration>();

  register(method: string, handler: RpcHandler, opts: { allowUnauthorized?: boolean } = {}): void {
    if (this.handlers.has(method)) throw new Error(`handler for ${method} registered twice`);
    this.handlers.set(method, { handler, allowUnauthorized: opts.allowUnauthorized ?? PRE_LOGIN_NAMESPACES.some((p) => method.startsWith(p)) });
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
    return reg.handler(request, ctx);
  }
}
