// messages.* for private chats and Saved Messages (core.telegram.org/api/messages): send, forward, edit,
// delete, read, typing, history and dialogs. Writes go through the messenger, which answers only after
// every copy is stored and pushes to the other sessions concerned.
import { RpcError } from '../common/rpc-error.js';
import type { TlObject } from '../tl/index.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { userPeer, type PeerRef } from '../messenger/peer.js';
import type { Caller } from '../messenger/messaging.js';
import type { OutgoingMessage } from '../messenger/message-store.js';
import { checkText } from '../messenger/messaging.js';
import { decodeTl, decodeTlList } from '../infra/db/tl-columns.js';
import { CONTENT_NOFORWARDS, CONTENT_SERVICE } from '../messenger/message-row.js';

/** Messages per forwardMessages / deleteMessages / getMessages call, as Telegram allows. */
const MAX_IDS = 100;

export function registerMessages(rpc: RpcDispatcher, services: AppServices): void {
  const { messaging, views } = services.messenger;

  const caller = (ctx: RpcContext): Caller => ({ userId: viewerOf(ctx), session: { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId } });

  /** The chat an InputPeer names. Basic groups and channels are not there yet. */
  async function peerOf(ctx: RpcContext, input: TlObject, opts: { forWriting?: boolean } = {}): Promise<PeerRef> {
    if (input._ === 'inputPeerChat') return services.chats.peerFor(viewerOf(ctx), input.chatId as bigint);
    if (input._ !== 'inputPeerSelf' && input._ !== 'inputPeerUser') throw RpcError.badRequest('PEER_ID_INVALID');
    const record = await resolveInputUserRecord(services, ctx, input);
    if (opts.forWriting && record.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return userPeer(record.id);
  }

  const replyToId = (replyTo: TlObject | undefined): number | undefined => (replyTo?._ === 'inputReplyToMessage' ? (replyTo.replyToMsgId as number) : undefined);

  rpc.registerUntyped('messages.sendMessage', async (req: TlObject, ctx: RpcContext) => {
    const peer = await peerOf(ctx, req.peer as TlObject, { forWriting: true });
    const { message, entities } = checkText(req.message as string, req.entities as TlObject[] | undefined);
    const item: OutgoingMessage = { randomId: req.randomId as bigint, message, entities, replyToId: replyToId(req.replyTo as TlObject | undefined), silent: req.silent === true, noforwards: req.noforwards === true };
    const [sent] = await messaging.send(caller(ctx), peer, [item], { clearDraft: req.clearDraft === true });
    return { _: 'updateShortSentMessage', out: true, id: sent!.id, pts: sent!.pts, ptsCount: 1, date: sent!.date, entities: sent!.own?.row.entities ? decodeTlList(sent!.own.row.entities) : undefined };
  });

  rpc.registerUntyped('messages.forwardMessages', async (req: TlObject, ctx: RpcContext) => {
    const ids = req.id as number[];
    const randomIds = req.randomId as bigint[];
    if (ids.length === 0) throw RpcError.badRequest('MESSAGE_IDS_EMPTY');
    if (ids.length !== randomIds.length || ids.length > MAX_IDS) throw RpcError.badRequest('RANDOM_ID_INVALID');
    if (new Set(randomIds.map((r) => BigInt.asIntN(64, r))).size !== randomIds.length) throw RpcError.badRequest('RANDOM_ID_DUPLICATE');
    const me = caller(ctx);
    const from = await peerOf(ctx, req.fromPeer as TlObject);
    const to = await peerOf(ctx, req.toPeer as TlObject, { forWriting: true });
    const rows = await services.messenger.reader.byIds(me.userId, ids);
    const items: OutgoingMessage[] = ids.map((id, i) => {
      const row = rows.get(id);
      if (!row || row.peer.type !== from.type || row.peer.id !== from.id) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      if (row.flags & CONTENT_NOFORWARDS) throw RpcError.badRequest('CHAT_FORWARDS_RESTRICTED');
      if (row.flags & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      // A forwarded message keeps the header of its first forward, so the original author stays visible.
      const fwdFrom = req.dropAuthor === true ? undefined : (decodeTl(row.fwdFrom) ?? { _: 'messageFwdHeader', fromId: { _: 'peerUser', userId: row.authorId }, date: row.date });
      return {
        randomId: randomIds[i]!,
        message: row.message,
        entities: decodeTlList(row.entities),
        media: decodeTl(row.media),
        fwdFrom,
        silent: req.silent === true,
        noforwards: req.noforwards === true,
      };
    });
    const sent = await messaging.send(me, to, items);
    return messaging.sentUpdates(me, sent);
  });

  rpc.registerUntyped('messages.editMessage', async (req: TlObject, ctx: RpcContext) => {
    const peer = await peerOf(ctx, req.peer as TlObject);
    if (req.media !== undefined) throw RpcError.badRequest('MEDIA_INVALID');
    if (typeof req.message !== 'string') throw RpcError.badRequest('MESSAGE_NOT_MODIFIED');
    return messaging.edit(caller(ctx), peer, req.id as number, req.message, req.entities as TlObject[] | undefined);
  });

  rpc.registerUntyped('messages.deleteMessages', async (req: TlObject, ctx: RpcContext) => {
    const ids = req.id as number[];
    if (ids.length > MAX_IDS) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    const me = caller(ctx);
    if (ids.length === 0) {
      const state = await services.messenger.reader.state(me.userId);
      return { _: 'messages.affectedMessages', pts: state.pts, ptsCount: 0 };
    }
    const res = await messaging.delete(me, ids, req.revoke === true);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.registerUntyped('messages.readHistory', async (req: TlObject, ctx: RpcContext) => {
    const peer = await peerOf(ctx, req.peer as TlObject);
    const res = await messaging.readHistory(caller(ctx), peer, req.maxId as number);
    return { _: 'messages.affectedMessages', pts: res.pts, ptsCount: res.ptsCount };
  });

  rpc.registerUntyped('messages.setTyping', async (req: TlObject, ctx: RpcContext) => {
    const peer = await peerOf(ctx, req.peer as TlObject);
    await messaging.setTyping(caller(ctx), peer, req.action as TlObject);
    return true;
  });

  rpc.registerUntyped('messages.getHistory', async (req: TlObject, ctx: RpcContext) => {
    const peer = await peerOf(ctx, req.peer as TlObject);
    return views.history(
      viewerOf(ctx),
      peer,
      { offsetId: req.offsetId as number, offsetDate: req.offsetDate as number, addOffset: req.addOffset as number, limit: req.limit as number, maxId: req.maxId as number, minId: req.minId as number },
      (req.hash as bigint | undefined) ?? 0n,
    );
  });

  rpc.registerUntyped('messages.getMessages', async (req: TlObject, ctx: RpcContext) => {
    const ids = req.id as TlObject[];
    if (ids.length > MAX_IDS) throw RpcError.badRequest('LIMIT_INVALID');
    return views.messages(viewerOf(ctx), ids);
  });

  rpc.registerUntyped('messages.getDialogs', async (req: TlObject, ctx: RpcContext) => {
    return views.dialogs(viewerOf(ctx), {
      offsetDate: req.offsetDate as number,
      offsetId: req.offsetId as number,
      limit: req.limit as number,
      excludePinned: req.excludePinned === true,
      folderId: req.folderId as number | undefined,
    });
  });

  rpc.registerUntyped('messages.getPeerDialogs', async (req: TlObject, ctx: RpcContext) => {
    const peers: PeerRef[] = [];
    for (const p of req.peers as TlObject[]) {
      if (p._ === 'inputDialogPeer') peers.push(await peerOf(ctx, p.peer as TlObject));
    }
    return views.peerDialogs(viewerOf(ctx), peers);
  });
}
