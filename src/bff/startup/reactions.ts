// Reactions and message effects (core.telegram.org/api/reactions, /api/effects). Echo defines no
// reactions and no effects, and nobody can react (messages.sendReaction does not exist here), so there is
// nothing recent, nothing top, no tags: every list is empty and hashed so clients cache it.
import type { TlType } from '../../tl/index.js';
import { resolvePeer } from '../messages-dialogs.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';
import { cached32, cached64 } from './cache-hash.js';

export function registerReactions(rpc: RpcDispatcher, services: AppServices): void {
  const available = cached32<TlType<'messages.AvailableReactions'>>('available-reactions', (hash) => ({ _: 'messages.availableReactions', hash, reactions: [] }), { _: 'messages.availableReactionsNotModified' });
  rpc.register('messages.getAvailableReactions', (req) => available.answer(req.hash));

  const reactions = (list: string) => cached64<TlType<'messages.Reactions'>>(list, (hash) => ({ _: 'messages.reactions', hash, reactions: [] }), { _: 'messages.reactionsNotModified' });
  const recent = reactions('recent-reactions');
  const top = reactions('top-reactions');
  const tagDefaults = reactions('default-tag-reactions');
  rpc.register('messages.getRecentReactions', (req) => recent.answer(req.hash));
  rpc.register('messages.getTopReactions', (req) => top.answer(req.hash));
  rpc.register('messages.getDefaultTagReactions', (req) => tagDefaults.answer(req.hash));

  // Saved-message tags are reactions on saved messages: none, in every saved dialog.
  const tags = cached64<TlType<'messages.SavedReactionTags'>>('saved-reaction-tags', (hash) => ({ _: 'messages.savedReactionTags', tags: [], hash }), { _: 'messages.savedReactionTagsNotModified' });
  rpc.register('messages.getSavedReactionTags', async (req, ctx) => {
    if (req.peer) await resolvePeer(services, ctx, req.peer);
    return tags.answer(req.hash);
  });

  const effects = cached32<TlType<'messages.AvailableEffects'>>('available-effects', (hash) => ({ _: 'messages.availableEffects', hash, effects: [], documents: [] }), { _: 'messages.availableEffectsNotModified' });
  rpc.register('messages.getAvailableEffects', (req) => effects.answer(req.hash));
}
