// The API surface: every namespace module registers its handlers here.
import { RpcDispatcher } from './registry.js';
import { registerHelp } from './help.js';
import { registerLangpack } from './langpack.js';
import type { ServerIdentity } from './server-identity.js';

export interface BffDeps {
  identity: ServerIdentity;
}

export function createRpcDispatcher(deps: BffDeps): RpcDispatcher {
  const rpc = new RpcDispatcher();
  registerHelp(rpc, deps.identity);
  registerLangpack(rpc);
  return rpc;
}
