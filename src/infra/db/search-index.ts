// What messages.search matches on, computed when a message is stored or edited (BoxWriter.addContent,
// MessageStore.edit) and kept next to the content:
// - search_text: the text's words, Unicode-folded (NFKC, lower case) and joined as " w1 w2 ... ", so a
//   dialect-neutral `LIKE '% word%'` is a case-insensitive word-prefix match, as Telegram's search is.
//   Folding in JavaScript keeps it correct for every script on every engine (SQLite's lower()/LIKE only
//   fold ASCII). The scan is bounded by the owner's box (and the chat) through the message_boxes indexes.
//   MySQL path: a FULLTEXT index (ngram parser) on search_text can replace the LIKE when boxes grow large.
// - search_kinds: bits for the media filters (photos, videos, documents, links, ...).
import type { TlObject } from '../../tl/index.js';
import { decodeTl, decodeTlList } from './tl-columns.js';

export const SEARCH_KIND_PHOTO = 1;
export const SEARCH_KIND_VIDEO = 2;
export const SEARCH_KIND_DOCUMENT = 4;
export const SEARCH_KIND_URL = 8;
export const SEARCH_KIND_GIF = 16;
export const SEARCH_KIND_VOICE = 32;
export const SEARCH_KIND_MUSIC = 64;
export const SEARCH_KIND_ROUND_VIDEO = 128;
export const SEARCH_KIND_GEO = 256;
export const SEARCH_KIND_CONTACT = 512;
export const SEARCH_KIND_POLL = 1024;

const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

/** The words of `text`, folded: what both the stored text and a query are reduced to. */
export function searchWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** The stored form: " w1 w2 ... " (empty string for a text without words). */
export function foldForSearch(text: string): string {
  const words = searchWords(text);
  return words.length > 0 ? ` ${words.join(' ')} ` : '';
}

/** A LIKE pattern for one query word, with '!' as the escape character (the same on SQLite and MySQL). */
export function wordPattern(word: string): string {
  return `% ${word.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

function documentKind(doc: TlObject | undefined): number {
  const attrs = (doc?.attributes as TlObject[] | undefined) ?? [];
  let kind = SEARCH_KIND_DOCUMENT;
  for (const a of attrs) {
    if (a._ === 'documentAttributeAnimated') return SEARCH_KIND_GIF;
    if (a._ === 'documentAttributeSticker') return 0;
    if (a._ === 'documentAttributeVideo') kind = a.roundMessage ? SEARCH_KIND_ROUND_VIDEO : SEARCH_KIND_VIDEO;
    if (a._ === 'documentAttributeAudio') kind = a.voice ? SEARCH_KIND_VOICE : SEARCH_KIND_MUSIC;
  }
  return kind;
}

/** SEARCH_KIND_* bits of a message from its stored entities and media (TL-encoded columns). */
export function searchKinds(entities: Uint8Array | null | undefined, media: Uint8Array | null | undefined): number {
  let kinds = 0;
  for (const e of decodeTlList(entities) ?? []) {
    if (e._ === 'messageEntityUrl' || e._ === 'messageEntityTextUrl') kinds |= SEARCH_KIND_URL;
  }
  const m = decodeTl(media);
  switch (m?._) {
    case 'messageMediaPhoto':
      kinds |= SEARCH_KIND_PHOTO;
      break;
    case 'messageMediaDocument':
      kinds |= documentKind(m.document as TlObject | undefined);
      break;
    case 'messageMediaWebPage':
      kinds |= SEARCH_KIND_URL;
      break;
    case 'messageMediaGeo':
    case 'messageMediaGeoLive':
    case 'messageMediaVenue':
      kinds |= SEARCH_KIND_GEO;
      break;
    case 'messageMediaContact':
      kinds |= SEARCH_KIND_CONTACT;
      break;
    case 'messageMediaPoll':
      kinds |= SEARCH_KIND_POLL;
      break;
  }
  return kinds;
}

/** The search columns of a content row. */
export function searchColumns(message: string, entities: Uint8Array | null | undefined, media: Uint8Array | null | undefined): { search_text: string; search_kinds: number } {
  return { search_text: foldForSearch(message), search_kinds: searchKinds(entities, media) };
}

/** The search_kinds bits a messages filter asks for: undefined = no kind restriction, 0 = nothing can match. */
export function kindsOfFilter(filter: TlObject | undefined): number | undefined {
  switch (filter?._) {
    case undefined:
    case 'inputMessagesFilterEmpty':
    case 'inputMessagesFilterPinned':
    case 'inputMessagesFilterMyMentions':
      return undefined;
    case 'inputMessagesFilterPhotos':
      return SEARCH_KIND_PHOTO;
    case 'inputMessagesFilterVideo':
      return SEARCH_KIND_VIDEO;
    case 'inputMessagesFilterPhotoVideo':
      return SEARCH_KIND_PHOTO | SEARCH_KIND_VIDEO;
    case 'inputMessagesFilterDocument':
      return SEARCH_KIND_DOCUMENT;
    case 'inputMessagesFilterUrl':
      return SEARCH_KIND_URL;
    case 'inputMessagesFilterGif':
      return SEARCH_KIND_GIF;
    case 'inputMessagesFilterVoice':
      return SEARCH_KIND_VOICE;
    case 'inputMessagesFilterMusic':
      return SEARCH_KIND_MUSIC;
    case 'inputMessagesFilterRoundVideo':
      return SEARCH_KIND_ROUND_VIDEO;
    case 'inputMessagesFilterRoundVoice':
      return SEARCH_KIND_ROUND_VIDEO | SEARCH_KIND_VOICE;
    case 'inputMessagesFilterGeo':
      return SEARCH_KIND_GEO;
    case 'inputMessagesFilterContacts':
      return SEARCH_KIND_CONTACT;
    case 'inputMessagesFilterPoll':
      return SEARCH_KIND_POLL;
    default:
      // Chat photos and phone calls do not exist here yet: nothing matches.
      return 0;
  }
}
