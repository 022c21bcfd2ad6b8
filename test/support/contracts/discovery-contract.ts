// The NodeRegistry contract: the same cases on the embedded single node (npm test) and on etcd (test:engines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MAX_WORKERS, type NodeInfo, type NodeRegistry } from '../../../src/infra/discovery/index.js';

export function nodeInfo(id: string, workerId: number): NodeInfo {
  return { id, address: '127.0.0.1', tcpPorts: [10443, 5222], httpPort: 8801, adminPort: 9090, workerId, startedAt: 1_700_000_000_000 };
}

export function discoveryContract(name: string, open: (nodeId: string) => Promise<NodeRegistry>): void {
  test(`${name}: a node gets a worker id in range, the same one every time it asks`, async () => {
    const r = await open(`n-${randomBytes(4).toString('hex')}`);
    try {
      const w = await r.claimWorkerId();
      assert.ok(Number.isInteger(w) && w >= 0 && w < MAX_WORKERS, `worker id ${w}`);
      assert.equal(await r.claimWorkerId(), w);
    } finally {
      await r.close();
    }
  });

  test(`${name}: a registered node is listed with what it published, and no longer once it closes`, async () => {
    const id = `n-${randomBytes(4).toString('hex')}`;
    const r = await open(id);
    await r.check();
    const info = nodeInfo(id, await r.claimWorkerId());
    await r.register(info);
    const listed = (await r.nodes()).find((n) => n.id === id);
    assert.deepEqual(listed, info);
    await r.register({ ...info, httpPort: 8802 });
    assert.equal((await r.nodes()).find((n) => n.id === id)?.httpPort, 8802, 'registering again updates the entry');
    await r.close();
    const other = await open(`n-${randomBytes(4).toString('hex')}`);
    try {
      assert.equal((await other.nodes()).find((n) => n.id === id), undefined);
    } finally {
      await other.close();
    }
  });

  test(`${name}: a node that leaves (draining) is no longer listed but keeps its worker id until it closes`, async () => {
    const id = `n-${randomBytes(4).toString('hex')}`;
    const r = await open(id);
    try {
      const w = await r.claimWorkerId();
      await r.register(nodeInfo(id, w));
      assert.ok((await r.nodes()).some((n) => n.id === id));
      await r.leave(id);
      assert.equal((await r.nodes()).find((n) => n.id === id), undefined);
      assert.equal(await r.claimWorkerId(), w, 'the worker id stays claimed while the node drains');
    } finally {
      await r.close();
    }
  });
}
