// The TL names of privacy keys and the rules an account starts with.
import type { TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import { PRIVACY_KEYS, type PrivacyKey } from './rules.js';
import type { StoredRule } from './evaluate.js';

const INPUT_PREFIX = 'inputPrivacyKey';
const OUTPUT_PREFIX = 'privacyKey';

function capitalize(key: string): string {
  return key[0]!.toUpperCase() + key.slice(1);
}

const BY_INPUT = new Map<string, PrivacyKey>(PRIVACY_KEYS.map((k) => [INPUT_PREFIX + capitalize(k), k]));

/** inputPrivacyKey* -> key; PRIVACY_KEY_INVALID for anything else. */
export function privacyKeyFromInput(input: TlObject): PrivacyKey {
  const key = BY_INPUT.get(input._);
  if (!key) throw RpcError.badRequest('PRIVACY_KEY_INVALID');
  return key;
}

/** key -> privacyKey* (what updatePrivacy carries). */
export function privacyKeyObject(key: PrivacyKey): TlObject {
  return { _: OUTPUT_PREFIX + capitalize(key) };
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
