// The contacts area (contacts.* API): phone-book import, contact list, blocks.
// placeholder: the contacts helper replaces this with the real service.
import type { CoreServices } from '../core.js';
import type { ContactEntry, ContactRelations } from './relations.js';

export class ContactsService implements ContactRelations {
  constructor(readonly core: CoreServices) {}

  async contactsOf(_owner: bigint, _targets: readonly bigint[]): Promise<Map<bigint, ContactEntry>> {
    return new Map();
  }

  async isBlocked(_blocker: bigint, _target: bigint): Promise<boolean> {
    return false;
  }
}
