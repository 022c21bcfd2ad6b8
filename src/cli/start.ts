// `echod start`: config -> logger -> server key -> database -> listeners, then wait for SIGINT/SIGTERM.
import { startEchod } from '../app/echod.js';
import { loadConfig, type EchoConfig } from '../infra/config/index.js';
import { openEventBus, type EventBus } from '../infra/bus/index.js';
import { checkMysql, openConfiguredDatabase, type Database } from '../infra/db/index.js';
import { configuredServerKey } from '../infra/keys.js';
import { componentLogger, createLogger } from '../infra/log.js';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { CliError, type CliIo } from './io.js';
import { Metrics, kyselyQueryLogger } from '../infra/metrics/index.js';
import { claimDataDir, DataDirBusyError } from '../infra/pidfile.js';
import { ECHO_VERSION } from '../infra/version.js';
import { checkEngines, openEngines, type NodeEngines } from '../app/engines.js';
import { startGatewayNode, type RunningGateway } from '../app/gateway-node.js';

/** Seconds a shutdown may take before echod gives up waiting and exits non-zero. */
const SHUTDOWN_GRACE_S = 30;

export async function startCommand(io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  if (config.role === 'gateway') return startGatewayCommand(io, signals, config);
  // An unusable MySQL stops the start before anything is created or claimed.
  if (config.sql.engine === 'mysql') await checkMysql(config.sql);
  const logger = createLogger(config.logLevel);
  const signalGate = takeSignals(signals);
  const metrics = new Metrics({ dbEngine: config.sql.engine, version: ECHO_VERSION });
  // Every configured engine must answer before anything is created or started: the first that does not is
  // the one line shown.
  const engines = openEngines(config, {
    metrics,
    onLeaseLost: (err) => logger.error({ err: err.message }, 'etcd lease lost: this node left the registry and its worker id may be reused'),
  });
  try {
    await checkEngines(engines.checks);
  } catch (err) {
    signalGate.stop();
    await engines.close();
    throw new CliError((err as Error).message);
  }
  // Kafka is checked (topics created) as it opens: a broker that cannot be reached stops echod with one line.
  const busLog = componentLogger(logger, 'bus');
  let bus: EventBus;
  try {
    bus = await openEventBus(config, {
      onError: (err, record, group) => busLog.warn({ err: (err as Error).message, topic: record.topic, group }, 'bus handler failed'),
      onWarning: (message, err) => busLog.warn({ err: (err as Error).message }, message),
    });
  } catch (err) {
    signalGate.stop();
    await engines.close();
    throw err;
  }
  try {
    return await startChecked(io, signalGate, config, logger, metrics, engines, bus);
  } catch (err) {
    signalGate.stop();
    await bus.close().catch(() => {});
    await engines.close().catch(() => {});
    throw err;
  }
}

interface SignalGate {
  /** The signal that came before a handler was set. */
  readonly requested: string | undefined;
  /** From now on, SIGINT/SIGTERM call `handler`. */
  handle(handler: (signal: string) => void): void;
  stop(): void;
}

/**
 * Signals are handled from the start, not only once the server runs: with no listener the default action
 * kills the process uncleanly, and a supervisor (or a test) may send SIGTERM the moment it reads
 * "echod ready", which can be before the statement after that log line has run. A signal that comes
 * during startup is remembered and acted on as soon as there is something to stop.
 */
function takeSignals(signals: NodeJS.EventEmitter): SignalGate {
  let requested: string | undefined;
  let onSignal = (signal: string): void => void (requested ??= signal);
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  return {
    get requested() {
      return requested;
    },
    handle(handler) {
      onSignal = handler;
    },
    stop() {
      signals.off('SIGINT', onSigint);
      signals.off('SIGTERM', onSigterm);
    },
  };
}

/** ECHO_ROLE=gateway: client connections only, linked to core nodes; no database, key or engines. */
async function startGatewayCommand(io: CliIo, signals: NodeJS.EventEmitter, config: EchoConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  const signalGate = takeSignals(signals);
  let running: RunningGateway;
  try {
    running = await startGatewayNode(config, logger, new Metrics({ dbEngine: 'none', version: ECHO_VERSION }));
  } catch (err) {
    signalGate.stop();
    throw err;
  }
  io.out(
    [
      `echod gateway is running`,
      ...running.tcpPorts.map((p) => `  MTProto TCP   ${config.listen}:${p}`),
      `  cores         ${config.links.cores.map((c) => `${c.host}:${c.port}`).join(', ')}`,
      `Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  logger.info({ role: 'gateway', tcpPorts: running.tcpPorts, httpPort: 0, adminPort: running.adminPort }, 'echod ready');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => {
          logger.info('echod stopped');
          signalGate.stop();
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'error during shutdown');
          signalGate.stop();
          resolve(1);
        },
      );
    };
    signalGate.handle(onSignal);
    if (signalGate.requested) onSignal(signalGate.requested);
  });
}

async function startChecked(
  io: CliIo,
  signalGate: SignalGate,
  config: EchoConfig,
  logger: ReturnType<typeof createLogger>,
  metrics: Metrics,
  engines: NodeEngines,
  bus: EventBus,
): Promise<number> {
  const keyFile = configuredServerKey(config);
  const serverKey = loadRsaKey(keyFile.privatePem);
  let release: () => void;
  try {
    release = claimDataDir(config.dataDir);
  } catch (err) {
    if (err instanceof DataDirBusyError) throw new CliError(err.message);
    throw err;
  }
  let db: Database | undefined;
  let running: Awaited<ReturnType<typeof startEchod>>;
  try {
    db = await openConfiguredDatabase(config, { log: kyselyQueryLogger(metrics), warn: (message, details) => logger.warn(details, message), checkpointThread: true });
    running = await startEchod({ config, logger, db, serverKey, metrics, bus, engines });
  } catch (err) {
    signalGate.stop();
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
      ...(config.overlayFiles.length > 0 ? [`  overlays      ${config.overlayFiles.join(', ')}`] : []),
      `  server key    ${keyFile.path}${keyFile.created ? ' (created now)' : ''}`,
      `  fingerprint   ${serverKey.fingerprint} (hex 0x${serverKey.fingerprintHex})`,
      ...(config.role === 'core' ? [`  role          core: no client TCP listener; gateways advertised on ${running.tcpPorts.join(', ')}`] : running.tcpPorts.map((p) => `  MTProto TCP   ${config.listen}:${p}`)),
      ...(running.gatewayLinkPort !== undefined ? [`  gateway links ${config.links.listen!.host}:${running.gatewayLinkPort}`] : []),
      `  HTTP          ${scheme}://${config.listen}:${running.httpPort}  (/api, /apiw1, ${config.tls ? 'wss' : 'ws'} /apiws)`,
      `  advertised    ${config.host} as DC ${config.dcId}; \`echod client-config\` shows how to point clients here`,
      `  admin         http://${config.adminListen.host.includes(':') ? `[${config.adminListen.host}]` : config.adminListen.host}:${running.adminPort}  (/metrics, /healthz, /readyz, /admin/ ${config.adminToken ? 'with the token' : 'off: no ECHO_ADMIN_TOKEN'})`,
      `Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  logger.info(
    { role: config.role, tcpPorts: running.tcpPorts, httpPort: running.httpPort, adminPort: running.adminPort, gatewayLinkPort: running.gatewayLinkPort, dataDir: config.dataDir, fingerprint: serverKey.fingerprint, keyCreated: keyFile.created },
    'echod ready',
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      signalGate.stop();
      resolve(code);
    };
    const onSignal = (signal: string) => {
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
        .then(() => bus.close())
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
    signalGate.handle(onSignal);
    if (signalGate.requested) onSignal(signalGate.requested);
  });
}
