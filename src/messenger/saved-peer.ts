// The "saved peer" of a message in Saved Messages (core.telegram.org/api/saved-messages): the chat a
// forward was saved from, else the original sender of the forward, else the owner (what they wrote).
// Messages are grouped into saved dialogs by it.
import type { Obj } from '../tl/index.js';
import { peerFromTl, userPeer, type PeerRef } from './peer.js';

export function savedPeerOf(owner: bigint, fwdFrom: Obj<'messageFwdHeader'> | undefined): PeerRef {
  const from = fwdFrom?.savedFromPeer ?? fwdFrom?.fromId;
  return from ? peerFromTl(from) : userPeer(owner);
}

/** A copy in `owner`'s box with `peer` is in Saved Messages. */
export const isSavedMessages = (owner: bigint, peer: PeerRef): boolean => peer.type === 1 && peer.id === owner;
