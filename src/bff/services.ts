// The services API handlers work with (built by app/services.ts).
import type { CoreServices } from '../service/core.js';
import type { ContactsService } from '../service/contacts/index.js';
import type { PrivacyService } from '../service/privacy/index.js';
import type { UserViews } from '../service/users/user-view.js';
import type { Presence } from '../service/users/presence.js';
import type { PresenceDirectory } from '../service/users/presence-directory.js';
import type { PendingPasswordLogins } from '../service/authsession/pending-password.js';
import type { PasswordService } from '../service/password/index.js';
import type { AuthSessionService } from '../service/authsession/index.js';
import type { EventBus } from '../infra/bus/index.js';
import type { Messenger } from '../messenger/index.js';
import type { MessengerExtras } from '../messenger/extras.js';
import type { ChatService } from '../messenger/chats/index.js';
import type { ChannelService } from '../messenger/channels/index.js';
import type { DfsService, MediaService } from '../service/media/index.js';
import type { SecretChats } from '../messenger/secret/secret-chats.js';

export interface AppServices {
  core: CoreServices;
  contacts: ContactsService;
  privacy: PrivacyService;
  userViews: UserViews;
  presence: Presence;
  /** Presence on every node (user statuses); `presence` is this node's. */
  presenceDirectory: PresenceDirectory;
  pendingPasswordLogins: PendingPasswordLogins;
  passwords: PasswordService;
  authSessions: AuthSessionService;
  /** The in-process event bus (Inbox-T, Sync-T); Kafka later. */
  bus: EventBus;
  messenger: Messenger;
  /** Uploaded parts and ranged reads (service/dfs). */
  dfs: DfsService;
  /** Photos, documents, profile photos (service/media). */
  media: MediaService;
  /** Basic groups (messenger/chats). */
  chats: ChatService;
  /** Channels and supergroups (messenger/channels). */
  channels: ChannelService;
  /** Search, pins, drafts, dialog arrangement, notify and peer settings, read dates (messenger/extras.ts). */
  messengerExtras: MessengerExtras;
  /** Secret chats: end-to-end encrypted chats between two devices (messenger/secret). */
  secretChats: SecretChats;
}
