// Peers as the message store keeps them: a type code and an id, the pair that keys dialogs and history.
import type { TlObject } from '../tl/index.js';

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

export function peerTl(p: PeerRef): TlObject {
  switch (p.type) {
    case PEER_USER:
      return { _: 'peerUser', userId: p.id };
    case PEER_CHAT:
      return { _: 'peerChat', chatId: p.id };
    case PEER_CHANNEL:
      return { _: 'peerChannel', channelId: p.id };
  }
}

export function peerFromTl(p: TlObject): PeerRef | undefined {
  switch (p._) {
    case 'peerUser':
      return userPeer(p.userId as bigint);
    case 'peerChat':
      return chatPeer(p.chatId as bigint);
    case 'peerChannel':
      return { type: PEER_CHANNEL, id: p.channelId as bigint };
  }
  return undefined;
}

export function samePeer(a: PeerRef, b: PeerRef): boolean {
  return a.type === b.type && a.id === b.id;
}

export function peerKey(p: PeerRef): string {
  return `${p.type}:${p.id}`;
}
