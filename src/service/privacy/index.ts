// The privacy area (account.getPrivacy / account.setPrivacy and their enforcement).
// placeholder: the privacy helper replaces this with the real service.
import type { CoreServices } from '../core.js';
import type { ContactRelations } from '../contacts/relations.js';
import type { PrivacyKey, PrivacyRules } from './rules.js';

export class PrivacyService implements PrivacyRules {
  constructor(
    readonly core: CoreServices,
    readonly contacts: ContactRelations,
  ) {}

  async allows(owner: bigint, key: PrivacyKey, viewer: bigint): Promise<boolean> {
    if (owner === viewer) return true;
    return key !== 'phoneNumber';
  }
}
