export { Metrics, carrierOf, METRIC_PREFIX, NO_ERROR, OTHER_METHOD, type GatewayMetrics, type SessionMetrics, type BusMetrics, type DbMetrics, type EngineMetrics, type LimitMetrics, type RuntimeGauges } from './metrics.js';
export { instrumentBus } from './instrument-bus.js';
export { kyselyQueryLogger } from './db-log.js';
