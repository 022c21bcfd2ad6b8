// The MySQL/MariaDB the engine tests run against, from the variables `scripts/engines.sh up` prints. A test
// needing it fails (never skips) when they are missing. Each test gets its own database (DB_NAME plus a
// random suffix), dropped when the test's scope ends, so test files never see each other's rows.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import type { MysqlSettings } from '../../src/infra/db/index.js';

export function mysqlFromEnv(env: NodeJS.ProcessEnv = process.env): MysqlSettings {
  const missing = ['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD', 'DB_NAME'].filter((k) => env[k] === undefined);
  if (missing.length) throw new Error(`${missing.join(', ')} not set: start MariaDB with \`eval "$(scripts/engines.sh up mariadb)"\``);
  return { host: env.DB_HOST!, port: Number(env.DB_PORT), user: env.DB_USER!, password: env.DB_PASSWORD!, database: env.DB_NAME! };
}

/**
 * Database names of their own for a test file (each created by whoever opens it first), all dropped by
 * `dropAll()`; register that with the file's top-level after().
 */
export class ScratchDatabases {
  private readonly made: MysqlSettings[] = [];

  constructor(private readonly base: MysqlSettings = mysqlFromEnv()) {}

  next(): MysqlSettings {
    const s = { ...this.base, database: `${this.base.database}_t${randomBytes(4).toString('hex')}` };
    this.made.push(s);
    return s;
  }

  async dropAll(): Promise<void> {
    for (const s of this.made.splice(0)) await dropDatabase(s);
  }
}

export async function dropDatabase(s: MysqlSettings): Promise<void> {
  const conn = await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${s.database}\``);
  } finally {
    await conn.end();
  }
}

/** The env that points echod at `s` (DB_* variables). */
export function mysqlEnv(s: MysqlSettings): Record<string, string> {
  return { DB_HOST: s.host, DB_PORT: String(s.port), DB_USER: s.user, DB_PASSWORD: s.password, DB_NAME: s.database };
}
