// Structured logs: one JSON object per line on stdout (or the given destination), for people and log shippers.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config/index.js';

export type Logger = PinoLogger;

// Belt and braces: callers must not log secrets at all, but if an object carrying one slips into a log
// call, these paths are masked before the line is written.
const REDACT = [
  'password',
  '*.password',
  'secretKey',
  '*.secretKey',
  'authKey',
  '*.authKey',
  'privatePem',
  '*.privatePem',
  'token',
  '*.token',
  'adminToken',
  '*.adminToken',
  'config.sql.password',
  'config.blob.secretKey',
];

export function createLogger(level: LogLevel = 'info', destination?: DestinationStream | NodeJS.WritableStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: {
      // Level names ("info") read better than pino's numbers in the JSON lines and in tests.
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => bigintsToStrings(object) as Record<string, unknown>,
    },
  };
  const logger = destination ? pino(options, destination as DestinationStream) : pino(options);
  // pino applies no formatter to child bindings, so they are converted on the way in. Children are created
  // with Object.create(parent), so this override reaches every descendant.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, bigintsToStrings(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}

/** A child logger tagged with the component name (`gateway`, `handshake`, ...). */
export function componentLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}

/**
 * pino would write a bigint as a bare JSON number, which JSON.parse rounds beyond 2^53; auth key ids and
 * user ids are 64-bit, so they go out as decimal strings. Objects are copied only when they hold a bigint.
 */
function bigintsToStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (depth > 4 || typeof value !== 'object' || value === null || Buffer.isBuffer(value) || value instanceof Error) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const converted = bigintsToStrings(item, depth + 1);
      if (converted !== item) (out ??= [...value])[i] = converted;
    });
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const converted = bigintsToStrings(item, depth + 1);
    if (converted !== item) (out ??= { ...value })[key] = converted;
  }
  return out ?? value;
}
