// Row type of the 2FA password table (migration 0004_passwords), listed in tables/account.ts.
import type { ColumnType } from 'kysely';

export interface UserPasswordsTable {
  user_id: ColumnType<bigint, bigint | number, bigint | number>;
  /** The whole salt1 the client chose (the server's prefix plus its own random bytes). */
  salt1: Buffer;
  salt2: Buffer;
  /** v = g^x mod p, 256 bytes: all the server knows of the password. */
  verifier: Buffer;
  hint: string;
  /** Recovery email as given, never confirmed (there is no mail delivery); null when none. */
  email: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<bigint, bigint | number, bigint | number>;
}
