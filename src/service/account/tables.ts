// Row types of the tables for account data (authorizations, login codes, passwords, privacy) (see infra/db/schema.ts).
export interface AccountTables {}
