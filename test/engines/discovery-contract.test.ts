// The NodeRegistry contract on the single embedded node and on etcd, plus what only etcd can show:
// distinct worker ids between nodes, and a dead node's entry and worker id freed when its lease runs out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { EtcdNodeRegistry, SingleNodeRegistry } from '../../src/infra/discovery/index.js';
import { discoveryContract, nodeInfo } from '../support/contracts/discovery-contract.js';
import { engineEnv } from '../support/engines-env.js';

const env = engineEnv('ETCD_ENDPOINTS');
const endpoints = env.ETCD_ENDPOINTS.split(',');
// Each run under its own prefix: worker ids and nodes of other runs (or a crashed one) do not interfere.
const prefix = `echo-test-${randomBytes(4).toString('hex')}/`;
const etcd = (nodeId: string, leaseTtlS = 10) => new EtcdNodeRegistry({ endpoints, nodeId, prefix, leaseTtlS });

discoveryContract('single node', async () => new SingleNodeRegistry());
discoveryContract('etcd', async (nodeId) => etcd(nodeId));

test('etcd: 24 nodes starting at once all get different worker ids', async () => {
  const nodes = Array.from({ length: 24 }, (_, i) => etcd(`race-${i}`));
  try {
    const ids = await Promise.all(nodes.map((n) => n.claimWorkerId()));
    assert.equal(new Set(ids).size, ids.length, `worker ids ${ids.join(',')}`);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

test('etcd: a node killed without closing leaves the registry when its lease runs out', async () => {
  const id = `killed-${randomBytes(4).toString('hex')}`;
  const script = `
    import { EtcdNodeRegistry } from ${JSON.stringify(new URL('../../src/infra/discovery/index.js', import.meta.url).href)};
    const r = new EtcdNodeRegistry({ endpoints: ${JSON.stringify(endpoints)}, nodeId: ${JSON.stringify(id)}, prefix: ${JSON.stringify(prefix)}, leaseTtlS: 2 });
    const w = await r.claimWorkerId();
    await r.register(${JSON.stringify(nodeInfo(id, 0))});
    console.log('registered ' + w);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), /^registered \d+/);
    const watcher = etcd(`watcher-${randomBytes(4).toString('hex')}`);
    try {
      assert.ok((await watcher.nodes()).some((n) => n.id === id), 'listed while alive');
      child.kill('SIGKILL');
      await once(child, 'exit');
      const deadline = Date.now() + 20_000;
      while ((await watcher.nodes()).some((n) => n.id === id)) {
        assert.ok(Date.now() < deadline, 'still listed 20 s after its 2 s lease should have run out');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await watcher.close();
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('etcd: check() names etcd and the reason when nothing answers', async () => {
  const r = new EtcdNodeRegistry({ endpoints: ['http://127.0.0.1:1'], nodeId: 'unreachable' });
  try {
    await assert.rejects(r.check(), (err: Error) => {
      assert.match(err.message, /^etcd at http:\/\/127\.0\.0\.1:1: /);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  } finally {
    await r.close();
  }
});
