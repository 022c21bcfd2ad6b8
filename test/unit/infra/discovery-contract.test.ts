// The NodeRegistry contract on the embedded single node (the etcd half runs in test/engines/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleNodeRegistry } from '../../../src/infra/discovery/index.js';
import { discoveryContract } from '../../support/contracts/discovery-contract.js';

discoveryContract('single node', async () => new SingleNodeRegistry());

test('single node: worker id 0, and check() needs nothing', async () => {
  const r = new SingleNodeRegistry();
  assert.equal(await r.claimWorkerId(), 0);
  await r.check();
  await r.close();
});
