// When the other side of a private chat read the owner's outgoing messages (messages.getOutboxReadDate).
// Every advance of a read_outbox_max_id in a private chat records (max_id, date); the read date of a
// message is the date of the first advance that covered it. Telegram keeps these for
// read_date_expire_period (7 days): older messages answer MESSAGE_TOO_OLD and older records are pruned.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { PrivacyRules } from '../service/privacy/rules.js';
import { PEER_USER, userPeer, type PeerRef } from './peer.js';

export const READ_DATE_EXPIRE_PERIOD = 7 * 86400;

export interface ReadDatesDeps {
  db: Kysely<Tables>;
  /** Read marks follow last-seen privacy (Telegram's hide_read_marks, taken as always on). */
  privacy?: PrivacyRules;
  now(): number;
}

export class ReadDates {
  constructor(private readonly deps: ReadDatesDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  /** Records that `reader` read the outboxes listed (each author's own max id) at `date`. */
  async record(reader: bigint, outbox: readonly { owner: bigint; maxId: number }[], date: number): Promise<void> {
    if (outbox.length === 0) return;
    const peer = userPeer(reader);
    await this.deps.db.transaction().execute(async (tx) => {
      for (const o of outbox) {
        const exists = await tx
          .selectFrom('outbox_read_dates')
          .select('date')
          .where('owner_id', '=', o.owner)
          .where('peer_type', '=', peer.type)
          .where('peer_id', '=', peer.id)
          .where('max_id', '=', o.maxId)
          .executeTakeFirst();
        if (!exists) await tx.insertInto('outbox_read_dates').values({ owner_id: o.owner, peer_type: peer.type, peer_id: peer.id, max_id: o.maxId, date }).execute();
        await tx
          .deleteFrom('outbox_read_dates')
          .where('owner_id', '=', o.owner)
          .where('peer_type', '=', peer.type)
          .where('peer_id', '=', peer.id)
          .where('date', '<', date - READ_DATE_EXPIRE_PERIOD)
          .execute();
      }
    });
  }

  /** messages.getOutboxReadDate for the owner's outgoing message `msgId` in the private chat with `peer`. */
  async outboxReadDate(owner: bigint, peer: PeerRef, msgId: number): Promise<number> {
    if (peer.type !== PEER_USER || peer.id === owner) throw RpcError.badRequest('PEER_ID_INVALID');
    const msg = await this.deps.db
      .selectFrom('message_boxes')
      .select(['date', 'out'])
      .where('owner_id', '=', owner)
      .where('id', '=', msgId)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .executeTakeFirst();
    if (!msg || Number(msg.out) !== 1) throw RpcError.badRequest('MESSAGE_ID_INVALID');
    if (Number(msg.date) < this.seconds() - READ_DATE_EXPIRE_PERIOD) throw RpcError.badRequest('MESSAGE_TOO_OLD');
    if (this.deps.privacy) {
      if (!(await this.deps.privacy.allows(peer.id, 'statusTimestamp', owner))) throw new RpcError(403, 'USER_PRIVACY_RESTRICTED');
      if (!(await this.deps.privacy.allows(owner, 'statusTimestamp', peer.id))) throw new RpcError(403, 'YOUR_PRIVACY_RESTRICTED');
    }
    const r = await this.deps.db
      .selectFrom('outbox_read_dates')
      .select('date')
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .where('max_id', '>=', msgId)
      .orderBy('max_id', 'asc')
      .limit(1)
      .executeTakeFirst();
    if (!r) throw RpcError.badRequest('MESSAGE_NOT_READ_YET');
    return Number(r.date);
  }
}
