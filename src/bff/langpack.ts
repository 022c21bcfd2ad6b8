// langpack.*: Echo ships no server-side translations, so clients keep their built-in strings.
// Answers are true and empty: English is the one language, at version 0 with no strings to apply.
import { RpcError } from '../common/rpc-error.js';
import type { Obj } from '../tl/index.js';
import type { RpcDispatcher } from './registry.js';

const ENGLISH: Obj<'langPackLanguage'> = {
  _: 'langPackLanguage',
  official: true,
  name: 'English',
  nativeName: 'English',
  langCode: 'en',
  pluralCode: 'en',
  stringsCount: 0,
  translatedCount: 0,
  translationsUrl: '',
};

function checkLangCode(langCode: string): void {
  // Clients send e.g. "en", "en-us" or "en-raw"; only the English family is known.
  if (langCode !== '' && !/^en([-_].*)?$/i.test(langCode)) throw new RpcError(400, 'LANG_CODE_NOT_SUPPORTED');
}

export function registerLangpack(rpc: RpcDispatcher): void {
  rpc.register('langpack.getLanguages', () => [ENGLISH]);
  rpc.register('langpack.getLanguage', (req) => {
    checkLangCode(req.langCode);
    return ENGLISH;
  });
  rpc.register('langpack.getLangPack', (req) => {
    checkLangCode(req.langCode);
    return { _: 'langPackDifference', langCode: req.langCode, fromVersion: 0, version: 0, strings: [] };
  });
  rpc.register('langpack.getDifference', (req) => {
    checkLangCode(req.langCode);
    return { _: 'langPackDifference', langCode: req.langCode, fromVersion: req.fromVersion, version: 0, strings: [] };
  });
  rpc.register('langpack.getStrings', (req) => {
    checkLangCode(req.langCode);
    return [];
  });
}
