// What every echod node of a multi-node engine test shares: one server key file, the engines scripts/engines.sh
// started (Redis, etcd, Kafka, S3), the file's own MySQL database, Redis database and Kafka topic prefix, and
// the fixed sign-in code.
import type { MysqlSettings } from '../../src/infra/db/index.js';
import { FIXED_CODE_ENV } from '../support/accounts.js';
import { engineEnv } from '../support/engines-env.js';
import { mysqlEnv } from './mysql-env.js';

export interface SharedNodeEnv {
  /** ECHO_SERVER_KEY: the one key every node of the DC presents. */
  keyFile: string;
  /** Presence and route keys are named by user id, and other files' users have the same ids: a database of the file's own. */
  redisDb: number;
  /** Kafka topics of the file's own (`<prefix>Sync-T`, ...). */
  topicPrefix: string;
  database: MysqlSettings;
  /** Settings the test adds (limits, rates). */
  extra?: Record<string, string>;
}

export function sharedNodeEnv(opts: SharedNodeEnv): Record<string, string> {
  const env = engineEnv('REDIS_HOST', 'REDIS_PORT', 'ETCD_ENDPOINTS', 'KAFKA_BROKERS', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY');
  return {
    ...FIXED_CODE_ENV,
    ECHO_SERVER_KEY: opts.keyFile,
    ...env,
    REDIS_DB: String(opts.redisDb),
    KAFKA_TOPIC_PREFIX: opts.topicPrefix,
    ...mysqlEnv(opts.database),
    ...opts.extra,
  };
}
