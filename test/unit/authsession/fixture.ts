// A CoreServices on a real SQLite file in a temp dir, with a settable clock and recording fakes for
// the session layer (pushes, sign-ins).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { SqlIdGenerator } from '../../../src/service/idgen.js';
import { UserStore, USER_ID_FLOOR } from '../../../src/service/users/user-store.js';
import { AccessHashes } from '../../../src/service/access-hash.js';
import { AccountEvents } from '../../../src/service/events.js';
import type { CoreServices } from '../../../src/service/core.js';
import type { EchoConfig } from '../../../src/infra/config/index.js';
import type { TlObject } from '../../../src/tl/index.js';

export interface Fixture {
  core: CoreServices;
  db: Database;
  kv: MemoryKeyValueStore;
  clock: { now: number };
  pushes: { to: string; id: bigint; updates: TlObject }[];
  signIns: { op: 'in' | 'out'; permKeyId: bigint; userId?: bigint; kick?: boolean }[];
  /** Creates a perm auth key row (a device). */
  addDevice(id: bigint, createdAtSeconds?: number): Promise<void>;
  close(): Promise<void>;
}

const START = Date.UTC(2025, 0, 1);

export async function makeFixture(config: Partial<EchoConfig> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-authsession-'));
  const db = await openDatabase(dir);
  const clock = { now: START };
  const now = () => clock.now;
  const kv = new MemoryKeyValueStore(now);
  const ids = new SqlIdGenerator(db.kysely, { user: USER_ID_FLOOR });
  const pushes: Fixture['pushes'] = [];
  const signIns: Fixture['signIns'] = [];
  const log = pino({ level: 'silent' });
  const core: CoreServices = {
    config: { listen: '127.0.0.1', ...config } as EchoConfig,
    identity: { dcId: 2, host: '127.0.0.1', tcpPorts: [] },
    db: db.kysely,
    kv,
    ids,
    users: new UserStore(db.kysely, ids),
    accessHashes: new AccessHashes(Buffer.alloc(32, 7)),
    push: {
      pushToUser: (id, updates) => void pushes.push({ to: 'user', id, updates }),
      pushToAuthKey: (id, updates) => void pushes.push({ to: 'key', id, updates }),
      isOnline: () => false,
      onConnectivity: () => {},
    },
    signIns: {
      async signIn(permKeyId, userId) {
        signIns.push({ op: 'in', permKeyId, userId });
        await db.authKeys.setUser(permKeyId, userId);
      },
      async signOut(permKeyId, opts) {
        signIns.push({ op: 'out', permKeyId, kick: opts?.kick });
        await db.authKeys.setUser(permKeyId, null);
      },
    },
    events: new AccountEvents(log),
    log,
    now,
    random: (n) => randomBytes(n),
    secret: () => Buffer.alloc(32, 1),
  };
  return {
    core,
    db,
    kv,
    clock,
    pushes,
    signIns,
    async addDevice(id, createdAtSeconds = Math.floor(clock.now / 1000)) {
      await db.authKeys.create({ id, key: randomBytes(256), kind: 'perm', createdAt: createdAtSeconds });
    },
    async close() {
      await kv.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts that `fn` rejects with an RpcError of this message (and code, when given). */
export async function rejectsRpc(fn: () => Promise<unknown>, message: string | RegExp, code?: number): Promise<void> {
  await assert.rejects(fn, (err: { errorMessage?: string; code?: number }) => {
    if (typeof message === 'string') assert.equal(err.errorMessage, message);
    else assert.match(err.errorMessage ?? '', message);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}
