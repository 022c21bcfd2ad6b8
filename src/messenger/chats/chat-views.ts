// Chats as a given user sees them: `chat` for a member (with their admin rights), `chat{left}` after
// leaving, `chatForbidden` after being kicked; chats the user never belonged to are not shown at all.
import type { TlType } from '../../tl/index.js';
import type { ChatStore } from './chat-store.js';
import { adminRightsOf, STATE_KICKED, STATE_LEFT, ROLE_CREATOR, isActive, type ChatRecord, type Participant } from './participants.js';
import { adminTl, bannedTl } from './rights.js';
import { chatPhotoTl, type ChatPhotoMedia, type ChatPhotoSummary } from './chat-photos.js';

/** The access hash `viewer` is given for a channel (the supergroup a migrated chat points to). */
export type ChannelHash = (viewer: bigint, channelId: bigint) => bigint;

export function chatTl(chat: ChatRecord, me: Participant | undefined, participantsCount: number, photo?: ChatPhotoSummary, channelHash?: ChannelHash): TlType<'Chat'> | undefined {
  if (!me) return undefined;
  if (me.state === STATE_KICKED) return { _: 'chatForbidden', id: chat.id, title: chat.title };
  const rights = adminRightsOf(me);
  return {
    _: 'chat',
    creator: (isActive(me) && me.role === ROLE_CREATOR) || undefined,
    left: me.state === STATE_LEFT || undefined,
    id: chat.id,
    title: chat.title,
    photo: chatPhotoTl(photo),
    participantsCount,
    date: chat.date,
    version: chat.version,
    adminRights: rights !== 0 ? adminTl(rights) : undefined,
    defaultBannedRights: bannedTl(chat.defaultBanned),
    deactivated: chat.migratedTo !== undefined || undefined,
    migratedTo: chat.migratedTo !== undefined && channelHash ? { _: 'inputChannel', channelId: chat.migratedTo, accessHash: channelHash(me.userId, chat.migratedTo) } : undefined,
  };
}

export class ChatViews {
  constructor(
    private readonly store: ChatStore,
    /** Absent: chats show no photo. */
    private readonly photos?: Pick<ChatPhotoMedia, 'photoSummaries'>,
    /** Access hashes of channels, for the migrated_to of a migrated chat. */
    private readonly channelHash?: ChannelHash,
  ) {}

  /** The chats among `ids` that `viewer` belongs or belonged to, as they see them, in `ids` order. */
  async many(viewer: bigint, ids: readonly bigint[]): Promise<TlType<'Chat'>[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const [chats, mine, counts] = await Promise.all([this.store.chats(unique), this.store.memberships(viewer, unique), this.store.counts(unique)]);
    const photoIds = [...chats.values()].flatMap((c) => (c.photoId !== undefined ? [c.photoId] : []));
    const photos = photoIds.length > 0 && this.photos ? await this.photos.photoSummaries(photoIds) : undefined;
    const out: TlType<'Chat'>[] = [];
    for (const id of unique) {
      const chat = chats.get(id);
      const photo = chat?.photoId !== undefined ? photos?.get(chat.photoId) : undefined;
      const tl = chat && chatTl(chat, mine.get(id), counts.get(id) ?? 0, photo, this.channelHash);
      if (tl) out.push(tl);
    }
    return out;
  }

  async one(viewer: bigint, id: bigint): Promise<TlType<'Chat'> | undefined> {
    return (await this.many(viewer, [id]))[0];
  }
}
