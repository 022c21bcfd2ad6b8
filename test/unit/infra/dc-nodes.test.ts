// help.getConfig's list of the DC's nodes: read from the node registry at most every few seconds, oldest node
// first, and the last good answer kept while the registry cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedDcNodes } from '../../../src/app/dc-nodes.js';
import { SingleNodeRegistry, type NodeInfo, type NodeRegistry } from '../../../src/infra/discovery/index.js';

const info = (id: string, port: number, startedAt: number): NodeInfo => ({ id, address: '127.0.0.1', tcpPorts: [port], httpPort: 1, adminPort: 2, workerId: 0, startedAt });

/** The embedded registry, with other nodes added and reads that can be made to fail (an etcd outage). */
class Registry extends SingleNodeRegistry implements NodeRegistry {
  others: NodeInfo[] = [];
  reads = 0;
  failing = false;
  override async nodes(): Promise<NodeInfo[]> {
    this.reads++;
    if (this.failing) throw new Error('etcd at x: unavailable');
    return [...(await super.nodes()), ...this.others];
  }
}

test('lists every node oldest first, reads the registry at most once per interval, keeps the last list through a failed read', async () => {
  const registry = new Registry();
  await registry.register(info('me', 10443, 2000));
  registry.others = [info('old', 20443, 1000)];
  let now = 0;
  const errors: string[] = [];
  const nodes = cachedDcNodes(registry, () => now, (err) => errors.push(err.message), 3000);

  assert.deepEqual(await nodes(), [{ host: '127.0.0.1', tcpPorts: [20443] }, { host: '127.0.0.1', tcpPorts: [10443] }]);
  registry.others = [];
  now = 2999;
  assert.equal((await nodes()).length, 2, 'cached within the interval');
  assert.equal(registry.reads, 1);
  now = 3000;
  assert.deepEqual(await nodes(), [{ host: '127.0.0.1', tcpPorts: [10443] }], 'a node that left is gone after the interval');

  registry.failing = true;
  now = 7000;
  assert.deepEqual(await nodes(), [{ host: '127.0.0.1', tcpPorts: [10443] }], 'the last answer stands');
  assert.deepEqual(errors, ['etcd at x: unavailable']);
  await Promise.all([nodes(), nodes()]);
  assert.ok(registry.reads <= 5, 'concurrent callers share one read');
});
