// Stickers, custom emoji, GIFs and emoji keywords (core.telegram.org/api/stickers, /api/custom-emoji).
// Echo ships no sticker sets and has no way yet to create, install, fave or save any, so every list is
// empty: that is the whole truth, and it is hashed like any list so clients cache it. A set a client
// names does not exist, which Telegram answers with STICKERSET_INVALID.
import { RpcError } from '../../common/rpc-error.js';
import type { TlObject } from '../../tl/index.js';
import type { RpcDispatcher } from '../registry.js';
import { cached32, cached64 } from './cache-hash.js';

type HashReq = { hash: bigint };

export function registerStickers(rpc: RpcDispatcher): void {
  const allStickers = (list: string) => cached64(list, (hash) => ({ _: 'messages.allStickers', hash, sets: [] }), { _: 'messages.allStickersNotModified' });
  const installed = allStickers('stickers');
  const masks = allStickers('masks');
  const emoji = allStickers('emoji');
  rpc.registerUntyped('messages.getAllStickers', (req: HashReq) => installed.answer(req.hash));
  rpc.registerUntyped('messages.getMaskStickers', (req: HashReq) => masks.answer(req.hash));
  rpc.registerUntyped('messages.getEmojiStickers', (req: HashReq) => emoji.answer(req.hash));

  // Archived sets: none were ever installed, so none were archived.
  rpc.registerUntyped('messages.getArchivedStickers', () => ({ _: 'messages.archivedStickers', count: 0, sets: [] }));

  // Stickers matching an emoji: no sticker is associated with any emoji.
  const byEmoji = cached64('stickers-by-emoji', (hash) => ({ _: 'messages.stickers', hash, stickers: [] }), { _: 'messages.stickersNotModified' });
  rpc.registerUntyped('messages.getStickers', (req: HashReq) => byEmoji.answer(req.hash));

  const faved = cached64('faved', (hash) => ({ _: 'messages.favedStickers', hash, packs: [], stickers: [] }), { _: 'messages.favedStickersNotModified' });
  rpc.registerUntyped('messages.getFavedStickers', (req: HashReq) => faved.answer(req.hash));

  const recent = cached64('recent', (hash) => ({ _: 'messages.recentStickers', hash, packs: [], stickers: [], dates: [] }), { _: 'messages.recentStickersNotModified' });
  rpc.registerUntyped('messages.getRecentStickers', (req: HashReq) => recent.answer(req.hash));

  const gifs = cached64('gifs', (hash) => ({ _: 'messages.savedGifs', hash, gifs: [] }), { _: 'messages.savedGifsNotModified' });
  rpc.registerUntyped('messages.getSavedGifs', (req: HashReq) => gifs.answer(req.hash));

  // featuredStickersNotModified carries the number of featured sets: 0.
  const featured = (list: string, premium: boolean) =>
    cached64(list, (hash) => ({ _: 'messages.featuredStickers', ...(premium ? { premium } : {}), hash, count: 0, sets: [], unread: [] }), {
      _: 'messages.featuredStickersNotModified',
      count: 0,
    });
  const featuredStickers = featured('featured', false);
  const featuredEmoji = featured('featured-emoji', true);
  rpc.registerUntyped('messages.getFeaturedStickers', (req: HashReq) => featuredStickers.answer(req.hash));
  rpc.registerUntyped('messages.getFeaturedEmojiStickers', (req: HashReq) => featuredEmoji.answer(req.hash));
  rpc.registerUntyped('messages.getOldFeaturedStickers', (req: HashReq) => featuredStickers.answer(req.hash));

  // Every InputStickerSet form (by id, short name, the animated-emoji / dice / premium placeholders) names a
  // set Echo does not have.
  rpc.registerUntyped('messages.getStickerSet', () => {
    throw RpcError.badRequest('STICKERSET_INVALID');
  });

  // Telegram answers the custom emoji documents it found among the ids: there are none here.
  rpc.registerUntyped('messages.getCustomEmojiDocuments', () => []);

  // Emoji groups of the emoji, status, profile-photo and sticker pickers: none defined.
  const groups = (list: string) => cached32(list, (hash) => ({ _: 'messages.emojiGroups', hash, groups: [] }), { _: 'messages.emojiGroupsNotModified' });
  const emojiGroups = groups('emoji-groups');
  const statusGroups = groups('status-groups');
  const photoGroups = groups('profile-photo-groups');
  const stickerGroups = groups('sticker-groups');
  rpc.registerUntyped('messages.getEmojiGroups', (req: { hash: number }) => emojiGroups.answer(req.hash));
  rpc.registerUntyped('messages.getEmojiStatusGroups', (req: { hash: number }) => statusGroups.answer(req.hash));
  rpc.registerUntyped('messages.getEmojiProfilePhotoGroups', (req: { hash: number }) => photoGroups.answer(req.hash));
  rpc.registerUntyped('messages.getEmojiStickerGroups', (req: { hash: number }) => stickerGroups.answer(req.hash));

  // Emoji keywords (core.telegram.org/api/custom-emoji#emoji-keywords): Echo has no keyword list in any
  // language. Version 0 is "nothing yet"; a difference from any version is empty and lands on version 0.
  const keywords = (langCode: string, fromVersion: number): TlObject => ({ _: 'emojiKeywordsDifference', langCode, fromVersion, version: 0, keywords: [] });
  rpc.registerUntyped('messages.getEmojiKeywords', (req: { langCode: string }) => keywords(req.langCode, 0));
  rpc.registerUntyped('messages.getEmojiKeywordsDifference', (req: { langCode: string; fromVersion: number }) => keywords(req.langCode, req.fromVersion));
  rpc.registerUntyped('messages.getEmojiKeywordsLanguages', () => []);
}
