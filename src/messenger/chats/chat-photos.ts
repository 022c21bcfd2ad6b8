// Group photos (core.telegram.org/api/files#uploading-profile-or-chat-pictures). The chats area owns which
// photo is a chat's current one (chats.photo_id, changed together with its service message); the media
// area owns the photos themselves. This is the contract between the two, satisfied by the media service,
// so that the chats area never reads media tables or handles uploads.
import type { Obj, TlType } from '../../tl/index.js';

/** What a chat object shows of its photo (chatPhoto). */
export interface ChatPhotoSummary {
  photoId: bigint;
  strippedThumb?: Buffer;
  hasVideo: boolean;
  dcId: number;
}

export interface ChatPhotoMedia {
  /**
   * The photo an inputChatUploadedPhoto or inputChatPhoto stands for: an upload processed like a profile
   * photo (same sizes, stripped thumbnail, PHOTO_INVALID for non-images), or an existing photo by id.
   */
  chatPhotoFromInput(userId: bigint, input: TlType<'InputChatPhoto'>): Promise<{ id: bigint; photo: TlType<'Photo'> }>;
  /** Summaries of existing photos (missing ids are absent from the map). */
  photoSummaries(ids: readonly bigint[]): Promise<Map<bigint, ChatPhotoSummary>>;
  /** Full Photo objects (chatFull.chat_photo, chatInvite.photo). */
  photoObjects(ids: readonly bigint[]): Promise<Map<bigint, TlType<'Photo'>>>;
}

export function chatPhotoTl(photo: ChatPhotoSummary | undefined): TlType<'ChatPhoto'> {
  if (!photo) return { _: 'chatPhotoEmpty' };
  return { _: 'chatPhoto', hasVideo: photo.hasVideo || undefined, photoId: photo.photoId, strippedThumb: photo.strippedThumb, dcId: photo.dcId } satisfies Obj<'chatPhoto'>;
}

/** Whether an InputChatPhoto removes the chat's photo rather than setting one. */
export function isRemoval(input: TlType<'InputChatPhoto'>): boolean {
  return input._ === 'inputChatPhotoEmpty';
}
