// Reactions and message effects (core.telegram.org/api/reactions, /api/effects). Echo defines no
// reactions and no effects, and nobody can react (messages.sendReaction does not exist here), so there is
// nothing recent, nothing top, no tags: every list is empty and hashed so clients cache it.
import type { TlObject } from '../../tl/index.js';
import type { RpcContext } from '../context.js';
import { resolvePeer } from '../messages-dialogs.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';
import { cached32, cached64 } from './cache-hash.js';

export function registerReactions(rpc: RpcDispatcher, services: AppServices): void {
  const available = cached32('available-reactions', (hash) => ({ _: 'messages.availableReactions', hash, reactions: [] }), { _: 'messages.availableReactionsNotModified' });
  rpc.registerUntyped('messages.getAvailableReactions', (req: { hash: number }) => available.answer(req.hash));

  const reactions = (list: string) => cached64(list, (hash) => ({ _: 'messages.reactions', hash, reactions: [] }), { _: 'messages.reactionsNotModified' });
  const recent = reactions('recent-reactions');
  const top = reactions('top-reactions');
  const tagDefaults = reactions('default-tag-reactions');
  rpc.registerUntyped('messages.getRecentReactions', (req: { hash: bigint }) => recent.answer(req.hash));
  rpc.registerUntyped('messages.getTopReactions', (req: { hash: bigint }) => top.answer(req.hash));
  rpc.registerUntyped('messages.getDefaultTagReactions', (req: { hash: bigint }) => tagDefaults.answer(req.hash));

  // Saved-message tags are reactions on saved messages: none, in every saved dialog.
  const tags = cached64('saved-reaction-tags', (hash) => ({ _: 'messages.savedReactionTags', tags: [], hash }), { _: 'messages.savedReactionTagsNotModified' });
  rpc.registerUntyped('messages.getSavedReactionTags', async (req: { peer?: TlObject; hash: bigint }, ctx: RpcContext) => {
    if (req.peer) await resolvePeer(services, ctx, req.peer);
    return tags.answer(req.hash);
  });

  const effects = cached32('available-effects', (hash) => ({ _: 'messages.availableEffects', hash, effects: [], documents: [] }), { _: 'messages.availableEffectsNotModified' });
  rpc.registerUntyped('messages.getAvailableEffects', (req: { hash: number }) => effects.answer(req.hash));
}
