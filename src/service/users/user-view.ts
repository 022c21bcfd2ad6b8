// Builds the `user` objects a given viewer may see (core.telegram.org/constructor/user): contact names
// and flags from the viewer's side, phone and last-seen only where the owner's privacy allows (the phone
// also when the viewer has the number saved), an access_hash computed for that viewer. Every user object the server returns comes from here.
import type { Obj, TlType } from '../../tl/index.js';
import type { AccessHashes } from '../access-hash.js';
import type { ContactEntry, ContactRelations } from '../contacts/relations.js';
import type { PrivacyRules } from '../privacy/rules.js';
import type { PresenceView } from './presence.js';
import type { PresenceDirectory } from './presence-directory.js';
import type { UserRecord, UserStore } from './user-store.js';

/** How long "online" lasts after the last sign of activity, as in userStatusOnline.expires. */
export const ONLINE_WINDOW_SECONDS = 300;

const DAY = 86400;

export interface UserViewDeps {
  users: UserStore;
  accessHashes: AccessHashes;
  contacts: ContactRelations;
  privacy: PrivacyRules;
  /** This node's presence. */
  presence: PresenceView;
  /** Presence on every node (Redis); absent: this node's answer is the whole answer. */
  directory?: Pick<PresenceDirectory, 'lookup'>;
  now(): number;
  /** Current profile photos (service/media); absent: users show no photo. */
  photos?: ProfilePhotoSource;
}

/** What user objects need from the media area to show `photo`. */
export interface ProfilePhotoSource {
  currentPhoto(userId: bigint): Promise<{ photoId: bigint; strippedThumb?: Buffer; hasVideo: boolean; dcId: number } | undefined>;
  /** Full `photo` objects (userFull.profile_photo), by id. */
  photoObjects(ids: readonly bigint[]): Promise<Map<bigint, Obj<'photo'>>>;
}

/** userFull fields other areas own (pinned message, notify settings, peer settings bar). */
export type FullUserExtras = (viewer: bigint, id: bigint) => Promise<Partial<Obj<'userFull'>>>;

export class UserViews {
  /** Set by the messaging extras (src/messenger/extras.ts); merged over the fields built here. */
  fullUserExtras?: FullUserExtras;

  constructor(private readonly deps: UserViewDeps) {}

  /** user objects for `ids` as `viewer` sees them, in the order given; unknown ids are skipped. */
  async many(viewer: bigint, ids: readonly bigint[]): Promise<Obj<'user'>[]> {
    const records = await this.deps.users.byIds(ids);
    return this.ofRecords(viewer, [...new Set(ids)].flatMap((id) => records.get(id) ?? []));
  }

  async one(viewer: bigint, id: bigint): Promise<Obj<'user'> | undefined> {
    return (await this.many(viewer, [id]))[0];
  }

  /** Like many(), for records the caller already holds (and, optionally, their presence: see presence()). */
  async ofRecords(viewer: bigint, records: readonly UserRecord[], known?: PresenceView): Promise<Obj<'user'>[]> {
    const contacts = await this.deps.contacts.contactsOf(
      viewer,
      records.map((r) => r.id),
    );
    const found = known ?? this.presence(records.map((r) => r.id));
    const presence = found instanceof Promise ? await found : found;
    const out: Obj<'user'>[] = [];
    for (const record of records) out.push(await this.build(viewer, record, contacts.get(record.id), presence));
    return out;
  }

  async ofRecord(viewer: bigint, record: UserRecord, known?: PresenceView): Promise<Obj<'user'>> {
    return (await this.ofRecords(viewer, [record], known))[0]!;
  }

  /**
   * The status `viewer` may see. Hidden last-seen times become Telegram's approximations; when the owner
   * shares the time but the viewer hides its own from the owner, the approximation carries `by_me`
   * (core.telegram.org/constructor/privacyKeyStatusTimestamp).
   */
  async status(viewer: bigint, record: UserRecord, presence?: PresenceView): Promise<TlType<'UserStatus'>> {
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const found = presence ?? this.presence([record.id]);
    const online = (found instanceof Promise ? await found : found).isOnline(record.id);
    if (viewer !== record.id) {
      if (!(await this.deps.privacy.allows(record.id, 'statusTimestamp', viewer))) return approximateStatus(online, record.lastSeenAt, nowSeconds, false);
      if (!(await this.deps.privacy.allows(viewer, 'statusTimestamp', record.id))) return approximateStatus(online, record.lastSeenAt, nowSeconds, true);
    }
    if (online) return { _: 'userStatusOnline', expires: Math.max(record.lastSeenAt, nowSeconds) + ONLINE_WINDOW_SECONDS };
    if (record.lastSeenAt === 0) return { _: 'userStatusEmpty' };
    return { _: 'userStatusOffline', wasOnline: record.lastSeenAt };
  }

  /** updateUserName as `viewer` should see it (a contact keeps the name it saved). */
  async nameUpdate(viewer: bigint, record: UserRecord): Promise<Obj<'updateUserName'>> {
    const user = await this.ofRecord(viewer, record);
    return {
      _: 'updateUserName',
      userId: record.id,
      firstName: user.firstName ?? '',
      lastName: user.lastName ?? '',
      usernames: user.username ? [{ _: 'username', editable: viewer === record.id, active: true, username: user.username }] : [],
    };
  }

  /**
   * users.userFull for users.getFullUser, or undefined for an unknown id. The bio follows the `about`
   * privacy key, profile_photo (the photo the apps open the profile gallery from) the `profilePhoto` one;
   * Echo sets neither personal (contact) nor fallback photos, so those fields stay absent, and bots and
   * calls do not exist yet, so their fields stay at their empty values.
   */
  async fullUser(viewer: bigint, id: bigint): Promise<Obj<'users.userFull'> | undefined> {
    const record = await this.deps.users.byId(id);
    if (!record) return undefined;
    const self = viewer === id;
    const showAbout = record.about !== '' && !record.deleted && (self || (await this.deps.privacy.allows(id, 'about', viewer)));
    const fullUser: Obj<'userFull'> = {
      _: 'userFull',
      blocked: !self && (await this.deps.contacts.isBlocked(viewer, id)),
      id,
      about: showAbout ? record.about : undefined,
      settings: { _: 'peerSettings' },
      notifySettings: { _: 'peerNotifySettings' },
      profilePhoto: record.deleted ? undefined : await this.fullPhoto(viewer, id),
      commonChatsCount: 0,
      ...(this.fullUserExtras && !record.deleted ? await this.fullUserExtras(viewer, id) : {}),
    };
    return { _: 'users.userFull', fullUser, chats: [], users: [await this.ofRecord(viewer, record)] };
  }

  /** The current profile photo as a full `photo`, when `viewer` may see it. */
  private async fullPhoto(viewer: bigint, owner: bigint): Promise<Obj<'photo'> | undefined> {
    const photos = this.deps.photos;
    const current = await photos?.currentPhoto(owner);
    if (!photos || !current || (viewer !== owner && !(await this.deps.privacy.allows(owner, 'profilePhoto', viewer)))) return undefined;
    return (await photos.photoObjects([current.photoId])).get(current.photoId);
  }

  /** userProfilePhoto as `viewer` may see it (the profilePhoto privacy key), or undefined. */
  private async photo(viewer: bigint, owner: bigint): Promise<Obj<'userProfilePhoto'> | undefined> {
    const current = await this.deps.photos?.currentPhoto(owner);
    if (!current || (viewer !== owner && !(await this.deps.privacy.allows(owner, 'profilePhoto', viewer)))) return undefined;
    return { _: 'userProfilePhoto', hasVideo: current.hasVideo || undefined, photoId: current.photoId, strippedThumb: current.strippedThumb, dcId: current.dcId };
  }

  /**
   * Presence of the users about to be shown, on every node: one lookup for all of them (synchronous when
   * embedded). Callers building several views of the same users look up once and pass the answer on.
   */
  presence(ids: readonly bigint[]): PresenceView | Promise<PresenceView> {
    return this.deps.directory ? this.deps.directory.lookup(ids) : this.deps.presence;
  }

  private async build(viewer: bigint, record: UserRecord, contact: ContactEntry | undefined, presence: PresenceView): Promise<Obj<'user'>> {
    const self = viewer === record.id;
    const accessHash = this.deps.accessHashes.of('user', viewer, record.id);
    if (record.deleted) return { _: 'user', id: record.id, accessHash, deleted: true };
    const isContact = !self && contact !== undefined;
    // A contact saved without any name still shows the user's own.
    const named = isContact && (contact.firstName !== '' || contact.lastName !== '');
    // Telegram: "users who have your number saved in their contacts will also see it", whatever the
    // phoneNumber rules say; a contact saved under an older number does not reveal the current one.
    const knowsNumber = isContact && record.phone !== null && contact.phone !== '' && contact.phone === record.phone;
    const showPhone = self || knowsNumber || (record.phone !== null && (await this.deps.privacy.allows(record.id, 'phoneNumber', viewer)));
    return {
      _: 'user',
      self,
      contact: isContact,
      mutualContact: isContact && contact.mutual,
      support: record.kind === 'service',
      verified: record.kind === 'service',
      id: record.id,
      accessHash,
      firstName: named ? contact.firstName : record.firstName,
      lastName: (named ? contact.lastName : record.lastName) || undefined,
      username: record.username ?? undefined,
      phone: showPhone ? (record.phone ?? undefined) : undefined,
      status: record.kind === 'user' ? await this.status(viewer, record, presence) : undefined,
      photo: await this.photo(viewer, record.id),
    };
  }
}

/** Telegram's coarse statuses for a hidden last-seen time. */
export function approximateStatus(online: boolean, lastSeenAt: number, nowSeconds: number, byMe: boolean): TlType<'UserStatus'> {
  const flag = byMe ? { byMe: true } : {};
  if (online) return { _: 'userStatusRecently', ...flag };
  if (lastSeenAt === 0) return { _: 'userStatusEmpty' };
  const age = nowSeconds - lastSeenAt;
  if (age < 3 * DAY) return { _: 'userStatusRecently', ...flag };
  if (age < 7 * DAY) return { _: 'userStatusLastWeek', ...flag };
  if (age < 30 * DAY) return { _: 'userStatusLastMonth', ...flag };
  return { _: 'userStatusEmpty' };
}
