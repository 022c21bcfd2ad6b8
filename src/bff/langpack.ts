// langpack.*: Echo ships no server-side translations, so clients keep their built-in strings.
// Answers are true and empty: English is the one language, at version 0 with no strings to apply.
import { RpcError } from '../common/rpc-error.js';
import type { RpcDispatcher } from './registry.js';

const ENGLISH = {
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
  rpc.registerUntyped('langpack.getLanguages', () => [ENGLISH]);
  rpc.registerUntyped('langpack.getLanguage', (req: { langCode: string }) => {
    checkLangCode(req.langCode);
    return ENGLISH;
  });
  rpc.registerUntyped('langpack.getLangPack', (req: { langCode: string }) => {
    checkLangCode(req.langCode);
    return { _: 'langPackDifference', langCode: req.langCode, fromVersion: 0, version: 0, strings: [] };
  });
  rpc.registerUntyped('langpack.getDifference', (req: { langCode: string; fromVersion: number }) => {
    checkLangCode(req.langCode);
    return { _: 'langPackDifference', langCode: req.langCode, fromVersion: req.fromVersion, version: 0, strings: [] };
  });
  rpc.registerUntyped('langpack.getStrings', (req: { langCode: string }) => {
    checkLangCode(req.langCode);
    return [];
  });
}
