// Row types of the tables for account data (authorizations, login codes, passwords, privacy) (see infra/db/schema.ts).
import type { AuthSessionTables } from './authsession.js';
import type { UserPasswordsTable } from './password.js';
import type { PrivacyRulesTable } from './privacy.js';
import type { AccountSettingsTable, PushDevicesTable } from './account-settings.js';
export interface AccountTables extends AuthSessionTables {
  privacy_rules: PrivacyRulesTable;
  user_passwords: UserPasswordsTable;
  account_settings: AccountSettingsTable;
  push_devices: PushDevicesTable;
}
