// The limits a client could multiply by spreading its calls over several nodes, counted in one shared
// key-value store: two "nodes" here are two limiter instances on one store (the embedded MemoryKeyValueStore
// with an injected clock, standing in for Redis; test/engines/nodes-limits.test.ts runs the real thing). Each
// node alone with in-process buckets would give the full budget again, which is what sharing prevents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { SharedRateLimiter, tokenBuckets } from '../../../src/infra/kv/shared-rate-limiter.js';
import { RateLimiter } from '../../../src/common/rate-limiter.js';
import { RpcFloodLimits } from '../../../src/bff/flood-limits.js';
import { FloodGate } from '../../../src/service/authsession/flood.js';
import type { RpcContext } from '../../../src/bff/context.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import type { TlObject } from '../../../src/tl/index.js';

function sharedStore(start = 1_000_000) {
  const clock = { now: start };
  const kv = new MemoryKeyValueStore(() => clock.now);
  return { clock, kv, now: () => clock.now };
}

function ctxOf(userId: bigint, keyId: bigint): RpcContext {
  return {
    authKey: { authKey: { id: keyId, key: Buffer.alloc(0) }, kind: 'perm', permKeyId: keyId, userId, layer: 229 },
    sessionId: 1n,
    msgId: 4n,
    layer: 229,
    connection: { id: 1, remoteAddress: '127.0.0.1', transport: 'tcp' },
    now: () => 0,
  };
}

/** The seconds of FLOOD_WAIT_X a check answered, 0 when it passed (sync or async alike). */
async function floodWait(run: () => Promise<void> | undefined | void): Promise<number> {
  try {
    await run();
    return 0;
  } catch (err) {
    assert.ok(err instanceof RpcError && err.code === 420, `expected FLOOD_WAIT_X, got ${String(err)}`);
    return Number(/^FLOOD_WAIT_(\d+)$/.exec(err.errorMessage)![1]);
  }
}

test('shared buckets: two nodes spend one budget per key, the refused call spends nothing, and it refills', async (t) => {
  const { clock, kv, now } = sharedStore();
  t.after(() => kv.close());
  const limit = { burst: 4, perSecond: 0.5 };
  const [node1, node2] = [new SharedRateLimiter(kv, 'test', limit), new SharedRateLimiter(kv, 'test', limit)];
  const spent = [];
  for (let i = 0; i < 4; i++) spent.push(await (i % 2 ? node2 : node1).spend('10.0.0.1', 1));
  assert.deepEqual(spent, [0, 0, 0, 0]);
  assert.equal(await node2.spend('10.0.0.1', 1), 2, 'the fifth, on either node, waits 2 s for a token at 0.5/s');
  assert.equal(await node1.spend('10.0.0.1', 1), 2, 'the refused call took nothing');
  assert.equal(await node1.spend('10.0.0.2', 1), 0, 'another key has its own bucket');
  assert.equal(await new SharedRateLimiter(kv, 'other', limit).spend('10.0.0.1', 1), 0, 'another limit has its own buckets');
  clock.now += 2000;
  assert.equal(await node2.spend('10.0.0.1', 1), 0);
  assert.ok((await node1.spend('10.0.0.1', 1)) > 0);

  // The in-process form on each node (embedded): each node gives the whole burst again.
  const local = [new RateLimiter(limit, now), new RateLimiter(limit, now)];
  let passed = 0;
  for (let i = 0; i < 8; i++) if (local[i % 2]!.spend('10.0.0.9', 1) === 0) passed++;
  assert.equal(passed, 8, 'two in-process nodes: twice the burst');
});

test('tokenBuckets: in process (synchronous) without a shared store, in the store with one', async (t) => {
  const { kv, now } = sharedStore();
  t.after(() => kv.close());
  const limit = { burst: 1, perSecond: 1 };
  const local = tokenBuckets('x', limit, now);
  assert.equal(local.spend('a', 1), 0, 'a number, not a promise: the embedded path does no I/O');
  const shared = tokenBuckets('x', limit, now, kv);
  assert.ok(shared.spend('a', 1) instanceof Promise);
  assert.deepEqual(await kv.keys('rate:x:'), ['rate:x:a']);
});

test('RPC flood limits on a shared store: a user spreading searches over two nodes is refused at the same count as on one', async (t) => {
  const { clock, kv, now } = sharedStore();
  t.after(() => kv.close());
  const rates = { search: { burst: 5, perSecond: 0.25 } };
  const hits: string[] = [];
  const node1 = new RpcFloodLimits(rates, now, (g) => hits.push(g), kv);
  const node2 = new RpcFloodLimits(rates, now, (g) => hits.push(g), kv);
  const search = { _: 'contacts.search' } as TlObject;

  // One node: how many pass before FLOOD_WAIT_X.
  const onOneNode = async (userId: bigint): Promise<number> => {
    let passed = 0;
    while ((await floodWait(() => node1.check(search, ctxOf(userId, 1n)))) === 0) passed++;
    return passed;
  };
  const alone = await onOneNode(1n);
  assert.equal(alone, 5);

  // Two devices of user 2, one on each node, taking turns.
  let spread = 0;
  let wait = 0;
  for (let i = 0; wait === 0; i++) {
    wait = await floodWait(() => (i % 2 ? node2 : node1).check(search, ctxOf(2n, BigInt(10 + (i % 2)))));
    if (wait === 0) spread++;
  }
  assert.equal(spread, alone, 'the same count spread over two nodes');
  assert.equal(wait, 4, 'FLOOD_WAIT_4: one token at 0.25/s');
  assert.equal(await floodWait(() => node2.check(search, ctxOf(2n, 11n))), 4, 'the other node refuses too');
  assert.equal(await floodWait(() => node2.check({ _: 'help.getConfig' } as TlObject, ctxOf(2n, 11n))), 0, 'methods outside the table pass');
  assert.equal(node2.check({ _: 'help.getConfig' } as TlObject, ctxOf(2n, 11n)), undefined, 'without a store round trip');
  clock.now += 4000;
  assert.equal(await floodWait(() => node1.check(search, ctxOf(2n, 10n))), 0, 'after X seconds a search passes again');
  assert.deepEqual([...new Set(hits)], ['rpc_search']);
});

test('sign-in flood windows counted by several nodes at once lose no count', async (t) => {
  const { clock, kv, now } = sharedStore();
  t.after(() => kv.close());
  const rule = { name: 'sendcode:phone', limit: 5, windowMs: 3_600_000 };
  const nodes = [new FloodGate(kv, now), new FloodGate(kv, now)];
  // Ten sends of one phone at once, spread over both nodes, as the window opens.
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => nodes[i % 2]!.take(rule, '15550001')));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5, 'exactly the limit passes');
  await assert.rejects(nodes[0]!.check(rule, '15550001'), (err: RpcError) => err.errorMessage === 'FLOOD_WAIT_3600');
  // A new window starts clean once the old one is over (its count is not carried over).
  clock.now += 3_600_000;
  await nodes[1]!.take(rule, '15550001');
  await nodes[0]!.check(rule, '15550001');
});
