// Prometheus metrics of one echod process (prom-client, one Registry per process). Components get the
// narrow interfaces below as optional dependencies, so they run unchanged without metrics (unit tests).
// Label values come from small fixed sets only: user ids, auth key ids or addresses as labels would make
// every series unbounded.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'echo_';

/** Connection life cycle and auth key handshakes (gateway, packet router). */
export interface GatewayMetrics {
  connectionOpened(transport: string): void;
  connectionClosed(transport: string): void;
  /** `ok` with the seconds since req_pq; `failed` / `rate_limited` without. */
  handshake(result: 'ok' | 'failed' | 'rate_limited', seconds?: number): void;
}

/** RPC calls and update pushes (session layer). */
export interface SessionMetrics {
  /** `error` is the RPC error name (FLOOD_WAIT_30, ...) or undefined for a result. */
  rpcFinished(method: string, error: string | undefined, seconds: number): void;
  updatesPushed(count: number): void;
}

/** A limit of the server (connections, slow clients, back-pressure, sessions, RPC floods) refused or closed something. */
export interface LimitMetrics {
  /** `limit` is one of a small fixed set of names (connections_per_address, rpc_search, ...). */
  limitHit(limit: string): void;
}

/** Record deliveries of the event bus (src/infra/bus); see instrumentBus(). */
export interface BusMetrics {
  published(topic: string, count: number): void;
  /** A record reached a consumer group's handler `lagSeconds` after it was published. */
  delivered(topic: string, lagSeconds: number): void;
  handlerFailed(topic: string): void;
}

/** SQL statements, fed from Kysely's `log` option (see infra/db/open.ts). */
export interface DbMetrics {
  query(op: string, seconds: number, failed: boolean): void;
}

/** Requests to the scale-out engines (Redis commands, S3 requests, etcd calls) and etcd's lease. */
export interface EngineMetrics {
  engineRequest(engine: 'redis' | 's3' | 'etcd', op: string, seconds: number, failed: boolean): void;
  /** 1 while this node's etcd lease is held, 0 once it is lost (the node then leaves the registry). */
  etcdLease(alive: boolean): void;
}

/** Live state read at scrape time, so the hot path pays nothing for it. */
export interface RuntimeGauges {
  inFlightRpcs(): number;
  sessions(): number;
  pendingOutbound(): number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const HANDSHAKE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ENGINE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30];
const BUS_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];
/** Distinct RPC error names beyond this are counted as OTHER: a buggy handler must not explode the series. */
const MAX_ERROR_LABELS = 200;
/** Method label of calls to names no handler is registered for (clients probing, garbage). */
export const OTHER_METHOD = 'other';
export const NO_ERROR = 'none';

export class Metrics implements GatewayMetrics, SessionMetrics, BusMetrics, DbMetrics, EngineMetrics, LimitMetrics {
  readonly registry = new Registry();
  private readonly connections: Gauge<'transport'>;
  private readonly connectionsOpened: Counter<'transport'>;
  private readonly handshakes: Counter<'result'>;
  private readonly handshakeSeconds: Histogram;
  private readonly rpcCalls: Counter<'method' | 'error'>;
  private readonly rpcSeconds: Histogram<'method'>;
  private readonly pushed: Counter;
  private readonly limitHits: Counter<'limit'>;
  private readonly busPublished: Counter<'topic'>;
  private readonly busLag: Histogram<'topic'>;
  private readonly busLagChildren = new Map<string, { observe(v: number): void }>();
  private readonly dbChildren = new Map<string, { observe(v: number): void }>();
  private readonly busFailures: Counter<'topic'>;
  private readonly dbSeconds: Histogram<'engine' | 'op'>;
  private readonly dbErrors: Counter<'engine' | 'op'>;
  private readonly dbEngine: string;
  private readonly engineSeconds: Histogram<'engine' | 'op'>;
  private readonly engineErrors: Counter<'engine' | 'op'>;
  private readonly etcdLeaseAlive: Gauge;
  private runtime: RuntimeGauges | undefined;
  private isKnownMethod: (method: string) => boolean = () => true;
  // Pre-bound label children: the hot path does one Map lookup instead of prom-client's label hashing.
  private readonly rpcChildren = new Map<string, { ok: ReturnType<Counter<'method' | 'error'>['labels']>; seconds: ReturnType<Histogram<'method'>['labels']> }>();
  private readonly errorNames = new Set<string>();

  constructor(opts: { dbEngine?: string; version?: string; defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: p });
    new Gauge({ name: `${p}build_info`, help: 'Always 1; the version label says which echod runs', labelNames: ['version'], registers }).set({ version: opts.version ?? 'unknown' }, 1);
    this.connections = new Gauge({ name: `${p}connections`, help: 'Open client connections (HTTP: requests being answered)', labelNames: ['transport'], registers });
    this.connectionsOpened = new Counter({ name: `${p}connections_opened_total`, help: 'Client connections accepted', labelNames: ['transport'], registers });
    this.handshakes = new Counter({ name: `${p}handshakes_total`, help: 'Auth key handshakes by result (ok, failed, rate_limited)', labelNames: ['result'], registers });
    this.handshakeSeconds = new Histogram({ name: `${p}handshake_duration_seconds`, help: 'From req_pq to the stored auth key', buckets: HANDSHAKE_BUCKETS, registers });
    this.rpcCalls = new Counter({ name: `${p}rpc_calls_total`, help: 'RPC calls by method and error name ("none" for a result)', labelNames: ['method', 'error'], registers });
    this.rpcSeconds = new Histogram({ name: `${p}rpc_duration_seconds`, help: 'RPC latency from decoding to the encoded result', labelNames: ['method'], buckets: LATENCY_BUCKETS, registers });
    this.pushed = new Counter({ name: `${p}updates_pushed_total`, help: 'Updates objects queued to online devices', registers });
    this.limitHits = new Counter({ name: `${p}limit_hits_total`, help: 'Connections refused or closed and calls refused by a limit, by limit name', labelNames: ['limit'], registers });
    const self = this;
    new Gauge({ name: `${p}rpc_in_flight`, help: 'RPC calls being handled now', registers, collect() { this.set(self.runtime?.inFlightRpcs() ?? 0); } });
    new Gauge({ name: `${p}sessions`, help: 'MTProto sessions held in memory', registers, collect() { this.set(self.runtime?.sessions() ?? 0); } });
    new Gauge({ name: `${p}outbound_pending`, help: 'Messages queued for sessions and not yet written to a connection', registers, collect() { this.set(self.runtime?.pendingOutbound() ?? 0); } });
    this.busPublished = new Counter({ name: `${p}bus_published_total`, help: 'Records published on the event bus', labelNames: ['topic'], registers });
    this.busLag = new Histogram({ name: `${p}bus_lag_seconds`, help: 'From publish to the consumer handler, per delivery', labelNames: ['topic'], buckets: BUS_BUCKETS, registers });
    this.busFailures = new Counter({ name: `${p}bus_handler_failures_total`, help: 'Bus handler invocations that threw (the record is retried)', labelNames: ['topic'], registers });
    this.dbSeconds = new Histogram({ name: `${p}db_query_duration_seconds`, help: 'SQL statement latency', labelNames: ['engine', 'op'], buckets: DB_BUCKETS, registers });
    this.dbErrors = new Counter({ name: `${p}db_query_errors_total`, help: 'SQL statements that failed', labelNames: ['engine', 'op'], registers });
    this.dbEngine = opts.dbEngine ?? 'sqlite';
    this.engineSeconds = new Histogram({ name: `${p}engine_request_duration_seconds`, help: 'Latency of requests to Redis, S3 and etcd, by engine and operation', labelNames: ['engine', 'op'], buckets: ENGINE_BUCKETS, registers });
    this.engineErrors = new Counter({ name: `${p}engine_request_errors_total`, help: 'Requests to Redis, S3 and etcd that failed', labelNames: ['engine', 'op'], registers });
    this.etcdLeaseAlive = new Gauge({ name: `${p}etcd_lease_alive`, help: '1 while this node holds its etcd lease (registry entry and worker id)', registers });
  }

  /** Methods outside this set are counted under method="other". */
  setKnownMethods(isKnown: (method: string) => boolean): void {
    this.isKnownMethod = isKnown;
  }

  bindRuntime(runtime: RuntimeGauges): void {
    this.runtime = runtime;
  }

  connectionOpened(transport: string): void {
    const t = carrierOf(transport);
    this.connections.inc({ transport: t });
    this.connectionsOpened.inc({ transport: t });
  }

  connectionClosed(transport: string): void {
    this.connections.dec({ transport: carrierOf(transport) });
  }

  handshake(result: 'ok' | 'failed' | 'rate_limited', seconds?: number): void {
    this.handshakes.inc({ result });
    if (result === 'ok' && seconds !== undefined) this.handshakeSeconds.observe(seconds);
  }

  rpcFinished(method: string, error: string | undefined, seconds: number): void {
    const label = this.isKnownMethod(method) ? method : OTHER_METHOD;
    let child = this.rpcChildren.get(label);
    if (!child) {
      child = { ok: this.rpcCalls.labels(label, NO_ERROR), seconds: this.rpcSeconds.labels(label) };
      this.rpcChildren.set(label, child);
    }
    child.seconds.observe(seconds);
    if (error === undefined) child.ok.inc();
    else this.rpcCalls.inc({ method: label, error: this.errorLabel(error) });
  }

  limitHit(limit: string): void {
    this.limitHits.inc({ limit });
  }

  updatesPushed(count: number): void {
    this.pushed.inc(count);
  }

  published(topic: string, count: number): void {
    this.busPublished.inc({ topic }, count);
  }

  delivered(topic: string, lagSeconds: number): void {
    // Labelled children are kept (as for RPCs): this runs twice per message sent, and looking a child up by
    // its labels costs more than the observation.
    let child = this.busLagChildren.get(topic);
    if (!child) this.busLagChildren.set(topic, (child = this.busLag.labels(topic)));
    child.observe(lagSeconds);
  }

  handlerFailed(topic: string): void {
    this.busFailures.inc({ topic });
  }

  query(op: string, seconds: number, failed: boolean): void {
    let child = this.dbChildren.get(op);
    if (!child) this.dbChildren.set(op, (child = this.dbSeconds.labels({ engine: this.dbEngine, op })));
    child.observe(seconds);
    if (failed) this.dbErrors.inc({ engine: this.dbEngine, op });
  }

  engineRequest(engine: 'redis' | 's3' | 'etcd', op: string, seconds: number, failed: boolean): void {
    this.engineSeconds.observe({ engine, op }, seconds);
    if (failed) this.engineErrors.inc({ engine, op });
  }

  etcdLease(alive: boolean): void {
    this.etcdLeaseAlive.set(alive ? 1 : 0);
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Every sample name a scrape can contain (histograms with _bucket, _sum and _count). */
  async sampleNames(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const m of await this.registry.getMetricsAsJSON()) {
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      else names.add(m.name);
    }
    return names;
  }

  /** FLOOD_WAIT_30 and FLOOD_WAIT_31 are one error kind; the number is per call. */
  private errorLabel(error: string): string {
    const name = error.replace(/\d+/g, 'X');
    if (this.errorNames.has(name)) return name;
    if (this.errorNames.size >= MAX_ERROR_LABELS) return 'OTHER';
    this.errorNames.add(name);
    return name;
  }
}

/** "tcp/abridged" -> "tcp", "ws/obfuscated2/intermediate" -> "ws", "http" -> "http". */
export function carrierOf(transport: string): string {
  const slash = transport.indexOf('/');
  return slash < 0 ? transport : transport.slice(0, slash);
}
