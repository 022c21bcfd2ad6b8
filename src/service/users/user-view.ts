// Builds the `user` objects a given viewer may see (core.telegram.org/constructor/user): contact names
// and flags from the viewer's side, phone and last-seen only where the owner's privacy allows, an
// access_hash computed for that viewer. Every user object the server returns comes from here.
import type { TlObject } from '../../tl/index.js';
import type { AccessHashes } from '../access-hash.js';
import type { ContactRelations } from '../contacts/relations.js';
import type { PrivacyRules } from '../privacy/rules.js';
import type { UpdatePusher } from '../../messenger/push.js';
import type { UserRecord, UserStore } from './user-store.js';

/** How long "online" lasts after the last sign of activity, as in userStatusOnline.expires. */
export const ONLINE_WINDOW_SECONDS = 300;

export interface UserViewDeps {
  users: UserStore;
  accessHashes: AccessHashes;
  contacts: ContactRelations;
  privacy: PrivacyRules;
  push: UpdatePusher;
  now(): number;
}

export class UserViews {
  constructor(private readonly deps: UserViewDeps) {}

  /** user objects for `ids` as `viewer` sees them, in the order given; unknown ids are skipped. */
  async many(viewer: bigint, ids: readonly bigint[]): Promise<TlObject[]> {
    const records = await this.deps.users.byIds(ids);
    const contacts = await this.deps.contacts.contactsOf(viewer, [...records.keys()]);
    const out: TlObject[] = [];
    for (const id of new Set(ids)) {
      const record = records.get(id);
      if (record) out.push(await this.build(viewer, record, contacts.get(id)));
    }
    return out;
  }

  async one(viewer: bigint, id: bigint): Promise<TlObject | undefined> {
    return (await this.many(viewer, [id]))[0];
  }

  async status(viewer: bigint, record: UserRecord): Promise<TlObject> {
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const online = this.deps.push.isOnline(record.id);
    if (viewer !== record.id && !(await this.deps.privacy.allows(record.id, 'statusTimestamp', viewer))) {
      // Hidden last seen: Telegram shows an approximation instead of the time.
      const age = nowSeconds - record.lastSeenAt;
      if (online || age < 3 * 86400) return { _: 'userStatusRecently' } as TlObject;
      if (age < 7 * 86400) return { _: 'userStatusLastWeek' } as TlObject;
      return { _: 'userStatusLastMonth' } as TlObject;
    }
    if (online) return { _: 'userStatusOnline', expires: Math.max(record.lastSeenAt, nowSeconds) + ONLINE_WINDOW_SECONDS } as TlObject;
    if (record.lastSeenAt === 0) return { _: 'userStatusEmpty' } as TlObject;
    return { _: 'userStatusOffline', wasOnline: record.lastSeenAt } as TlObject;
  }

  private async build(viewer: bigint, record: UserRecord, contact: { firstName: string; lastName: string; mutual: boolean } | undefined): Promise<TlObject> {
    const self = viewer === record.id;
    const accessHash = this.deps.accessHashes.of('user', viewer, record.id);
    if (record.deleted) return { _: 'user', id: record.id, accessHash, deleted: true } as TlObject;
    const showPhone = self || (record.phone !== null && (await this.deps.privacy.allows(record.id, 'phoneNumber', viewer)));
    return {
      _: 'user',
      self,
      contact: !self && contact !== undefined,
      mutualContact: !self && contact?.mutual === true,
      support: record.kind === 'service',
      verified: record.kind === 'service',
      id: record.id,
      accessHash,
      firstName: !self && contact ? contact.firstName : record.firstName,
      lastName: !self && contact ? contact.lastName || undefined : record.lastName || undefined,
      username: record.username ?? undefined,
      phone: showPhone ? (record.phone ?? undefined) : undefined,
      status: await this.status(viewer, record),
    } as TlObject;
  }
}
