// Privacy settings (core.telegram.org/api/privacy), as other areas query them (the privacy area implements it).

/** The privacy keys Echo enforces, named after inputPrivacyKey* / privacyKey*. */
export type PrivacyKey = 'statusTimestamp' | 'phoneNumber' | 'profilePhoto' | 'chatInvite' | 'phoneCall' | 'forwards' | 'about' | 'addedByPhone';

export interface PrivacyRules {
  /** May `viewer` see `owner`'s `key`? (Always true for the owner.) */
  allows(owner: bigint, key: PrivacyKey, viewer: bigint): Promise<boolean>;
}
