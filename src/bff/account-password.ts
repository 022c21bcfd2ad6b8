// two-step verification (account.getPassword, updatePasswordSettings, auth.checkPassword)
// placeholder: filled in by the helper that owns this area.
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerAccountPassword(_rpc: RpcDispatcher, _services: AppServices): void {}
