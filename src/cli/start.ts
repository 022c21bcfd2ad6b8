// `echod start`: config -> logger -> server key -> database -> listeners, then wait for SIGINT/SIGTERM.
import { startEchod } from '../app/echod.js';
import { loadConfig, type EchoConfig } from '../infra/config/index.js';
import { openDatabase, type Database } from '../infra/db/index.js';
import { loadOrCreateServerKey } from '../infra/keys.js';
import { createLogger } from '../infra/log.js';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { CliError, type CliIo } from './io.js';

/** Seconds a shutdown may take before echod gives up waiting and exits non-zero. */
const SHUTDOWN_GRACE_S = 30;

export async function startCommand(io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  refuseUnbuiltEngines(config);
  const logger = createLogger(config.logLevel);
  const keyFile = loadOrCreateServerKey(config.dataDir);
  const serverKey = loadRsaKey(keyFile.privatePem);
  const db: Database = await openDatabase(config.dataDir);
  let running: Awaited<ReturnType<typeof startEchod>>;
  try {
    running = await startEchod({ config, logger, db, serverKey });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  const scheme = config.tls ? 'https' : 'http';
  io.out(
    [
      `echod is running`,
      `  data dir      ${config.dataDir}`,
      `  config file   ${config.configFile ?? '(none, defaults and environment)'}`,
      `  server key    ${keyFile.path}${keyFile.created ? ' (created now)' : ''}`,
      `  fingerprint   ${serverKey.fingerprint} (hex 0x${serverKey.fingerprintHex})`,
      ...running.tcpPorts.map((p) => `  MTProto TCP   ${config.listen}:${p}`),
      `  HTTP          ${scheme}://${config.listen}:${running.httpPort}  (/api, /apiw1, ${config.tls ? 'wss' : 'ws'} /apiws)`,
      `  advertised    ${config.host} as DC ${config.dcId}; \`echod client-config\` shows how to point clients here`,
      `Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  logger.info(
    { tcpPorts: running.tcpPorts, httpPort: running.httpPort, dataDir: config.dataDir, fingerprint: serverKey.fingerprint, keyCreated: keyFile.created },
    'echod ready',
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal during shutdown, exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const watchdog = setTimeout(() => {
        logger.error({ graceSeconds: SHUTDOWN_GRACE_S }, 'shutdown did not finish in time');
        resolve(1);
      }, SHUTDOWN_GRACE_S * 1000);
      watchdog.unref();
      running
        .close()
        .then(() => db.close())
        .then(
          () => {
            clearTimeout(watchdog);
            logger.info('echod stopped');
            resolve(0);
          },
          (err: unknown) => {
            clearTimeout(watchdog);
            logger.error({ err }, 'error during shutdown');
            resolve(1);
          },
        );
    };
    signals.on('SIGINT', () => stop('SIGINT'));
    signals.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * The scale-out adapters are configured here already but not built yet; running on the embedded ones while
 * the operator believes MySQL or Redis is in use would split their data without anyone noticing.
 */
function refuseUnbuiltEngines(config: EchoConfig): void {
  const chosen: [boolean, string][] = [
    [config.sql.engine !== 'sqlite', 'DB_HOST (MySQL)'],
    [config.cache.engine !== 'memory', 'REDIS_HOST (Redis)'],
    [config.bus.engine !== 'memory', 'KAFKA_BROKERS (Kafka)'],
    [config.discovery.engine !== 'single', 'ETCD_ENDPOINTS (etcd)'],
    [config.blob.engine !== 'disk', 'MINIO_ENDPOINT (S3)'],
  ];
  const unbuilt = chosen.filter(([set]) => set).map(([, name]) => name);
  if (unbuilt.length)
    throw new CliError(`${unbuilt.join(', ')}: this build of echod has only the embedded adapters; unset ${unbuilt.length > 1 ? 'them' : 'it'} to run embedded`);
}
