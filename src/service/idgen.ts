// idgen: ids for users, chats and other entities, from named sequences in the SQL store. Each
// sequence starts above a floor so ids look like Telegram's and never collide with service ids.
import type { Kysely } from 'kysely';
import { dialectOf, lockingRead, retryOnConflict } from '../infra/db/dialect.js';
import type { Tables } from '../infra/db/schema.js';

export interface IdGenerator {
  next(sequence: string): Promise<bigint>;
}

export class SqlIdGenerator implements IdGenerator {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly floors: Readonly<Record<string, bigint>> = {},
  ) {}

  async next(sequence: string): Promise<bigint> {
    const dialect = dialectOf(this.db);
    // Concurrent first draws on MySQL can deadlock (each one's ignored insert waits on the other's): the
    // loser is rolled back and its retry finds the row.
    return retryOnConflict(() => this.db.transaction().execute(async (tx) => {
      // Locked until commit on MySQL, where two transactions (or two nodes) may draw from one sequence at once.
      const read = () => lockingRead(tx.selectFrom('id_sequences').select('value').where('name', '=', sequence), dialect).executeTakeFirst();
      let row = await read();
      if (!row) {
        // Two first draws may race to create the row: the loser's insert is ignored and it reads the winner's.
        await tx.insertInto('id_sequences').values({ name: sequence, value: this.floors[sequence] ?? 0n }).orIgnore().execute();
        row = await read();
      }
      const next = BigInt(row!.value) + 1n;
      await tx.updateTable('id_sequences').set({ value: next }).where('name', '=', sequence).execute();
      return next;
    }));
  }
}

/**
 * Time-ordered 63-bit ids made without a round trip: milliseconds << 20 | worker id << 10 | sequence.
 * The worker id (0-1023) is unique among live nodes (claimed in the node registry), the sequence counts
 * within one millisecond; past 1024 ids in a millisecond the clock is borrowed from the next one, so ids
 * stay unique and increasing on one node even when the wall clock steps back.
 */
export class TimeOrderedIds {
  private lastMs = 0;
  private sequence = 0;

  constructor(
    private readonly workerId: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > 1023) throw new RangeError(`worker id ${workerId} is not 0-1023`);
  }

  next(): bigint {
    const ms = Math.floor(this.now());
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.sequence = 0;
    } else if (++this.sequence > 1023) {
      this.lastMs += 1;
      this.sequence = 0;
    }
    return (BigInt(this.lastMs) << 20n) | (BigInt(this.workerId) << 10n) | BigInt(this.sequence);
  }
}
