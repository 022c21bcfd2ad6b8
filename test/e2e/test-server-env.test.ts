// The test harness's servers run on their own embedded engines even when the shell exports the engines'
// variables (`eval "$(scripts/engines.sh up)"` before `npm run test:engines`): an inherited DB_* once put a
// test's echod into the shared MariaDB database, where the users it signed up by phone already had the
// messages of earlier runs, and the test counted them as duplicates. A test wants an engine only by saying so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { freePort } from '../support/ports.js';

const T = { timeout: 60_000 };


let echod: EchodProcess | undefined;
const saved = { ...process.env };
after(async () => {
  await echod?.dispose();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

test('a test server ignores the engine variables of the shell it is started from', T, async () => {
  const port = await freePort();
  // Engines that cannot be reached: a server that inherited these would refuse to start.
  Object.assign(process.env, {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(port),
    DB_USER: 'echo',
    DB_PASSWORD: 'echo',
    DB_NAME: 'echo',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(port),
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    ETCD_ENDPOINTS: `http://127.0.0.1:${port}`,
  });
  echod = await startEchod();
  const ready = await fetch(`http://127.0.0.1:${echod.adminPort}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', engines: { database: 'ok' } }, 'only the embedded database');
});
