// The SQL store on MySQL 8 / MariaDB 10.11+: Kysely's MySQL dialect over pooled mysql2 connections, the same
// migrations as SQLite (migrations/types.ts picks the column types that differ), and an optional pool of
// read replicas for the queries that tolerate lag.
import { createConnection, createPool, createPoolCluster, type Pool, type PoolOptions, type TypeCast } from 'mysql2';
import { Kysely, MysqlDialect, sql, type LogEvent, type MysqlPool } from 'kysely';
import { SqlAuthKeyStore } from './auth-key-store.js';
import { DatabaseError, migrateToLatest, type Database, type OpenDatabaseOptions } from './open.js';
import type { Tables } from './schema.js';

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connections per pool (primary, and replicas together). */
  poolSize?: number;
  /** Read replicas (DB_READ_HOSTS); queries that tolerate lag go there. Same user, password and database. */
  readHosts?: readonly { host: string; port: number }[];
}

export type OpenMysqlOptions = Pick<OpenDatabaseOptions, 'log' | 'durability' | 'warn'>;

/** The server settings that decide whether a commit survives a power loss (read at start). */
export interface MysqlDurabilitySettings {
  innodbFlushLogAtTrxCommit: number;
  /** Binary log on: its sync matters too, recovery after a crash reconciles InnoDB with it. */
  logBin: boolean;
  syncBinlog: number;
}

/**
 * Why the server's settings fall short of ECHO_DURABILITY=full, or null when they do not. InnoDB syncs its
 * redo log at each commit with innodb_flush_log_at_trx_commit=1 (MariaDB also 3); 0 and 2 lose up to a
 * second of commits on a power loss (0 on a mysqld crash too). With the binary log on, sync_binlog=1 is
 * needed as well, or a crash may leave InnoDB and the binlog (what replicas read) disagreeing.
 */
export function weakMysqlDurability(s: MysqlDurabilitySettings): string | null {
  const weak: string[] = [];
  if (s.innodbFlushLogAtTrxCommit !== 1 && s.innodbFlushLogAtTrxCommit !== 3) weak.push(`innodb_flush_log_at_trx_commit=${s.innodbFlushLogAtTrxCommit} (want 1)`);
  if (s.logBin && s.syncBinlog !== 1) weak.push(`sync_binlog=${s.syncBinlog} with the binary log on (want 1)`);
  return weak.length ? weak.join(', ') : null;
}

async function readDurabilitySettings(kysely: Kysely<Tables>): Promise<MysqlDurabilitySettings> {
  const { rows } = await sql<{ flush: unknown; logBin: unknown; syncBinlog: unknown }>`
    select @@innodb_flush_log_at_trx_commit as flush, @@log_bin as logBin, @@sync_binlog as syncBinlog`.execute(kysely);
  const r = rows[0]!;
  return { innodbFlushLogAtTrxCommit: Number(r.flush), logBin: Number(r.logBin) === 1, syncBinlog: Number(r.syncBinlog) };
}

const DEFAULT_POOL_SIZE = 10;
/** How long a connection attempt may take before the host counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Integers read back as bigint, as SQLite's safe integers do (open.ts): the stores call Number() where a
 * column is small and keep bigint where it is an id, so both engines must hand them the same type. Binary
 * columns come back as Buffers (mysql2's default), text columns as strings.
 */
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case 'TINY':
    case 'SHORT':
    case 'INT24':
    case 'LONG':
    case 'LONGLONG':
    case 'YEAR': {
      const s = field.string();
      return s === null ? null : BigInt(s);
    }
    case 'NEWDECIMAL': {
      // SUM() of integer columns is DECIMAL on MySQL and an integer on SQLite.
      const s = field.string();
      if (s === null) return null;
      return /^-?\d+$/.test(s) ? BigInt(s) : Number(s);
    }
    default:
      return next();
  }
};

function connectionOptions(s: MysqlSettings, host: string, port: number): PoolOptions {
  return {
    host,
    port,
    user: s.user,
    password: s.password,
    database: s.database,
    charset: 'utf8mb4_bin',
    // UPDATE reports the rows it matched, not only those it changed, as SQLite does: the stores' update-then-
    // insert upserts would otherwise insert a duplicate when an update writes the values a row already has.
    flags: ['FOUND_ROWS'],
    supportBigNumbers: true,
    bigNumberStrings: true,
    typeCast,
    timezone: 'Z',
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
    connectionLimit: s.poolSize ?? DEFAULT_POOL_SIZE,
    // A request waits for a free connection rather than failing at once; a bounded queue keeps a stuck
    // database from holding an unbounded number of requests.
    queueLimit: 10_000,
  };
}

/** Where and who, for messages: "MySQL at 127.0.0.1:3306". */
function describe(host: string, port: number): string {
  return `MySQL at ${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** One line naming why a connection failed, from mysql2's error codes. */
export function mysqlFailure(host: string, port: number, user: string, database: string, err: unknown): string {
  const e = err as { code?: string; errno?: number; message?: string };
  let why: string;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
      why = `access denied for user '${user}' (wrong DB_USER or DB_PASSWORD)`;
      break;
    case 'ER_DBACCESS_DENIED_ERROR':
      why = `user '${user}' may not use or create database '${database}'`;
      break;
    case 'ECONNREFUSED':
      why = 'connection refused (is the server running, and DB_HOST/DB_PORT right?)';
      break;
    case 'ETIMEDOUT':
      why = `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      why = `host name not found`;
      break;
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
      why = 'the server closed the connection';
      break;
    default:
      why = (e.message ?? String(err)).split('\n')[0]!;
  }
  return `${describe(host, port)}: ${why}`;
}

/**
 * Connects once, without a pool, and creates the database if it is missing (binary collation: strings
 * compare byte for byte, as on SQLite, so 'Abc' and 'abc' stay distinct keys). Throws a DatabaseError of one
 * line naming MySQL and why.
 */
export async function checkMysql(s: MysqlSettings): Promise<void> {
  const { host, port } = s;
  const conn = createConnection({ ...connectionOptions(s, host, port), database: undefined }).promise();
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE \`${s.database}\``);
    const [rows] = await conn.query('SELECT VERSION() AS v');
    const version = String((rows as { v: string }[])[0]?.v ?? '');
    if (!supportedVersion(version)) throw Object.assign(new Error(`version ${version} is too old: Echo needs MySQL 8 or MariaDB 10.11+`), { code: 'ECHO_VERSION' });
  } catch (err) {
    throw new DatabaseError(mysqlFailure(host, port, s.user, s.database, err));
  } finally {
    conn.destroy();
  }
}

function supportedVersion(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (/mariadb/i.test(version)) return major > 10 || (major === 10 && minor >= 11);
  return major >= 8;
}

/** The read-replica pools as one pool for Kysely: each connection from the next replica in turn. */
function replicaPool(s: MysqlSettings): MysqlPool {
  const cluster = createPoolCluster({ restoreNodeTimeout: 1_000, defaultSelector: 'RR' });
  const perReplica = Math.max(1, Math.floor((s.poolSize ?? DEFAULT_POOL_SIZE) / s.readHosts!.length));
  s.readHosts!.forEach((r, i) => cluster.add(`replica${i}`, { ...connectionOptions(s, r.host, r.port), connectionLimit: perReplica }));
  return {
    getConnection: (cb) => cluster.getConnection('replica*', (err, conn) => cb(err, conn as never)),
    end: (cb) => cluster.end((err) => cb(err ?? null)),
  };
}

/** Checks the server, creates the database if missing, migrates it and opens the pools. */
export async function openMysqlDatabase(s: MysqlSettings, opts: OpenMysqlOptions = {}): Promise<Database> {
  await checkMysql(s);
  const pool: Pool = createPool(connectionOptions(s, s.host, s.port));
  // An idle connection the server dropped (restart, wait_timeout) reports an error event; without a
  // listener that would be an uncaught exception. The pool discards the connection itself.
  // READ COMMITTED: each statement sees what other transactions committed before it, as a SQLite writer
  // does; the read-then-write paths lock their rows (dialect.ts lockingRead), so the snapshot REPEATABLE
  // READ would hold adds only gap locks and deadlocks.
  pool.on('connection', (conn) => {
    conn.on('error', () => {});
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  const log = opts.log ? { log: opts.log } : {};
  const kysely = new Kysely<Tables>({ dialect: new MysqlDialect({ pool }), ...log });
  try {
    await migrateToLatest(kysely, 'mysql');
  } catch (err) {
    await kysely.destroy();
    throw err instanceof DatabaseError ? err : new DatabaseError(mysqlFailure(s.host, s.port, s.user, s.database, err));
  }
  if ((opts.durability ?? 'full') === 'full' && opts.warn) {
    // Echo cannot change these (they are global, and need privileges echo should not have): it says so once.
    const settings = await readDurabilitySettings(kysely).catch(() => null);
    const weak = settings && weakMysqlDurability(settings);
    if (weak)
      opts.warn(`MySQL runs with ${weak}: an acknowledged message may be lost on a power loss (ECHO_DURABILITY=full asks for it to survive)`, { ...settings });
  }
  const reader = s.readHosts?.length ? new Kysely<Tables>({ dialect: new MysqlDialect({ pool: replicaPool(s) }), ...log }) : kysely;
  let closed = false;
  return {
    kysely,
    reader,
    dialect: 'mysql',
    path: `mysql://${s.user}@${s.host}:${s.port}/${s.database}`,
    authKeys: new SqlAuthKeyStore(kysely),
    sqlite: undefined,
    async check() {
      try {
        await sql`select 1`.execute(kysely);
      } catch (err) {
        throw new DatabaseError(mysqlFailure(s.host, s.port, s.user, s.database, err));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (reader !== kysely) await reader.destroy();
      await kysely.destroy();
    },
  };
}
