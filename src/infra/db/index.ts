export { openDatabase, migrateToLatest, DatabaseError, DATABASE_FILE, type Database, type OpenDatabaseOptions } from './open.js';
export {
  SqlAuthKeyStore,
  type AuthKeyStore,
  type AuthKeyKind,
  type StoredAuthKey,
  type NewAuthKey,
  type ClientInfo,
} from './auth-key-store.js';
export type { Tables } from './schema.js';
export { MIGRATIONS, type SqlDialect } from './migrations/index.js';
