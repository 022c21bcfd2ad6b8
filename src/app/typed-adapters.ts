// Issue 10, transitional: the user views and the media service (src/service) still answer TlObject while
// they are typed on their own branch, and the messenger's contracts take the schema's types. These
// adapters are the one place that asserts what those services build (users, photos); they go once the
// services answer typed objects and can be passed to the messenger as they are.
import type { TlType } from '../tl/index.js';
import type { UserViews, FullUserExtras } from '../service/users/user-view.js';
import type { MediaService } from '../service/media/media-service.js';
import type { UserViewSource } from '../messenger/messaging.js';
import type { ChatPhotoMedia } from '../messenger/chats/chat-photos.js';

/** UserViews.many builds user / userEmpty objects. */
export function typedUserViews(v: UserViews): UserViewSource & { fullUserExtras?: FullUserExtras } {
  return {
    many: async (viewer, ids) => (await v.many(viewer, ids)) as TlType<'User'>[],
    get fullUserExtras() {
      return v.fullUserExtras;
    },
    set fullUserExtras(f) {
      v.fullUserExtras = f;
    },
  };
}

/** The media service builds photo objects for chat photos. */
export function typedChatPhotos(m: MediaService): ChatPhotoMedia {
  return {
    chatPhotoFromInput: async (userId, input) => {
      const { id, photo } = await m.chatPhotoFromInput(userId, input);
      return { id, photo: photo as TlType<'Photo'> };
    },
    photoSummaries: (ids) => m.photoSummaries(ids),
    photoObjects: async (ids) => (await m.photoObjects(ids)) as Map<bigint, TlType<'Photo'>>,
  };
}
