// The messaging extras of one node: search, pins, drafts, dialog arrangement, notify settings, peer
// settings, read dates and the one-box service messages (login codes from 777000, contact sign-ups).
// They are wired into the core messenger through its hooks (MessageViews.dialogDecorators,
// MessagingService.onClearDraft / onOutboxRead, UserViews.fullUserExtras) so the core stays unaware of them.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { TlType } from '../tl/index.js';
import type { ContactRelations } from '../service/contacts/relations.js';
import type { ContactJoinedListener } from '../service/contacts/index.js';
import type { PrivacyRules } from '../service/privacy/rules.js';
import type { FullUserExtras } from '../service/users/user-view.js';
import { SERVICE_USER_ID } from '../service/authsession/service-account.js';
import type { Messenger } from './index.js';
import type { UserViewSource } from './messaging.js';
import type { UpdatePusher } from '../contracts/push.js';
import { peerKey, userPeer } from './peer.js';
import { MessageSearch, type ChatViewSource } from './search.js';
import { PinService, type PinDeps } from './pins.js';
import { DraftService } from './drafts.js';
import { DialogSettings } from './dialog-settings.js';
import { NotifySettingsService } from './notify-settings.js';
import { PeerSettingsService } from './peer-settings.js';
import { ReadDates } from './read-dates.js';
import { ServiceInbox } from './service-inbox.js';

export interface MessengerExtrasDeps {
  db: Kysely<Tables>;
  messenger: Messenger;
  push: UpdatePusher;
  userViews: UserViewSource & { fullUserExtras?: FullUserExtras };
  contacts: Pick<ContactRelations, 'contactsOf' | 'isBlocked'> & { onContactJoined?(listener: ContactJoinedListener): void };
  privacy?: PrivacyRules;
  /** Chat objects of basic groups, for search results in groups. */
  chatViews?: ChatViewSource;
  /** Basic groups: who may pin there (without it, pins work in private chats only). */
  groups?: PinDeps['groups'];
  now(): number;
  log?: { warn(obj: object, msg: string): void };
  /** For reads that tolerate replication lag (search); `db` when absent. */
  reader?: Kysely<Tables>;
}

/** How a login code is worded in the message from the service account (Telegram's text, shortened). */
export function loginCodeText(code: string): { message: string; entities: TlType<'MessageEntity'>[] } {
  const prefix = 'Login code: ';
  const message = `${prefix}${code}. Do not give this code to anyone, even if they say they are from Echo!\n\nThis code can be used to log in to your account. We never ask it for anything else.\n\nIf you didn't request this code by trying to log in on another device, simply ignore this message.`;
  return { message, entities: [{ _: 'messageEntityBold', offset: prefix.length, length: code.length }] };
}

export class MessengerExtras {
  readonly search: MessageSearch;
  readonly pins: PinService;
  readonly drafts: DraftService;
  readonly dialogs: DialogSettings;
  readonly notify: NotifySettingsService;
  readonly peerSettings: PeerSettingsService;
  readonly readDates: ReadDates;
  readonly serviceInbox: ServiceInbox;

  constructor(private readonly deps: MessengerExtrasDeps) {
    const { db, messenger, push, userViews, now } = deps;
    const sync = messenger.sync;
    // Search tolerates replica lag: a message sent a moment ago may be missing from a result, never wrong.
    this.search = new MessageSearch(deps.reader ?? db, userViews);
    this.search.chatViews = deps.chatViews;
    this.pins = new PinService({ db, sync, messaging: messenger.messaging, userViews, push, now, groups: deps.groups });
    this.drafts = new DraftService({ db, sync, userViews, now });
    this.dialogs = new DialogSettings({ db, sync, now });
    this.notify = new NotifySettingsService({ db, sync, now });
    this.peerSettings = new PeerSettingsService({ db, contacts: deps.contacts });
    this.readDates = new ReadDates({ db, privacy: deps.privacy, now });
    this.serviceInbox = new ServiceInbox({ db, sync, userViews, push, now });

    messenger.messaging.onClearDraft = (caller, peer) => this.drafts.clear(caller, peer);
    messenger.messaging.onOutboxRead = (reader, outbox, date) => this.readDates.record(reader, outbox, date);
    messenger.views.dialogDecorators.push(async (viewer, rows, tl) => {
      const peers = rows.map((r) => r.peer);
      const [drafts, settings] = await Promise.all([this.drafts.forPeers(viewer, peers), this.notify.forPeers(viewer, peers)]);
      rows.forEach((r, i) => {
        const k = peerKey(r.peer);
        const d = tl[i]!;
        const draft = drafts.get(k);
        if (draft) d.draft = draft;
        const s = settings.get(k);
        if (s) d.notifySettings = s;
      });
    });
    userViews.fullUserExtras = async (viewer, id) => {
      const peer = userPeer(id);
      const [pinnedMsgId, notifySettings, settings] = await Promise.all([this.pins.pinnedMsgId(viewer, peer), this.notify.forPeers(viewer, [peer]), this.peerSettings.settings(viewer, peer)]);
      return { pinnedMsgId, notifySettings: notifySettings.get(peerKey(peer)) ?? { _: 'peerNotifySettings' }, settings };
    };
    // Someone from the owner's phone book signed up: the chat with them opens with Telegram's notice.
    deps.contacts.onContactJoined?.((ownerId, user) =>
      this.serviceInbox.deliver({ owner: ownerId, peer: userPeer(user.id), author: user.id, action: { _: 'messageActionContactSignUp' } }).then(() => undefined),
    );
  }

  /**
   * Delivers a login code in the app: a message from 777000 in the user's box, when one of the user's
   * devices is online to see it. False when none is (the caller falls back to the configured sender).
   */
  async deliverLoginCode(userId: bigint, code: string): Promise<boolean> {
    const online = this.deps.push.isOnlineAnywhere ? await this.deps.push.isOnlineAnywhere(userId) : this.deps.push.isOnline(userId);
    if (!online) return false;
    const { message, entities } = loginCodeText(code);
    await this.serviceInbox.deliver({ owner: userId, peer: userPeer(SERVICE_USER_ID), author: SERVICE_USER_ID, message, entities });
    return true;
  }
}
