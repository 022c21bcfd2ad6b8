// The remaining start-up calls: chat folders, attachment-menu bots, top peers, birthdays, quick replies,
// contact requirements, the default auto-delete timer and the Stars balance. Each answers Echo's state.
import { RpcError } from '../../common/rpc-error.js';
import { encodeVectorResult, registerLayerFallback, schemaLayerFor, type TlType } from '../../tl/index.js';
import { inputUserId, viewerOf } from '../peers.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';
import { cached64 } from './cache-hash.js';

/** The first layer whose payments.starsStatus.balance is a StarsAmount instead of a long. */
const STARS_AMOUNT_LAYER = 195;

// No object stands in for these in the layers that lack them; the handlers below never build them there:
// layers before 176 get a pre-encoded Vector<DialogFilter>, and only layers from 206 can ask for a TON balance.
registerLayerFallback('messages.dialogFilters', () => undefined);
registerLayerFallback('starsTonAmount', () => undefined);

/** The most users one users.getRequirementsToContact call may name (Telegram's users.getUsers limit). */
export const REQUIREMENTS_MAX_USERS = 200;

export function registerMisc(rpc: RpcDispatcher, services: AppServices): void {
  // Folders (dialog filters): Echo has no way to create one (messages.updateDialogFilter does not exist
  // here), so the user has none, and there are no suggested ones.
  // Layers before 176 answer a plain Vector<DialogFilter>.
  rpc.register('messages.getDialogFilters', (_req, ctx) =>
    ctx.layer < 176 ? encodeVectorResult([], ctx.layer) : { _: 'messages.dialogFilters', filters: [] },
  );
  rpc.register('messages.getSuggestedDialogFilters', () => []);

  // No bot offers an attachment-menu entry: Echo has no bots.
  const attachBots = cached64<TlType<'AttachMenuBots'>>('attach-menu-bots', (hash) => ({ _: 'attachMenuBots', hash, bots: [], users: [] }), { _: 'attachMenuBotsNotModified' });
  rpc.register('messages.getAttachMenuBots', (req) => attachBots.answer(req.hash));

  // Echo computes no top-peer ratings: the API's answer for that is "disabled".
  rpc.register('contacts.getTopPeers', () => ({ _: 'contacts.topPeersDisabled' }));

  // Nobody can set a birthday on Echo (account.updateBirthday does not exist here).
  rpc.register('contacts.getBirthdays', () => ({ _: 'contacts.contactBirthdays', contacts: [], users: [] }));

  // Quick replies are a business feature Echo does not offer: no shortcuts exist.
  rpc.register('messages.getQuickReplies', () => ({ _: 'messages.quickReplies', quickReplies: [], messages: [], chats: [], users: [] }));

  // Writing to someone never needs premium or paid messages here: one empty requirement per user, in order.
  rpc.register('users.getRequirementsToContact', (req, ctx) => {
    const viewer = viewerOf(ctx);
    if (req.id.length > REQUIREMENTS_MAX_USERS) throw RpcError.badRequest('LIMIT_INVALID');
    return req.id.map((input) => {
      if (inputUserId(services, viewer, input) === undefined) throw RpcError.badRequest('USER_ID_INVALID');
      return { _: 'requirementToContactEmpty' };
    });
  });

  // Messages never delete themselves here (messages.setDefaultHistoryTTL does not exist): period 0.
  rpc.register('messages.getDefaultHistoryTTL', () => ({ _: 'defaultHistoryTTL', period: 0 }));

  // Echo has no Stars and no TON: the caller's balance is zero. Only one's own balance can be asked for
  // (Echo has no bots or channels whose balance one could manage).
  rpc.register('payments.getStarsStatus', (req, ctx) => {
    if (req.peer._ !== 'inputPeerSelf' && inputUserId(services, viewerOf(ctx), req.peer) !== viewerOf(ctx)) throw RpcError.badRequest('PEER_ID_INVALID');
    // Schema gap: before layer 195 the balance is a plain long, which the canonical type (StarsAmount) cannot
    // express; the session layer encodes the object for the client's layer, where a bigint is what it writes.
    const oldLayerBalance = 0n as unknown as TlType<'StarsAmount'>;
    const balance: TlType<'StarsAmount'> =
      schemaLayerFor(ctx.layer) < STARS_AMOUNT_LAYER ? oldLayerBalance : req.ton ? { _: 'starsTonAmount', amount: 0n } : { _: 'starsAmount', amount: 0n, nanos: 0 };
    return { _: 'payments.starsStatus', balance, chats: [], users: [] };
  });
}
