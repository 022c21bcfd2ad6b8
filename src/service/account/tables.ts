// Row types of the tables for account data (authorizations, login codes, passwords, privacy) (see infra/db/schema.ts).
import type { AuthSessionTables } from '../authsession/tables.js';
import type { UserPasswordsTable } from '../password/tables.js';
import type { PrivacyRulesTable } from '../privacy/tables.js';
import type { AccountSettingsTable, PushDevicesTable } from './settings-tables.js';
export interface AccountTables extends AuthSessionTables {
  privacy_rules: PrivacyRulesTable;
  user_passwords: UserPasswordsTable;
  account_settings: AccountSettingsTable;
  push_devices: PushDevicesTable;
}
