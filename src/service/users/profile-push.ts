// Tells the people who know a user about changes to its name and online status. "Who knows" is, for now,
// the user's own devices and everyone who has the user in their contacts (chats will add their members).
// Each recipient gets the change as it may see it: its own contact name, a status within the owner's privacy.
import type { Obj, TlType } from '../../tl/index.js';
import type { SessionRef, UpdatePusher } from '../../contracts/push.js';
import type { ContactRelations } from '../contacts/relations.js';
import type { PrivacyRules } from '../privacy/rules.js';
import type { UserStore } from './user-store.js';
import type { UserViews } from './user-view.js';

export interface ProfilePushDeps {
  users: UserStore;
  userViews: UserViews;
  contacts: ContactRelations;
  privacy: PrivacyRules;
  push: UpdatePusher;
  now(): number;
}

export class ProfilePush {
  constructor(private readonly deps: ProfilePushDeps) {}

  /** updateUserName to the user's other devices and to everyone who has it as a contact. */
  async nameChanged(userId: bigint, except?: SessionRef): Promise<void> {
    const record = await this.deps.users.byId(userId);
    if (!record) return;
    for (const recipient of [userId, ...(await this.watchers(userId))]) {
      const update = await this.deps.userViews.nameUpdate(recipient, record);
      const user = await this.deps.userViews.ofRecord(recipient, record);
      this.deps.push.pushToUser(recipient, this.wrap(update, user), recipient === userId ? except : undefined);
    }
  }

  /** updateUserStatus to the contacts-of-the-user allowed to see its last-seen time (privacyKeyStatusTimestamp). */
  async statusChanged(userId: bigint): Promise<void> {
    const record = await this.deps.users.byId(userId);
    if (!record || record.deleted) return;
    const presence = await this.deps.userViews.presence([userId]);
    for (const recipient of await this.watchers(userId)) {
      if (!(await this.deps.privacy.allows(userId, 'statusTimestamp', recipient))) continue;
      const status = await this.deps.userViews.status(recipient, record, presence);
      const user = await this.deps.userViews.ofRecord(recipient, record, presence);
      this.deps.push.pushToUser(recipient, this.wrap({ _: 'updateUserStatus', userId, status }, user));
    }
  }

  private async watchers(userId: bigint): Promise<bigint[]> {
    return (await this.deps.contacts.whoHasContact(userId)).filter((id) => id !== userId);
  }

  /** `updates` rather than updateShort, so the recipient also gets the user (with its access hash). */
  private wrap(update: TlType<'Update'>, user: Obj<'user'>): Obj<'updates'> {
    return { _: 'updates', updates: [update], users: [user], chats: [], date: Math.floor(this.deps.now() / 1000), seq: 0 };
  }
}
