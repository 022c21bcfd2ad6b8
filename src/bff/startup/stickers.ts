// Stickers, custom emoji, GIFs and emoji keywords (core.telegram.org/api/stickers, /api/custom-emoji).
// Echo ships no sticker sets and has no way yet to create, install, fave or save any, so every list is
// empty: that is the whole truth, and it is hashed like any list so clients cache it. A set a client
// names does not exist, which Telegram answers with STICKERSET_INVALID.
import { RpcError } from '../../common/rpc-error.js';
import type { Obj, TlType } from '../../tl/index.js';
import type { RpcDispatcher } from '../registry.js';
import { cached32, cached64 } from './cache-hash.js';

export function registerStickers(rpc: RpcDispatcher): void {
  const allStickers = (list: string) => cached64<TlType<'messages.AllStickers'>>(list, (hash) => ({ _: 'messages.allStickers', hash, sets: [] }), { _: 'messages.allStickersNotModified' });
  const installed = allStickers('stickers');
  const masks = allStickers('masks');
  const emoji = allStickers('emoji');
  rpc.register('messages.getAllStickers', (req) => installed.answer(req.hash));
  rpc.register('messages.getMaskStickers', (req) => masks.answer(req.hash));
  rpc.register('messages.getEmojiStickers', (req) => emoji.answer(req.hash));

  // Archived sets: none were ever installed, so none were archived.
  rpc.register('messages.getArchivedStickers', () => ({ _: 'messages.archivedStickers', count: 0, sets: [] }));

  // Stickers matching an emoji: no sticker is associated with any emoji.
  const byEmoji = cached64<TlType<'messages.Stickers'>>('stickers-by-emoji', (hash) => ({ _: 'messages.stickers', hash, stickers: [] }), { _: 'messages.stickersNotModified' });
  rpc.register('messages.getStickers', (req) => byEmoji.answer(req.hash));

  const faved = cached64<TlType<'messages.FavedStickers'>>('faved', (hash) => ({ _: 'messages.favedStickers', hash, packs: [], stickers: [] }), { _: 'messages.favedStickersNotModified' });
  rpc.register('messages.getFavedStickers', (req) => faved.answer(req.hash));

  const recent = cached64<TlType<'messages.RecentStickers'>>('recent', (hash) => ({ _: 'messages.recentStickers', hash, packs: [], stickers: [], dates: [] }), { _: 'messages.recentStickersNotModified' });
  rpc.register('messages.getRecentStickers', (req) => recent.answer(req.hash));

  const gifs = cached64<TlType<'messages.SavedGifs'>>('gifs', (hash) => ({ _: 'messages.savedGifs', hash, gifs: [] }), { _: 'messages.savedGifsNotModified' });
  rpc.register('messages.getSavedGifs', (req) => gifs.answer(req.hash));

  // featuredStickersNotModified carries the number of featured sets: 0.
  const featured = (list: string, premium: boolean) =>
    cached64<TlType<'messages.FeaturedStickers'>>(list, (hash) => ({ _: 'messages.featuredStickers', ...(premium ? { premium } : {}), hash, count: 0, sets: [], unread: [] }), {
      _: 'messages.featuredStickersNotModified',
      count: 0,
    });
  const featuredStickers = featured('featured', false);
  const featuredEmoji = featured('featured-emoji', true);
  rpc.register('messages.getFeaturedStickers', (req) => featuredStickers.answer(req.hash));
  rpc.register('messages.getFeaturedEmojiStickers', (req) => featuredEmoji.answer(req.hash));
  rpc.register('messages.getOldFeaturedStickers', (req) => featuredStickers.answer(req.hash));

  // Every InputStickerSet form (by id, short name, the animated-emoji / dice / premium placeholders) names a
  // set Echo does not have.
  rpc.register('messages.getStickerSet', () => {
    throw RpcError.badRequest('STICKERSET_INVALID');
  });

  // Telegram answers the custom emoji documents it found among the ids: there are none here.
  rpc.register('messages.getCustomEmojiDocuments', () => []);

  // Emoji groups of the emoji, status, profile-photo and sticker pickers: none defined.
  const groups = (list: string) => cached32<TlType<'messages.EmojiGroups'>>(list, (hash) => ({ _: 'messages.emojiGroups', hash, groups: [] }), { _: 'messages.emojiGroupsNotModified' });
  const emojiGroups = groups('emoji-groups');
  const statusGroups = groups('status-groups');
  const photoGroups = groups('profile-photo-groups');
  const stickerGroups = groups('sticker-groups');
  rpc.register('messages.getEmojiGroups', (req) => emojiGroups.answer(req.hash));
  rpc.register('messages.getEmojiStatusGroups', (req) => statusGroups.answer(req.hash));
  rpc.register('messages.getEmojiProfilePhotoGroups', (req) => photoGroups.answer(req.hash));
  rpc.register('messages.getEmojiStickerGroups', (req) => stickerGroups.answer(req.hash));

  // Emoji keywords (core.telegram.org/api/custom-emoji#emoji-keywords): Echo has no keyword list in any
  // language. Version 0 is "nothing yet"; a difference from any version is empty and lands on version 0.
  const keywords = (langCode: string, fromVersion: number): Obj<'emojiKeywordsDifference'> => ({ _: 'emojiKeywordsDifference', langCode, fromVersion, version: 0, keywords: [] });
  rpc.register('messages.getEmojiKeywords', (req) => keywords(req.langCode, 0));
  rpc.register('messages.getEmojiKeywordsDifference', (req) => keywords(req.langCode, req.fromVersion));
  rpc.register('messages.getEmojiKeywordsLanguages', () => []);
}
