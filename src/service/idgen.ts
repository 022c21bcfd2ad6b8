// idgen: ids for users, chats and other entities, from named sequences in the SQL store. Each
// sequence starts above a floor so ids look like Telegram's and never collide with service ids.
import type { Kysely } from 'kysely';
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
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('id_sequences').select('value').where('name', '=', sequence).executeTakeFirst();
      const next = (row ? BigInt(row.value) : (this.floors[sequence] ?? 0n)) + 1n;
      if (row) await tx.updateTable('id_sequences').set({ value: next }).where('name', '=', sequence).execute();
      else await tx.insertInto('id_sequences').values({ name: sequence, value: next }).execute();
      return next;
    });
  }
}
