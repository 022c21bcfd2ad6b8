// Builds every feature area of one node on top of the core services, in dependency order.
import type { CoreServices } from '../service/core.js';
import type { AppServices } from '../bff/services.js';
import { ContactsService } from '../service/contacts/index.js';
import { PrivacyService } from '../service/privacy/index.js';
import { UserViews } from '../service/users/user-view.js';
import { Presence } from '../service/users/presence.js';
import { LocalPresenceDirectory, SharedPresenceDirectory, type PresenceDirectory } from '../service/users/presence-directory.js';
import type { NodePresenceMap } from '../infra/kv/presence-map.js';
import type { Broadcast } from '../infra/kv/broadcast.js';
import { ProfilePush } from '../service/users/profile-push.js';
import { PendingPasswordLogins } from '../service/authsession/pending-password.js';
import { PasswordService } from '../service/password/index.js';
import { AuthSessionService } from '../service/authsession/index.js';
import { MemoryBus, type EventBus } from '../infra/bus/index.js';
import { instrumentBus } from '../infra/metrics/index.js';
import type { BusMetrics } from '../infra/metrics/metrics.js';
import { Messenger } from '../messenger/index.js';
import { MessengerExtras } from '../messenger/extras.js';
import { ChatBase } from '../messenger/chats/index.js';
import { createChannelService } from '../messenger/channels/index.js';
import { PEER_CHAT } from '../messenger/peer.js';
import { createMediaServices } from '../service/media/index.js';
import type { BlobStore } from '../infra/blob/index.js';
import type { PartStore } from '../service/dfs/index.js';
import { SecretChats } from '../messenger/secret/secret-chats.js';
import { SecretChatStore } from '../messenger/secret/secret-store.js';
import type { RoutedPusher } from '../messenger/sync-routes.js';
import type { UpdatePusher } from '../contracts/push.js';

export interface AppServicesOptions {
  /** Bus lag and failures go to the node's metrics when given. */
  metrics?: BusMetrics;
  /** The event bus (Kafka when configured, see openEventBus); an in-process one when absent. */
  bus?: EventBus;
  /** Where file contents go (S3 when configured); the data dir's files/ when absent. */
  blobs?: BlobStore;
  /** Where upload parts wait (S3 beside `blobs` when configured); the data dir's uploads/ when absent. */
  parts?: PartStore;
  /** Recipients' copies go through Inbox-T rather than the send's transaction (the bus is Kafka). */
  inboxOverBus?: boolean;
  /** Least time between the starts of two send transactions, in ms (ECHO_COMMIT_WINDOW_MS). */
  commitWindowMs?: number;
  /** Presence shared between nodes (Redis), with this node's id; this node's alone when absent. */
  sharedPresence?: { map: NodePresenceMap; nodeId: string };
  /** Several nodes: pushes routed to the nodes holding each user (core.push is this router then). */
  router?: RoutedPusher;
  /** This node's own session layer, when core.push routes across nodes (presence counts this node's connections). */
  localPush?: UpdatePusher;
  /** Cache invalidations reaching every node (Redis pub/sub); caches are this node's alone when absent. */
  broadcast?: Broadcast;
}

export function createAppServices(core: CoreServices, opts: AppServicesOptions = {}): AppServices {
  const contacts = new ContactsService(core);
  const privacy = new PrivacyService(core, contacts);
  if (opts.broadcast) {
    const broadcast = opts.broadcast;
    privacy.shareInvalidations(broadcast).catch((err: Error) => core.log.warn({ err: err.message }, 'privacy invalidations: subscribing failed'));
    core.users.shareInvalidations(broadcast).catch((err: Error) => core.log.warn({ err: err.message }, 'users cache invalidations: subscribing failed'));
    contacts.shareInvalidations(broadcast).catch((err: Error) => core.log.warn({ err: err.message }, 'block cache invalidations: subscribing failed'));
  }
  const presence = new Presence(opts.localPush ?? core.push);
  const presenceDirectory: PresenceDirectory = opts.sharedPresence
    ? new SharedPresenceDirectory({ local: presence, ...opts.sharedPresence, now: core.now, onError: (err) => core.log.warn({ err: (err as Error).message }, 'shared presence: Redis read or write failed (answering from this node)') })
    : new LocalPresenceDirectory(presence);
  presence.onChange((userId) => void presenceDirectory.changed(userId));
  const { dfs, media } = createMediaServices(core, privacy, opts.blobs, opts.parts);
  if (opts.broadcast) media.shareInvalidations(opts.broadcast).catch((err: Error) => core.log.warn({ err: err.message }, 'profile photo cache invalidations: subscribing failed'));
  const userViews = new UserViews({ users: core.users, accessHashes: core.accessHashes, contacts, privacy, presence, directory: presenceDirectory, now: core.now, photos: media });
  const pendingPasswordLogins = new PendingPasswordLogins(core.kv);
  const passwords = new PasswordService(core);
  const authSessions = new AuthSessionService(core);
  authSessions.init().catch((err: Error) => core.log.error({ err: err.message }, 'sign-in service start-up failed'));
  const baseBus = opts.bus ?? new MemoryBus({ onError: (err, record, group) => core.log.warn({ err: (err as Error).message, topic: record.topic, group }, 'bus handler failed') });
  const bus = opts.metrics ? instrumentBus(baseBus, opts.metrics) : baseBus;
  // Last seen follows connections too: when a user's devices have all gone, that moment is the last seen
  // time, and whoever may see the user's status learns about both transitions.
  const statusPush = new ProfilePush({ users: core.users, userViews, contacts, privacy, push: core.push, now: core.now });
  core.push.onConnectivity((userId, online) => {
    void presenceDirectory.changed(userId);
    const announce = async () => {
      if (!online) await core.users.update(userId, { lastSeenAt: Math.floor(core.now() / 1000) });
      await statusPush.statusChanged(userId);
    };
    announce().catch((err: Error) => core.log.warn({ err: err.message }, 'status change announcement failed'));
  });
  const chatBase = new ChatBase(core.db, media, (viewer, channelId) => core.accessHashes.of('channel', viewer, channelId));
  const messenger = new Messenger({
    db: core.db,
    bus,
    push: core.push,
    contacts,
    userViews,
    now: core.now,
    groups: chatBase.directory,
    userIdByUsername: async (name) => (await core.users.byUsername(name))?.id,
    inboxOverBus: opts.inboxOverBus,
    commitWindowMs: opts.commitWindowMs,
    ...(opts.router ? { router: opts.router } : {}),
    onFanOutError: (err) => core.log.warn({ err: (err as Error).message }, 'Inbox-T fan-out: a publish, copy write or push failed (publishes and writes are retried, pushes left to getDifference)'),
  });
  const chats = chatBase.service({ messages: messenger.store, messaging: messenger.messaging, sync: messenger.sync, userViews, privacy, contacts, push: core.push, ids: core.ids, random: core.random, now: core.now, linkHost: () => core.identity.host });
  const channels = createChannelService(core.db, core.accessHashes, {
    sync: messenger.sync,
    userViews,
    push: core.push,
    ids: core.ids,
    now: core.now,
    usernameTakenByUser: async (name) => (await core.users.byUsername(name)) !== undefined,
    random: core.random,
    photos: media,
    linkHost: () => core.identity.host,
    chatMaxId: async (viewer, chatId) => (await messenger.reader.history(viewer, { type: PEER_CHAT, id: chatId }, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0 })).rows[0]?.id ?? 0,
  });
  // Messages forwarded from a channel carry it in their `chats` vectors.
  const channelViews = { many: (viewer: bigint, ids: readonly bigint[]) => channels.channelViews(viewer, ids) };
  messenger.messaging.channelViews = channelViews;
  messenger.views.channelViews = channelViews;
  const messengerExtras = new MessengerExtras({ db: core.db, ...(core.reader ? { reader: core.reader } : {}), messenger, push: core.push, userViews, contacts, privacy, chatViews: chatBase.views, groups: chatBase.directory, now: core.now });
  authSessions.useInAppCodes(messengerExtras);
  const secretChats = new SecretChats({
    store: new SecretChatStore(core.db),
    sync: messenger.sync,
    userViews,
    dfs,
    accessHashes: core.accessHashes,
    devicesOf: async (userId) => (await authSessions.devices.list({ userId })).map((d) => d.permKeyId),
    dcId: core.identity.dcId,
    now: core.now,
    onReport: (chatId, reporter) => core.log.info({ chatId, reporter: reporter.userId.toString(), device: reporter.device.toString() }, 'secret chat reported for spam'),
  });
  secretChats.startSweeper((err) => core.log.warn({ err: (err as Error).message }, 'sweeping expired secret chat messages failed'));
  return { core, contacts, privacy, userViews, presence, presenceDirectory, pendingPasswordLogins, passwords, authSessions, bus, messenger, dfs, media, chats, channels, messengerExtras, secretChats };
}
