// Channels and supergroups: one message box per channel (channel-store.ts), the views of a channel per
// viewer (channel-views.ts), the rules (records.ts) and the service the API calls (channel-service.ts).
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import type { AccessHashes } from '../../service/access-hash.js';
import { ChannelStore } from './channel-store.js';
import { ChannelViews } from './channel-views.js';
import { ChannelService, type ChannelServiceDeps } from './channel-service.js';

export function createChannelService(db: Kysely<Tables>, accessHashes: AccessHashes, deps: Omit<ChannelServiceDeps, 'store' | 'views'>): ChannelService {
  return new ChannelService({ ...deps, store: new ChannelStore(db), views: new ChannelViews(accessHashes, deps.photos) });
}

export { ChannelService, type ChannelAccess, type ChannelDialog, type PostedMessage, adminRightsFromTl } from './channel-service.js';
export { ChannelStore, type ChannelMessage } from './channel-store.js';
export { ChannelViews, channelDialogTl } from './channel-views.js';
export * from './records.js';
