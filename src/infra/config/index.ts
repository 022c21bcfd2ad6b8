export { ConfigError } from './errors.js';
export { loadConfig, redactConfig, DEFAULT_CONFIG_FILE, type EchoConfig, type RedisConfig, type LoadConfigOptions } from './load.js';
export { LOG_LEVELS, DURABILITY_MODES, type LogLevel, type HostPort, type Durability } from './fields.js';
export type { LimitsConfig } from './limits.js';
