// The node registry on etcd (etcd3 client). One lease per node, kept alive by the client; the node's entry
// (echo/nodes/<id>) and its worker id (echo/workers/<n>) are attached to it, so both vanish when the node
// dies and its lease runs out. A worker id is claimed with a transaction that succeeds only if the key does
// not exist, so two nodes can never hold the same one.
import { Etcd3, type Lease } from 'etcd3';
import { MAX_WORKERS, type NodeInfo, type NodeRegistry } from './discovery.js';
import type { EngineMetrics } from '../metrics/metrics.js';

export interface EtcdRegistryOptions {
  endpoints: string[];
  nodeId: string;
  /** Seconds a node survives without a keepalive (default 10). */
  leaseTtlS?: number;
  /** Key prefix, so several clusters (or test runs) can share one etcd. */
  prefix?: string;
  metrics?: EngineMetrics;
  /** Told when the lease is lost (etcd unreachable past the TTL): this node's worker id may be reused. */
  onLeaseLost?: (err: Error) => void;
}

const CALL_TIMEOUT_MS = 5000;

export class EtcdNodeRegistry implements NodeRegistry {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly where: string;
  private lease: Lease | undefined;
  private workerId: number | undefined;
  private leaseLost: Error | undefined;

  constructor(private readonly options: EtcdRegistryOptions) {
    this.client = new Etcd3({
      hosts: options.endpoints,
      dialTimeout: CALL_TIMEOUT_MS,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
    });
    this.prefix = options.prefix ?? 'echo/';
    this.where = `etcd at ${options.endpoints.join(',')}`;
  }

  /** Null while the lease is held; the reason once it was lost. */
  get leaseError(): Error | undefined {
    return this.leaseLost;
  }

  async check(): Promise<void> {
    try {
      await this.timed('status', () => this.client.maintenance.status());
    } catch (err) {
      throw new Error(`${this.where}: ${oneLine(err)}`);
    }
    if (this.leaseLost) throw new Error(`${this.where}: lease lost (${oneLine(this.leaseLost)})`);
  }

  async claimWorkerId(): Promise<number> {
    if (this.workerId !== undefined) return this.workerId;
    const lease = await this.ensureLease();
    // Start at a random slot so nodes starting together rarely race for the same key.
    const start = Math.floor(Math.random() * MAX_WORKERS);
    for (let i = 0; i < MAX_WORKERS; i++) {
      const n = (start + i) % MAX_WORKERS;
      const key = `${this.prefix}workers/${n}`;
      const result = await this.timed('txn', () => this.client.if(key, 'Create', '==', 0).then(lease.put(key).value(this.options.nodeId)).commit());
      if (result.succeeded) return (this.workerId = n);
    }
    throw new Error(`${this.where}: all ${MAX_WORKERS} worker ids are taken`);
  }

  async register(info: NodeInfo): Promise<void> {
    const lease = await this.ensureLease();
    await this.timed('put', () => lease.put(`${this.prefix}nodes/${info.id}`).value(JSON.stringify(info)).exec());
  }

  async leave(id: string): Promise<void> {
    await this.timed('delete', () => this.client.delete().key(`${this.prefix}nodes/${id}`).exec());
  }

  async nodes(): Promise<NodeInfo[]> {
    const all = await this.timed('range', () => this.client.getAll().prefix(`${this.prefix}nodes/`).strings());
    return Object.values(all).map((v) => JSON.parse(v) as NodeInfo);
  }

  async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    if (lease && !this.leaseLost) await lease.revoke().catch(() => {});
    this.options.metrics?.etcdLease(false);
    this.client.close();
  }

  private async ensureLease(): Promise<Lease> {
    if (this.lease) return this.lease;
    const lease = this.client.lease(this.options.leaseTtlS ?? 10, { autoKeepAlive: true });
    lease.on('lost', (err) => {
      this.leaseLost = err;
      this.options.metrics?.etcdLease(false);
      this.options.onLeaseLost?.(err);
    });
    await this.timed('lease', () => lease.grant());
    this.options.metrics?.etcdLease(true);
    return (this.lease = lease);
  }

  private async timed<T>(op: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let failed = false;
    try {
      return await run();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      this.options.metrics?.engineRequest('etcd', op, (performance.now() - started) / 1000, failed);
    }
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
