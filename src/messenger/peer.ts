// Peers as the message store keeps them: a type code and an id, the pair that keys dialogs and history.
import type { TlType } from '../tl/index.js';

export const PEER_USER = 1;
export const PEER_CHAT = 2;
export const PEER_CHANNEL = 3;
export type PeerType = typeof PEER_USER | typeof PEER_CHAT | typeof PEER_CHANNEL;

export interface PeerRef {
  type: PeerType;
  id: bigint;
}

export const userPeer = (id: bigint): PeerRef => ({ type: PEER_USER, id });
export const chatPeer = (id: bigint): PeerRef => ({ type: PEER_CHAT, id });

export function peerTl(p: PeerRef): TlType<'Peer'> {
  switch (p.type) {
    case PEER_USER:
      return { _: 'peerUser', userId: p.id };
    case PEER_CHAT:
      return { _: 'peerChat', chatId: p.id };
    case PEER_CHANNEL:
      return { _: 'peerChannel', channelId: p.id };
  }
}

export function peerFromTl(p: TlType<'Peer'>): PeerRef {
  switch (p._) {
    case 'peerUser':
      return userPeer(p.userId);
    case 'peerChat':
      return chatPeer(p.chatId);
    case 'peerChannel':
      return { type: PEER_CHANNEL, id: p.channelId };
  }
}

export function samePeer(a: PeerRef, b: PeerRef): boolean {
  return a.type === b.type && a.id === b.id;
}

export function peerKey(p: PeerRef): string {
  return `${p.type}:${p.id}`;
}
