// Opens the SQL store the configuration chose: SQLite in the data dir (the default), or MySQL when DB_HOST is set.
import type { EchoConfig } from '../config/index.js';
import { openMysqlDatabase } from './mysql.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './open.js';

export async function openConfiguredDatabase(config: EchoConfig, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const s = config.sql;
  const withDurability = { ...opts, durability: config.durability };
  if (s.engine === 'sqlite') return openDatabase(config.dataDir, withDurability);
  return openMysqlDatabase(s, withDurability);
}
