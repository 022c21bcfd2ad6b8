// Secret chats (core.telegram.org/api/end-to-end): the DH parameters, the key exchange, encrypted messages
// and files, read receipts, typing, the qts queue. The chat belongs to the calling device (its perm key),
// not to the account: see messenger/secret/secret-chats.ts.
import { RpcError } from '../common/rpc-error.js';
import { DH_G, DH_PRIME } from '../mtproto/crypto/dh.js';
import type { SecretCaller } from '../messenger/secret/secret-chats.js';
import type { RpcContext } from './context.js';
import { resolveInputUserRecord, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

/**
 * The version of Echo's DH parameters (messages.getDhConfig): clients cache p and g under it. Echo's prime
 * is fixed, so the version is too; a new prime would take a new number.
 */
export const DH_CONFIG_VERSION = 1;
/** The most random bytes one getDhConfig hands out. */
const MAX_RANDOM_LENGTH = 1024;

/** The caller as a secret chat sees it: its user on its device (the perm key, also behind a temp key). */
export function secretCallerOf(ctx: RpcContext): SecretCaller {
  return { userId: viewerOf(ctx), device: ctx.authKey.permKeyId ?? ctx.authKey.authKey.id };
}

export function registerMessagesSecret(rpc: RpcDispatcher, services: AppServices): void {
  const secret = services.secretChats;

  rpc.register('messages.getDhConfig', async (req) => {
    if (req.randomLength < 0 || req.randomLength > MAX_RANDOM_LENGTH) throw RpcError.badRequest('RANDOM_LENGTH_INVALID');
    const random = services.core.random(req.randomLength);
    if (req.version === DH_CONFIG_VERSION) return { _: 'messages.dhConfigNotModified', random };
    return { _: 'messages.dhConfig', g: DH_G, p: DH_PRIME, version: DH_CONFIG_VERSION, random };
  });

  rpc.register('messages.requestEncryption', async (req, ctx) => {
    const caller = secretCallerOf(ctx);
    const target = await resolveInputUserRecord(services, ctx, req.userId);
    if (target.id === caller.userId || target.kind !== 'user') throw RpcError.badRequest('USER_ID_INVALID');
    if (target.deleted) throw RpcError.badRequest('INPUT_USER_DEACTIVATED');
    return secret.request(caller, target.id, req.randomId, Buffer.from(req.gA));
  });

  rpc.register('messages.acceptEncryption', async (req, ctx) => secret.accept(secretCallerOf(ctx), req.peer, Buffer.from(req.gB), req.keyFingerprint));

  rpc.register('messages.discardEncryption', async (req, ctx) => {
    if (req.chatId === 0) throw RpcError.badRequest('CHAT_ID_EMPTY');
    await secret.discard(secretCallerOf(ctx), req.chatId, Boolean(req.deleteHistory));
    return true;
  });

  rpc.register('messages.sendEncrypted', async (req, ctx) => {
    const sent = await secret.send(secretCallerOf(ctx), req.peer, { randomId: req.randomId, data: req.data, service: false });
    return { _: 'messages.sentEncryptedMessage', date: sent.date };
  });

  rpc.register('messages.sendEncryptedService', async (req, ctx) => {
    const sent = await secret.send(secretCallerOf(ctx), req.peer, { randomId: req.randomId, data: req.data, service: true });
    return { _: 'messages.sentEncryptedMessage', date: sent.date };
  });

  rpc.register('messages.sendEncryptedFile', async (req, ctx) => {
    const sent = await secret.send(secretCallerOf(ctx), req.peer, { randomId: req.randomId, data: req.data, service: false, file: req.file });
    return { _: 'messages.sentEncryptedFile', date: sent.date, file: sent.file! };
  });

  rpc.register('messages.readEncryptedHistory', async (req, ctx) => {
    await secret.readHistory(secretCallerOf(ctx), req.peer, req.maxDate);
    return true;
  });

  rpc.register('messages.setEncryptedTyping', async (req, ctx) => {
    await secret.typing(secretCallerOf(ctx), req.peer, req.typing);
    return true;
  });

  rpc.register('messages.receivedQueue', async (req, ctx) => secret.received(secretCallerOf(ctx), req.maxQts));

  rpc.register('messages.reportEncryptedSpam', async (req, ctx) => {
    await secret.reportSpam(secretCallerOf(ctx), req.peer);
    return true;
  });
}
