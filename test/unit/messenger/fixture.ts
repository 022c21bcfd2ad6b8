// A migrated SQLite database in a temp dir with the messaging store on top, and fakes for the rest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { Messenger } from '../../../src/messenger/index.js';
import { plainUserViews, recordingPush, type Pushed } from './stubs.js';

export const ALICE = 1_000_001n;
export const BOB = 1_000_002n;
export const CAROL = 1_000_003n;

export type { Pushed } from './stubs.js';

export interface Fixture {
  db: Database;
  bus: MemoryBus;
  messenger: Messenger;
  pushed: Pushed[];
  online: Set<bigint>;
  blocks: Set<string>;
  clock: { now: number };
  close(): Promise<void>;
}

export async function fixture(opts: { differenceSlice?: number; differenceTooLong?: number; editTimeLimit?: number } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-msg-'));
  const db = await openDatabase(dir);
  const bus = new MemoryBus({ maxAttempts: 1 });
  const pushed: Pushed[] = [];
  const online = new Set<bigint>([ALICE, BOB, CAROL]);
  const blocks = new Set<string>();
  const clock = { now: 1_700_000_000_000 };
  const messenger = new Messenger({
    db: db.kysely,
    bus,
    push: recordingPush(pushed, (id) => online.has(id)),
    contacts: {
      isBlocked: async (blocker, target) => blocks.has(`${blocker}>${target}`),
      blockBetween: async (a, b) => (blocks.has(`${a}>${b}`) ? a : blocks.has(`${b}>${a}`) ? b : undefined),
    },
    userViews: plainUserViews,
    now: () => clock.now,
    editTimeLimit: opts.editTimeLimit,
    limits: { differenceSlice: opts.differenceSlice ?? 100, differenceTooLong: opts.differenceTooLong ?? 5000 },
  });
  return {
    db,
    bus,
    messenger,
    pushed,
    online,
    blocks,
    clock,
    async close() {
      await bus.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let nextRandom = 1n;
export function rid(): bigint {
  return nextRandom++;
}
