// Privacy settings (core.telegram.org/api/privacy), as other areas query them (the privacy area implements it).

/** Every privacy key, named after inputPrivacyKey* / privacyKey* (camel-cased, without the prefix). */
export const PRIVACY_KEYS = [
  'statusTimestamp',
  'chatInvite',
  'phoneCall',
  'phoneP2P',
  'forwards',
  'profilePhoto',
  'phoneNumber',
  'addedByPhone',
  'voiceMessages',
  'about',
  'birthday',
  'starGiftsAutoSave',
  'noPaidMessages',
  'savedMusic',
] as const;

export type PrivacyKey = (typeof PRIVACY_KEYS)[number];

export interface PrivacyRules {
  /** May `viewer` see `owner`'s `key`? (Always true for the owner.) */
  allows(owner: bigint, key: PrivacyKey, viewer: bigint): Promise<boolean>;
}
