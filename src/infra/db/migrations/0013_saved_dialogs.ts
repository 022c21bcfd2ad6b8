// Saved Messages dialogs (core.telegram.org/api/saved-messages): each message in a user's Saved Messages
// belongs to the dialog of its "saved peer", the original sender of a forward (the user itself for what it
// wrote). The box row records it (null outside Saved Messages); rows stored before this migration get it
// from their forward header here, once. Pinned saved dialogs are a short ordered list per user.
// Row types: src/messenger/tables.ts (MessageBoxesTable, SavedDialogPinsTable).
import type { Kysely } from 'kysely';
import { decodeObject, type TlObject } from '../../../tl/index.js';
import type { EchoMigration } from './types.js';

const PEER_USER = 1;
const PEER_CHAT = 2;
const PEER_CHANNEL = 3;
const BATCH = 500;

/** The saved peer a Saved Messages row gets from its forward header (the owner when there is none). */
export function savedPeerOfForward(owner: bigint, fwdFrom: TlObject | undefined): { type: number; id: bigint } {
  const from = (fwdFrom?.savedFromPeer ?? fwdFrom?.fromId) as TlObject | undefined;
  switch (from?._) {
    case 'peerUser':
      return { type: PEER_USER, id: from.userId as bigint };
    case 'peerChat':
      return { type: PEER_CHAT, id: from.chatId as bigint };
    case 'peerChannel':
      return { type: PEER_CHANNEL, id: from.channelId as bigint };
  }
  return { type: PEER_USER, id: owner };
}

export const migration: EchoMigration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('message_boxes').addColumn('saved_peer_type', 'integer').execute();
    await db.schema.alterTable('message_boxes').addColumn('saved_peer_id', 'bigint').execute();
    await db.schema.createIndex('message_boxes_saved').on('message_boxes').columns(['owner_id', 'saved_peer_type', 'saved_peer_id', 'id']).execute();
    await db.schema
      .createTable('saved_dialog_pins')
      .addColumn('owner_id', 'bigint', (c) => c.notNull())
      .addColumn('peer_type', 'integer', (c) => c.notNull())
      .addColumn('peer_id', 'bigint', (c) => c.notNull())
      // Higher comes first, as dialogs.pinned.
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('saved_dialog_pins_pk', ['owner_id', 'peer_type', 'peer_id'])
      .execute();

    // Backfill: the Saved Messages rows of every user, in batches by (owner, id).
    let after = { owner: -(2n ** 63n), id: -1 };
    for (;;) {
      const rows: { owner_id: bigint | number; id: bigint | number; fwd_from: Uint8Array | null }[] = await db
        .selectFrom('message_boxes as b')
        .innerJoin('messages as m', 'm.id', 'b.global_id')
        .select(['b.owner_id', 'b.id', 'm.fwd_from'])
        .where('b.peer_type', '=', PEER_USER)
        .whereRef('b.peer_id', '=', 'b.owner_id')
        .where((eb: any) => eb.or([eb('b.owner_id', '>', after.owner), eb.and([eb('b.owner_id', '=', after.owner), eb('b.id', '>', after.id)])]))
        .orderBy('b.owner_id')
        .orderBy('b.id')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        const owner = BigInt(r.owner_id);
        const fwd = r.fwd_from && r.fwd_from.length > 0 ? (decodeObject(r.fwd_from) as TlObject) : undefined;
        const saved = savedPeerOfForward(owner, fwd);
        await db.updateTable('message_boxes').set({ saved_peer_type: saved.type, saved_peer_id: saved.id }).where('owner_id', '=', owner).where('id', '=', Number(r.id)).execute();
      }
      const last = rows[rows.length - 1]!;
      after = { owner: BigInt(last.owner_id), id: Number(last.id) };
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('saved_dialog_pins').execute();
    await db.schema.dropIndex('message_boxes_saved').execute();
    await db.schema.alterTable('message_boxes').dropColumn('saved_peer_id').execute();
    await db.schema.alterTable('message_boxes').dropColumn('saved_peer_type').execute();
  },
};
