// Row types of the sign-in tables (migration 0003_authsession), listed in tables/account.ts.
import type { ColumnType } from 'kysely';

type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt64 = ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;

/**
 * A login code sent with auth.sendCode. Kept in SQL rather than the in-memory key-value store so that
 * `echod codes`, a separate process, can list the codes the server is waiting for.
 */
export interface LoginCodesTable {
  phone_code_hash: string;
  /** Digits only. */
  phone: string;
  code: string;
  /** The device that asked: the hash is worthless on any other. */
  perm_auth_key_id: Int64;
  /** Milliseconds since the epoch. */
  created_at: Int64;
  expires_at: Int64;
  /** Wrong codes tried against this hash. */
  attempts: ColumnType<bigint, number | undefined, number>;
  /** Set once the right code was given for a phone without an account: auth.signUp may follow. */
  verified_at: NullableInt64;
}

/**
 * Perm keys signed out by another process (the admin CLI): the server polls this table and kicks those
 * devices, since it keeps each key's sign-in state in memory.
 */
export interface AuthRevocationsTable {
  perm_auth_key_id: Int64;
  /** Milliseconds since the epoch. */
  revoked_at: Int64;
  reason: string;
}

/** account.setAuthorizationTTL: sessions inactive this many days may be ended. */
export interface AuthorizationTtlTable {
  user_id: Int64;
  days: ColumnType<bigint, number, number>;
}

export interface AuthSessionTables {
  login_codes: LoginCodesTable;
  auth_revocations: AuthRevocationsTable;
  authorization_ttl: AuthorizationTtlTable;
}
