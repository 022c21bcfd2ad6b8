export { openDatabase, migrateToLatest, DatabaseError, DATABASE_FILE, SQLITE_SYNCHRONOUS, type Database, type SqliteDatabase, type OpenDatabaseOptions } from './open.js';
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
export { openMysqlDatabase, checkMysql, weakMysqlDurability, type MysqlSettings, type MysqlDurabilitySettings } from './mysql.js';
export { openConfiguredDatabase } from './configured.js';
export { dialectOf, lockingRead, isDuplicateKey, isTransientConflict } from './dialect.js';
