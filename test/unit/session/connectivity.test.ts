// Connectivity events (a user's first device connects, the last one is gone) feed several services at once:
// presence on Redis, last seen and status pushes, channel push candidates. Each must get every event; a second
// listener once replaced the first, and contacts stopped seeing anyone come online.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { openDatabase } from '../../../src/infra/db/index.js';
import { AuthKeyRegistry } from '../../../src/interface/session/auth-keys.js';
import { SessionService } from '../../../src/interface/session/session-service.js';
import type { ConnectionHandle } from '../../../src/interface/session/connection.js';
import { SaltSchedule } from '../../../src/mtproto/session/salts.js';
import { ServerMsgIdGenerator } from '../../../src/mtproto/session/msg-id.js';
import { RpcDispatcher } from '../../../src/bff/registry.js';
import { ClientSession } from '../../../src/client/client-session.js';
import { encodeObject } from '../../../src/tl/index.js';
import { Metrics } from '../../../src/infra/metrics/index.js';

test('every connectivity listener hears a signed-in device come online', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-connectivity-'));
  const db = await openDatabase(dir);
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const user = { id: 1_000_042n };
  const keys = new AuthKeyRegistry(db.authKeys);
  const rpc = new RpcDispatcher();
  rpc.register('help.getNearestDc', async () => ({ _: 'nearestDc', country: 'NL', thisDc: 2, nearestDc: 2 }));
  const now = () => Date.now();
  const log = pino({ level: 'silent' });
  const sessions = new SessionService({ keys, salts: new SaltSchedule(randomBytes(32)), rpc, log, now, random: randomBytes, msgIds: new ServerMsgIdGenerator(now), metrics: new Metrics({ defaultMetrics: false }) });
  const heard: string[] = [];
  sessions.onConnectivity((userId, online) => heard.push(`first ${userId} ${online}`));
  sessions.onConnectivity((userId, online) => heard.push(`second ${userId} ${online}`));

  const keyBytes = randomBytes(256);
  const salt = 0x1234n;
  const ctx = await keys.add(keyBytes, 'perm', Math.floor(now() / 1000), undefined, salt, now() + 60_000);
  await keys.setUser(ctx.authKey.id, user.id);
  const client = new ClientSession(keyBytes, salt, randomBytes, now);
  const conn: ConnectionHandle = {
    id: 1,
    remoteAddress: '127.0.0.1',
    transport: 'tcp/intermediate',
    closed: false,
    sendPacket: () => {},
    sendQuickAck: () => {},
    failWithTransportError: () => assert.fail('transport error'),
    close: () => {},
    setPingDisconnect: () => {},
  };
  await sessions.handlePacket(conn, client.encrypt(client.message(encodeObject({ _: 'help.getNearestDc' }))), false);
  assert.deepEqual(heard, [`first ${user.id} true`, `second ${user.id} true`]);
  assert.equal(sessions.isOnline(user.id), true);
});
