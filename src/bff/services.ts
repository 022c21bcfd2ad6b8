// The services API handlers work with (built by app/services.ts).
import type { CoreServices } from '../service/core.js';
import type { ContactsService } from '../service/contacts/index.js';
import type { PrivacyService } from '../service/privacy/index.js';
import type { UserViews } from '../service/users/user-view.js';
import type { PendingPasswordLogins } from '../service/authsession/pending-password.js';

export interface AppServices {
  core: CoreServices;
  contacts: ContactsService;
  privacy: PrivacyService;
  userViews: UserViews;
  pendingPasswordLogins: PendingPasswordLogins;
}
