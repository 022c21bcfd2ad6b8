// Messaging (Msg + Sync): per-user message boxes, dialogs, the update log and its delivery.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { EventBus } from '../infra/bus/index.js';
import type { BlockCheck, ContactRelations } from '../service/contacts/relations.js';
import type { UpdatePusher } from '../contracts/push.js';
import { MessageStore } from './message-store.js';
import { BoxReader } from './box-reader.js';
import { SyncChannel } from './sync.js';
import type { RoutedPusher } from './sync-routes.js';
import { MessagingService, type UserViewSource } from './messaging.js';
import { MessageViews, DEFAULT_VIEW_LIMITS, type ViewLimits } from './views.js';
import type { GroupDirectory } from './chats/directory.js';
import { SavedDialogs } from './saved-dialogs.js';
import { InboxConsumer, InboxOutbox } from './inbox-fanout.js';

export interface MessengerDeps {
  db: Kysely<Tables>;
  bus: EventBus;
  push: UpdatePusher;
  contacts: Pick<ContactRelations, 'isBlocked'> & BlockCheck;
  userViews: UserViewSource;
  now(): number;
  editTimeLimit?: number;
  /** Least time between the starts of two send transactions, in ms (MessageStoreOptions). */
  commitWindowMs?: number;
  limits?: ViewLimits;
  /** Basic groups (src/messenger/chats). */
  groups?: GroupDirectory;
  /** Resolves @username mentions in groups (unread mentions); without it only mention-name entities count. */
  userIdByUsername?: (username: string) => Promise<bigint | undefined>;
  /** Recipients' copies are written through Inbox-T (inbox-fanout.ts) rather than in the send (Kafka). */
  inboxOverBus?: boolean;
  /** Several nodes: Sync-T records are routed to the nodes holding each user (sync-routes.ts). */
  router?: RoutedPusher;
  /** Told about a failed Inbox-T publish or relay. */
  onFanOutError?(err: unknown): void;
}

/** The messaging area of one node. */
export class Messenger {
  readonly store: MessageStore;
  readonly reader: BoxReader;
  readonly sync: SyncChannel;
  readonly messaging: MessagingService;
  readonly views: MessageViews;
  /** Saved Messages grouped by saved peer. */
  readonly saved: SavedDialogs;
  /** Inbox-T (when recipients' copies go through the bus): the consumer and the outbox relay. */
  readonly inbox?: InboxConsumer;
  readonly outbox?: InboxOutbox;

  constructor(deps: MessengerDeps) {
    const fanOut = deps.inboxOverBus ? new InboxOutbox(deps.db, deps.bus, deps.now, deps.onFanOutError) : undefined;
    this.store = new MessageStore(deps.db, deps.now, { editTimeLimit: deps.editTimeLimit ?? 172800, fanOut, commitWindowMs: deps.commitWindowMs });
    this.reader = new BoxReader(deps.db);
    this.saved = new SavedDialogs(deps.db);
    this.sync = new SyncChannel(deps.bus, deps.push, deps.router);
    this.messaging = new MessagingService({ store: this.store, sync: this.sync, userViews: deps.userViews, contacts: deps.contacts, push: deps.push, now: deps.now, groups: deps.groups, userIdByUsername: deps.userIdByUsername });
    if (fanOut) {
      const messaging = this.messaging;
      const sync = this.sync;
      this.inbox = new InboxConsumer(deps.db, deps.bus, deps.now, async (copies) => sync.publish(await messaging.recipientPushes(copies)), deps.onFanOutError);
      this.outbox = fanOut;
      fanOut.start();
    }
    this.views = new MessageViews(this.reader, deps.userViews, deps.now, deps.limits ?? DEFAULT_VIEW_LIMITS, deps.groups && { many: (viewer: bigint, ids: readonly bigint[]) => deps.groups!.chatViews(viewer, ids) });
  }
}

export { InboxConsumer, InboxOutbox, type InboxRecord } from './inbox-fanout.js';
export { MessageStore, type OutgoingMessage, type SentMessage, type BoxCopy, type Conversation } from './message-store.js';
export { BoxReader, type HistoryQuery, type DialogsQuery } from './box-reader.js';
export { MessagingService, type Caller } from './messaging.js';
export { MessageViews, type ViewLimits } from './views.js';
export * from './peer.js';
