// Opens the SQL store the configuration chose: SQLite in the data dir (the default), or MySQL when DB_HOST is set.
import type { EchoConfig } from '../config/index.js';
import { openMysqlDatabase } from './mysql.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './open.js';

export async function openConfiguredDatabase(config: EchoConfig, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const s = config.sql;
  if (s.engine === 'sqlite') return openDatabase(config.dataDir, opts);
  return openMysqlDatabase(s, opts);
}
