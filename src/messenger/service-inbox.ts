// Messages that exist in one box only: the login code from the service account 777000 and the
// "contact joined" notice. Telegram keeps no sender-side copy of these, so they bypass the conversation
// fan-out of MessageStore.send and write one copy (box, dialog, update log) in one transaction.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { TlType } from '../tl/index.js';
import { encodeTl, encodeTlList } from '../infra/db/tl-columns.js';
import { boxStatements, BoxWriter } from './box-writer.js';
import { CONTENT_SERVICE, messageTl, userIdsOf, type MessageRow } from './message-row.js';
import type { PeerRef } from './peer.js';
import { updatesContainer, type SyncChannel } from './sync.js';
import type { UserViewSource } from './messaging.js';
import type { UpdatePusher } from '../contracts/push.js';

export interface InboundMessage {
  /** The box it goes to. */
  owner: bigint;
  /** The chat from the owner's side. */
  peer: PeerRef;
  author: bigint;
  message?: string;
  entities?: TlType<'MessageEntity'>[];
  /** A service message with this action instead of text. */
  action?: TlType<'MessageAction'>;
}

export interface ServiceInboxDeps {
  db: Kysely<Tables>;
  sync: SyncChannel;
  userViews: UserViewSource;
  push: Pick<UpdatePusher, 'isOnline'>;
  now(): number;
}

export class ServiceInbox {
  constructor(private readonly deps: ServiceInboxDeps) {}

  /** Stores the message in the owner's box and pushes it to the owner's online sessions; returns its id. */
  async deliver(m: InboundMessage): Promise<{ id: number; pts: number }> {
    const date = Math.floor(this.deps.now() / 1000);
    const copy = await this.deps.db.transaction().execute(async (tx) => {
      const w = new BoxWriter(tx, date, boxStatements(this.deps.db));
      await w.loadStates([m.owner]);
      const gid = await w.nextGlobalIds(1);
      const flags = m.action ? CONTENT_SERVICE : 0;
      const entities = encodeTlList(m.entities);
      const media = encodeTl(m.action);
      const message = m.action ? '' : (m.message ?? '');
      w.addContent({ id: gid, author_id: m.author, date, message, entities, media, fwd_from: null, grouped_id: null, flags });
      const id = w.nextMessageId(m.owner);
      const row: MessageRow = { ownerId: m.owner, id, globalId: gid, peer: m.peer, out: false, date, replyToId: null, boxFlags: 0, authorId: m.author, editDate: 0, message, entities, media, fwdFrom: null, groupedId: null, flags };
      w.addBox({ owner_id: m.owner, id, global_id: gid, peer_type: m.peer.type, peer_id: m.peer.id, out: 0, date, reply_to_id: null, flags: 0 });
      w.bumpDialog(m.owner, m.peer, id, date, 1);
      const { pts, update } = w.appendUpdate(m.owner, 1, (p) => ({ _: 'updateNewMessage', message: messageTl(row), pts: p, ptsCount: 1 }));
      await w.flush();
      return { row, pts, update };
    });
    if (this.deps.push.isOnline(m.owner)) {
      const ids = new Set<bigint>();
      userIdsOf(copy.row, ids);
      const users = await this.deps.userViews.many(m.owner, [...ids]);
      await this.deps.sync.publish([{ userId: m.owner, updates: updatesContainer([copy.update], users, date) }]);
    }
    return { id: copy.row.id, pts: copy.pts };
  }
}
