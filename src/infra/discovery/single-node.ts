// The embedded registry: one node, worker id 0, nothing to reach.
import type { NodeInfo, NodeRegistry } from './discovery.js';

export class SingleNodeRegistry implements NodeRegistry {
  private self: NodeInfo | undefined;

  async claimWorkerId(): Promise<number> {
    return 0;
  }

  async register(info: NodeInfo): Promise<void> {
    this.self = { ...info };
  }

  async leave(): Promise<void> {
    this.self = undefined;
  }

  async nodes(): Promise<NodeInfo[]> {
    return this.self ? [{ ...this.self }] : [];
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    this.self = undefined;
  }
}
