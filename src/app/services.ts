// Builds every feature area of one node on top of the core services, in dependency order.
import type { CoreServices } from '../service/core.js';
import type { AppServices } from '../bff/services.js';
import { ContactsService } from '../service/contacts/index.js';
import { PrivacyService } from '../service/privacy/index.js';
import { UserViews } from '../service/users/user-view.js';
import { PendingPasswordLogins } from '../service/authsession/pending-password.js';

export function createAppServices(core: CoreServices): AppServices {
  const contacts = new ContactsService(core);
  const privacy = new PrivacyService(core, contacts);
  const userViews = new UserViews({ users: core.users, accessHashes: core.accessHashes, contacts, privacy, push: core.push, now: core.now });
  const pendingPasswordLogins = new PendingPasswordLogins(core.kv);
  return { core, contacts, privacy, userViews, pendingPasswordLogins };
}
