import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics, instrumentBus, kyselyQueryLogger } from '../../../src/infra/metrics/index.js';
import { openDatabase } from '../../../src/infra/db/index.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('connections are counted per carrier, whatever the framing', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.connectionOpened('tcp/unknown');
  m.connectionOpened('ws/obfuscated2/intermediate');
  m.connectionOpened('http');
  m.connectionClosed('tcp/abridged');
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'echo_connections{transport="tcp"}'), 0);
  assert.equal(sample(text, 'echo_connections{transport="ws"}'), 1);
  assert.equal(sample(text, 'echo_connections{transport="http"}'), 1);
  assert.equal(sample(text, 'echo_connections_opened_total{transport="tcp"}'), 1);
});

test('RPC labels stay bounded: unknown methods become "other", error numbers become X, error names are capped', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.setKnownMethods((name) => name === 'help.getConfig');
  m.rpcFinished('help.getConfig', undefined, 0.002);
  m.rpcFinished('help.getConfig', 'FLOOD_WAIT_17', 0.001);
  m.rpcFinished('evil.method123', undefined, 0.001);
  for (let i = 0; i < 300; i++) m.rpcFinished('help.getConfig', `ERR_${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, 0.001);
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'echo_rpc_calls_total{method="help.getConfig",error="none"}'), 1);
  assert.equal(sample(text, 'echo_rpc_calls_total{method="help.getConfig",error="FLOOD_WAIT_X"}'), 1);
  assert.equal(sample(text, 'echo_rpc_calls_total{method="other",error="none"}'), 1);
  assert.equal(sample(text, 'echo_rpc_duration_seconds_count{method="help.getConfig"}'), 302);
  assert.ok(!text.includes('evil.method123'));
  const errorLabels = new Set([...text.matchAll(/echo_rpc_calls_total\{[^}]*error="([^"]+)"/g)].map((x) => x[1]));
  assert.ok(errorLabels.size <= 202, `error label values: ${errorLabels.size}`);
  assert.ok(errorLabels.has('OTHER'));
});

test('handshakes by result, with the duration of successful ones', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.handshake('ok', 0.02);
  m.handshake('failed');
  m.handshake('rate_limited');
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'echo_handshakes_total{result="ok"}'), 1);
  assert.equal(sample(text, 'echo_handshakes_total{result="failed"}'), 1);
  assert.equal(sample(text, 'echo_handshakes_total{result="rate_limited"}'), 1);
  assert.equal(sample(text, 'echo_handshake_duration_seconds_count'), 1);
});

test('runtime gauges are read at scrape time', async () => {
  const m = new Metrics({ defaultMetrics: false });
  let inFlight = 3;
  m.bindRuntime({ inFlightRpcs: () => inFlight, sessions: () => 7, pendingOutbound: () => 2 });
  assert.equal(sample(await m.registry.metrics(), 'echo_rpc_in_flight'), 3);
  inFlight = 0;
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'echo_rpc_in_flight'), 0);
  assert.equal(sample(text, 'echo_sessions'), 7);
  assert.equal(sample(text, 'echo_outbound_pending'), 2);
});

test('Kysely statements are timed by kind, and failures counted, without any SQL in the labels', async (t) => {
  const m = new Metrics({ defaultMetrics: false });
  const dir = mkdtempSync(join(tmpdir(), 'echo-dbm-'));
  const db = await openDatabase(dir, { log: kyselyQueryLogger(m) });
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await db.kysely.selectFrom('users').selectAll().where('id', '=', 5n).execute();
  await assert.rejects(db.kysely.insertInto('users').values({ id: 1n, phone: null, first_name: null as unknown as string, created_at: 0 }).execute());
  const text = await m.registry.metrics();
  assert.ok((sample(text, 'echo_db_query_duration_seconds_count{engine="sqlite",op="select"}') ?? 0) >= 1);
  assert.equal(sample(text, 'echo_db_query_errors_total{engine="sqlite",op="insert"}'), 1);
  assert.ok(!/users|first_name/.test(text.split('\n').filter((l) => l.startsWith('echo_db')).join('\n')));
});

test('the instrumented bus measures publish-to-handler lag and handler failures, handing values through unchanged', async () => {
  const m = new Metrics({ defaultMetrics: false });
  let clock = 1000;
  const bus = instrumentBus(new MemoryBus({ maxAttempts: 2, now: () => clock }), m, () => clock);
  const seen: unknown[] = [];
  let fail = true;
  bus.subscribe<{ n: number }>('Sync-T', 'sessions', (value) => {
    clock += 250;
    seen.push(value);
    if (fail) {
      fail = false;
      throw new Error('first attempt fails');
    }
  });
  const value = { n: 1 };
  await bus.publish('Sync-T', [{ key: 'u1', value }]);
  await bus.drain();
  assert.equal(seen.length, 2);
  assert.equal(seen[0], value);
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'echo_bus_published_total{topic="Sync-T"}'), 1);
  assert.equal(sample(text, 'echo_bus_lag_seconds_count{topic="Sync-T"}'), 2);
  assert.equal(sample(text, 'echo_bus_lag_seconds_sum{topic="Sync-T"}'), 0 + 0.25);
  assert.equal(sample(text, 'echo_bus_handler_failures_total{topic="Sync-T"}'), 1);
});

test('default process metrics (event loop lag, memory) are exported with the echo_ prefix', async () => {
  const names = await new Metrics().sampleNames();
  for (const name of ['echo_nodejs_eventloop_lag_seconds', 'echo_process_resident_memory_bytes', 'echo_nodejs_heap_size_used_bytes', 'echo_rpc_duration_seconds_bucket', 'echo_build_info'])
    assert.ok(names.has(name), name);
});
