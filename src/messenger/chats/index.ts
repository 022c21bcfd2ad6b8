// Basic groups: the store, the views and the service, built together for one node.
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { ChatStore } from './chat-store.js';
import { ChatViews, type ChannelHash } from './chat-views.js';
import { ChatDirectory } from './directory.js';
import { ChatService, type ChatServiceDeps } from './chat-service.js';
import type { ChatPhotoMedia } from './chat-photos.js';

/** The read side, built before the messenger (which needs the directory for group messages). */
export class ChatBase {
  readonly store: ChatStore;
  readonly views: ChatViews;
  readonly directory: ChatDirectory;

  /** `photos`: the media service, for group photos (absent: chats have none). */
  constructor(
    db: Kysely<Tables>,
    private readonly photos?: ChatPhotoMedia,
    channelHash?: ChannelHash,
  ) {
    this.store = new ChatStore(db);
    this.views = new ChatViews(this.store, photos, channelHash);
    this.directory = new ChatDirectory(this.store, this.views);
  }

  /** The write side, once the messenger exists. */
  service(deps: Omit<ChatServiceDeps, 'db' | 'store' | 'views' | 'photos'>): ChatService {
    return new ChatService({ ...deps, db: this.store.db, store: this.store, views: this.views, photos: this.photos });
  }
}

export { ChatStore, type InviteRecord } from './chat-store.js';
export { ChatViews, chatTl, type ChannelHash } from './chat-views.js';
export { ChatDirectory, type GroupDirectory } from './directory.js';
export { ChatService, type InviteOptions } from './chat-service.js';
export { chatPhotoTl, type ChatPhotoMedia, type ChatPhotoSummary } from './chat-photos.js';
export * from './participants.js';
export * from './rights.js';
