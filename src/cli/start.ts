// `echod start`: config -> logger -> server key -> database -> listeners, then wait for SIGINT/SIGTERM.
import { startEchod } from '../app/echod.js';
import { loadConfig, type EchoConfig } from '../infra/config/index.js';
import { checkMysql, openConfiguredDatabase, type Database } from '../infra/db/index.js';
import { loadOrCreateServerKey } from '../infra/keys.js';
import { createLogger } from '../infra/log.js';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { CliError, type CliIo } from './io.js';
import { Metrics, kyselyQueryLogger } from '../infra/metrics/index.js';
import { claimDataDir, DataDirBusyError } from '../infra/pidfile.js';
import { ECHO_VERSION } from '../infra/version.js';

/** Seconds a shutdown may take before echod gives up waiting and exits non-zero. */
const SHUTDOWN_GRACE_S = 30;

export async function startCommand(io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  refuseUnbuiltEngines(config);
  // An unusable MySQL stops the start before anything is created or claimed.
  if (config.sql.engine === 'mysql') await checkMysql(config.sql);
  const logger = createLogger(config.logLevel);
  const keyFile = loadOrCreateServerKey(config.dataDir);
  const serverKey = loadRsaKey(keyFile.privatePem);
  let release: () => void;
  try {
    release = claimDataDir(config.dataDir);
  } catch (err) {
    if (err instanceof DataDirBusyError) throw new CliError(err.message);
    throw err;
  }
  // Signals are handled from here on, not only once the server runs: with no listener the default action
  // kills the process uncleanly, and a supervisor (or a test) may send SIGTERM the moment it reads
  // "echod ready", which can be before the statement after that log line has run. A signal that comes
  // during startup is remembered and acted on as soon as there is something to stop.
  let requested: string | undefined;
  let onSignal = (signal: string): void => void (requested ??= signal);
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  const stopListening = () => {
    signals.off('SIGINT', onSigint);
    signals.off('SIGTERM', onSigterm);
  };
  const metrics = new Metrics({ dbEngine: config.sql.engine, version: ECHO_VERSION });
  let db: Database | undefined;
  let running: Awaited<ReturnType<typeof startEchod>>;
  try {
    db = await openConfiguredDatabase(config, { log: kyselyQueryLogger(metrics), warn: (message, details) => logger.warn(details, message) });
    running = await startEchod({ config, logger, db, serverKey, metrics });
  } catch (err) {
    stopListening();
    await db?.close().catch(() => {});
    release();
    throw err;
  }
  const openDb = db;

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
      `  admin         http://${config.adminListen.host.includes(':') ? `[${config.adminListen.host}]` : config.adminListen.host}:${running.adminPort}  (/metrics, /healthz, /readyz, /admin/ ${config.adminToken ? 'with the token' : 'off: no ECHO_ADMIN_TOKEN'})`,
      `Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  logger.info(
    { tcpPorts: running.tcpPorts, httpPort: running.httpPort, adminPort: running.adminPort, dataDir: config.dataDir, fingerprint: serverKey.fingerprint, keyCreated: keyFile.created },
    'echod ready',
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      stopListening();
      resolve(code);
    };
    onSignal = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal during shutdown, exiting now');
        release();
        finish(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const watchdog = setTimeout(() => {
        logger.error({ graceSeconds: SHUTDOWN_GRACE_S }, 'shutdown did not finish in time');
        release();
        finish(1);
      }, SHUTDOWN_GRACE_S * 1000);
      watchdog.unref();
      running
        .close()
        .then(() => openDb.close())
        .then(
          () => {
            clearTimeout(watchdog);
            release();
            logger.info('echod stopped');
            finish(0);
          },
          (err: unknown) => {
            clearTimeout(watchdog);
            release();
            logger.error({ err }, 'error during shutdown');
            finish(1);
          },
        );
    };
    if (requested) onSignal(requested);
  });
}

/**
 * The scale-out adapters not built yet are configured here already; running on the embedded ones while
 * the operator believes Redis is in use would split their data without anyone noticing.
 */
function refuseUnbuiltEngines(config: EchoConfig): void {
  const chosen: [boolean, string][] = [
    [config.cache.engine !== 'memory', 'REDIS_HOST (Redis)'],
    [config.bus.engine !== 'memory', 'KAFKA_BROKERS (Kafka)'],
    [config.discovery.engine !== 'single', 'ETCD_ENDPOINTS (etcd)'],
    [config.blob.engine !== 'disk', 'MINIO_ENDPOINT (S3)'],
  ];
  const unbuilt = chosen.filter(([set]) => set).map(([, name]) => name);
  if (unbuilt.length)
    throw new CliError(`${unbuilt.join(', ')}: this build of echod has only the embedded adapters; unset ${unbuilt.length > 1 ? 'them' : 'it'} to run embedded`);
}
