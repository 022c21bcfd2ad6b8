// The TL names of privacy keys and the rules an account starts with.
import type { TlType } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import { PRIVACY_KEYS, type PrivacyKey } from './rules.js';
import type { StoredRule } from './evaluate.js';

/** Each key's inputPrivacyKey* (what clients ask about) and privacyKey* (what updatePrivacy carries). */
const KEY_CONSTRUCTORS: { readonly [K in PrivacyKey]: { input: TlType<'InputPrivacyKey'>['_']; output: TlType<'PrivacyKey'>['_'] } } = {
  statusTimestamp: { input: 'inputPrivacyKeyStatusTimestamp', output: 'privacyKeyStatusTimestamp' },
  chatInvite: { input: 'inputPrivacyKeyChatInvite', output: 'privacyKeyChatInvite' },
  phoneCall: { input: 'inputPrivacyKeyPhoneCall', output: 'privacyKeyPhoneCall' },
  phoneP2P: { input: 'inputPrivacyKeyPhoneP2P', output: 'privacyKeyPhoneP2P' },
  forwards: { input: 'inputPrivacyKeyForwards', output: 'privacyKeyForwards' },
  profilePhoto: { input: 'inputPrivacyKeyProfilePhoto', output: 'privacyKeyProfilePhoto' },
  phoneNumber: { input: 'inputPrivacyKeyPhoneNumber', output: 'privacyKeyPhoneNumber' },
  addedByPhone: { input: 'inputPrivacyKeyAddedByPhone', output: 'privacyKeyAddedByPhone' },
  voiceMessages: { input: 'inputPrivacyKeyVoiceMessages', output: 'privacyKeyVoiceMessages' },
  about: { input: 'inputPrivacyKeyAbout', output: 'privacyKeyAbout' },
  birthday: { input: 'inputPrivacyKeyBirthday', output: 'privacyKeyBirthday' },
  starGiftsAutoSave: { input: 'inputPrivacyKeyStarGiftsAutoSave', output: 'privacyKeyStarGiftsAutoSave' },
  noPaidMessages: { input: 'inputPrivacyKeyNoPaidMessages', output: 'privacyKeyNoPaidMessages' },
  savedMusic: { input: 'inputPrivacyKeySavedMusic', output: 'privacyKeySavedMusic' },
};

const BY_INPUT = new Map<string, PrivacyKey>(PRIVACY_KEYS.map((key) => [KEY_CONSTRUCTORS[key].input, key]));

/** inputPrivacyKey* -> key; PRIVACY_KEY_INVALID for anything else. */
export function privacyKeyFromInput(input: TlType<'InputPrivacyKey'>): PrivacyKey {
  const key = BY_INPUT.get(input._);
  if (!key) throw RpcError.badRequest('PRIVACY_KEY_INVALID');
  return key;
}

/** key -> privacyKey* (what updatePrivacy carries). */
export function privacyKeyObject(key: PrivacyKey): TlType<'PrivacyKey'> {
  return { _: KEY_CONSTRUCTORS[key].output };
}

const EVERYBODY: readonly StoredRule[] = [{ kind: 'allowAll' }];
const CONTACTS: readonly StoredRule[] = [{ kind: 'allowContacts' }, { kind: 'disallowAll' }];

/**
 * What a fresh account has, following Telegram's defaults: the phone number is visible to contacts only,
 * the birthday to contacts, everything else to everybody ("last seen" included).
 */
export const DEFAULT_RULES: Readonly<Record<PrivacyKey, readonly StoredRule[]>> = {
  statusTimestamp: EVERYBODY,
  chatInvite: EVERYBODY,
  phoneCall: EVERYBODY,
  phoneP2P: EVERYBODY,
  forwards: EVERYBODY,
  profilePhoto: EVERYBODY,
  phoneNumber: CONTACTS,
  addedByPhone: EVERYBODY,
  voiceMessages: EVERYBODY,
  about: EVERYBODY,
  birthday: CONTACTS,
  starGiftsAutoSave: EVERYBODY,
  noPaidMessages: EVERYBODY,
  savedMusic: EVERYBODY,
};
