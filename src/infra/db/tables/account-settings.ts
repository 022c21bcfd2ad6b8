// Row types of the account preference tables (see infra/db/migrations/0011_compat.ts).
import type { ColumnType } from 'kysely';

type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
type IntFlag = ColumnType<bigint, number, number>;

export interface AccountSettingsTable {
  user_id: Int64;
  contact_signup_silent: ColumnType<bigint, number | undefined, number>;
  updated_at: Int64;
}

export interface PushDevicesTable {
  perm_key_id: Int64;
  token_type: IntFlag;
  user_id: Int64;
  token: string;
  app_sandbox: IntFlag;
  no_muted: IntFlag;
  secret: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  other_uids: string;
  updated_at: Int64;
}
