// messages.sendMedia, messages.sendMultiMedia (albums) and messages.uploadMedia
// (core.telegram.org/api/files#sending-files). The media service turns the InputMedia into a MessageMedia;
// the messenger stores and delivers the message like any other.
import { RpcError } from '../common/rpc-error.js';
import type { TlType } from '../tl/index.js';
import { userPeer, type PeerRef } from '../messenger/peer.js';
import type { Caller } from '../messenger/messaging.js';
import type { OutgoingMessage } from '../messenger/message-store.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

/** Telegram's caption limit (caption_length_limit_default). */
export const MAX_CAPTION_LENGTH = 1024;
/** Items per album. */
export const MAX_ALBUM_SIZE = 10;

/** The caption and its valid entities; an empty caption is fine for media. */
export function checkCaption(message: string | undefined, entities: readonly TlType<'MessageEntity'>[] | undefined): { message: string; entities: TlType<'MessageEntity'>[] | undefined } {
  const text = typeof message === 'string' ? message : '';
  if (text.length > MAX_CAPTION_LENGTH) throw RpcError.badRequest('MEDIA_CAPTION_TOO_LONG');
  const valid = (entities ?? []).filter((e) => {
    const { offset, length } = e;
    return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length > 0 && offset + length <= text.length;
  });
  return { message: text, entities: valid.length > 0 ? valid : undefined };
}

export function registerMessagesMedia(rpc: RpcDispatcher, services: AppServices): void {
  const { media } = services;
  const { messaging } = services.messenger;

  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** Private chats and Saved Messages; groups come later. */
  async function peerOf(ctx: RpcContext, input: TlType<'InputPeer'>): Promise<PeerRef> {
    if (input._ === 'inputPeerChat') return services.chats.peerFor(viewerOf(ctx), input.chatId);
    if (input._ !== 'inputPeerSelf' && input._ !== 'inputPeerUser') throw RpcError.badRequest('PEER_ID_INVALID');
    const record = await resolveInputUserRecord(services, ctx, input);
    if (record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return userPeer(record.id);
  }

  const replyToId = (replyTo: TlType<'InputReplyTo'> | undefined): number | undefined => (replyTo?._ === 'inputReplyToMessage' ? replyTo.replyToMsgId : undefined);

  rpc.register('messages.sendMedia', async (req, ctx) => {
    const me = caller(ctx);
    const channel = req.peer._ === 'inputPeerChannel' ? (await services.channels.access(me.userId, req.peer)).channel : undefined;
    const peer = channel ? undefined : await peerOf(ctx, req.peer);
    const caption = checkCaption(req.message, req.entities);
    const messageMedia = await media.resolveInputMedia(me.userId, req.media);
    const item: OutgoingMessage = {
      randomId: req.randomId,
      ...caption,
      media: messageMedia,
      replyToId: replyToId(req.replyTo),
      silent: req.silent === true,
      noforwards: req.noforwards === true,
    };
    if (channel) return services.channels.postAnswer(me, channel.id, await services.channels.post(me, channel.id, [item]));
    return messaging.sentUpdates(me, await messaging.send(me, peer!, [item], { clearDraft: req.clearDraft === true }));
  });

  rpc.register('messages.sendMultiMedia', async (req, ctx) => {
    const me = caller(ctx);
    const peer = await peerOf(ctx, req.peer);
    const list = req.multiMedia ?? [];
    if (list.length === 0) throw RpcError.badRequest('MEDIA_EMPTY');
    if (list.length > MAX_ALBUM_SIZE) throw RpcError.badRequest('MULTI_MEDIA_TOO_LONG');
    const randomIds = list.map((m) => BigInt.asIntN(64, m.randomId));
    if (new Set(randomIds).size !== randomIds.length) throw RpcError.badRequest('RANDOM_ID_DUPLICATE');
    // One id for the whole album, time-ordered like Telegram's.
    const groupedId = (BigInt(ctx.now()) << 20n) | BigInt(services.core.random(3).readUIntBE(0, 3) & 0xfffff);
    const items: OutgoingMessage[] = [];
    for (let i = 0; i < list.length; i++) {
      const single = list[i]!;
      const caption = checkCaption(single.message, single.entities);
      const messageMedia = await media.resolveInputMedia(me.userId, single.media, i);
      items.push({
        randomId: single.randomId,
        ...caption,
        media: messageMedia,
        groupedId,
        replyToId: replyToId(req.replyTo),
        silent: req.silent === true,
        noforwards: req.noforwards === true,
      });
    }
    return messaging.sentUpdates(me, await messaging.send(me, peer, items, { clearDraft: req.clearDraft === true }));
  });

  rpc.register('messages.uploadMedia', async (req, ctx) => {
    const userId = viewerOf(ctx);
    await peerOf(ctx, req.peer);
    return media.resolveInputMedia(userId, req.media);
  });
}
