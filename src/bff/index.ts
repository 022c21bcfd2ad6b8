// The API surface: every namespace module registers its handlers here.
import type { RpcDispatcher } from './registry.js';
import { registerHelp } from './help.js';
import { registerLangpack } from './langpack.js';
import { registerAuth } from './auth.js';
import { registerAccountAuthorizations } from './account-authorizations.js';
import { registerAccountPassword } from './account-password.js';
import { registerUsers } from './users.js';
import { registerAccountProfile } from './account-profile.js';
import { registerAccountPrivacy } from './account-privacy.js';
import { registerContacts } from './contacts.js';
import { registerMessages } from './messages.js';
import { registerMessagesChats } from './messages-chats.js';
import { registerChannels } from './channels.js';
import { registerUpdates } from './updates.js';
import { registerUpload } from './upload.js';
import { registerPhotos } from './photos.js';
import { registerMessagesMedia } from './messages-media.js';
import { registerMessagesDialogs } from './messages-dialogs.js';
import { registerMessagesSearch } from './messages-search.js';
import { registerMessagesSaved } from './messages-saved.js';
import { registerMessagesContents } from './messages-contents.js';
import { registerAccountNotify } from './account-notify.js';
import { registerStartup } from './startup/index.js';
import { registerMessagesSecret } from './messages-secret.js';
import type { AppServices } from './services.js';

/** Registers every handler on `rpc` (created before the services, which the session layer needs first). */
export function registerApi(rpc: RpcDispatcher, services: AppServices): RpcDispatcher {
  registerHelp(rpc, services.core.identity);
  registerLangpack(rpc);
  registerAuth(rpc, services);
  registerAccountAuthorizations(rpc, services);
  registerAccountPassword(rpc, services);
  registerUsers(rpc, services);
  registerAccountProfile(rpc, services);
  registerAccountPrivacy(rpc, services);
  registerContacts(rpc, services);
  registerMessages(rpc, services);
  registerMessagesChats(rpc, services);
  registerChannels(rpc, services);
  registerUpdates(rpc, services);
  registerUpload(rpc, services);
  registerPhotos(rpc, services);
  registerMessagesMedia(rpc, services);
  registerMessagesDialogs(rpc, services);
  registerMessagesSearch(rpc, services);
  registerMessagesSaved(rpc, services);
  registerMessagesContents(rpc, services);
  registerAccountNotify(rpc, services);
  registerMessagesSecret(rpc, services);
  registerStartup(rpc, services);
  return rpc;
}
