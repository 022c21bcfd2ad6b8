// The calls real clients (Telegram Android, Desktop, Web, GramJS, mtcute) make on every launch besides
// the core ones: each answers Echo's real state, which for features Echo lacks is an empty list (hashed,
// so clients cache it) or Telegram's error for a thing that does not exist.
import { AccountSettingsStore } from '../../service/account/settings-store.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';
import { registerAccountSettings } from './account-settings.js';
import { registerHelpExtra } from './help-extra.js';
import { registerMisc } from './misc.js';
import { registerReactions } from './reactions.js';
import { registerStickers } from './stickers.js';
import { registerStories } from './stories.js';

export function registerStartup(rpc: RpcDispatcher, services: AppServices): void {
  const settings = new AccountSettingsStore(services.core.db, services.core.now);
  services.core.events.on('userDeleted', ({ userId }) => settings.forgetUser(userId));
  registerStickers(rpc);
  registerReactions(rpc, services);
  registerHelpExtra(rpc, services);
  registerAccountSettings(rpc, settings);
  registerStories(rpc, services);
  registerMisc(rpc, services);
}
