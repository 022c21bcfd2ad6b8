// auth.* (sign-in, sign-up, log-out, QR login)
// placeholder: filled in by the helper that owns this area.
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerAuth(_rpc: RpcDispatcher, _services: AppServices): void {}
