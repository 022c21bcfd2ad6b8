// Pinned messages (core.telegram.org/api/pin): a per-owner flag on box copies (BOX_PINNED), so each
// side of a private chat can have its own pins (pm_oneside). Every change is a pts event
// (updatePinnedMessages) in each affected owner's log; pinning for both sides (and always in a basic
// group, for every member) also posts the messageActionPinMessage service message that Telegram shows in
// the chat. In a group only those holding the pin_messages right may pin or unpin.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import { boxStatements, BoxWriter, type Tx } from './box-writer.js';
import { BOX_PINNED, CONTENT_SERVICE } from './message-row.js';
import type { Caller, MessagingService, UserViewSource } from './messaging.js';
import type { GroupDirectory } from './chats/directory.js';
import type { UpdatePusher } from '../contracts/push.js';
import { PEER_CHAT, PEER_USER, peerTl, samePeer, type PeerRef, type PeerType } from './peer.js';
import { updatesContainer, type SyncChannel, type SyncEvent } from './sync.js';

export interface PinDeps {
  db: Kysely<Tables>;
  sync: SyncChannel;
  messaging: Pick<MessagingService, 'send'>;
  userViews: UserViewSource;
  push: Pick<UpdatePusher, 'isOnline'>;
  now(): number;
  /** random_id of the service messages; crypto by default. */
  random?(n: number): Buffer;
  /** Basic groups (src/messenger/chats): who may pin, and the chat objects; without it only private chats have pins. */
  groups?: Pick<GroupDirectory, 'requirePin' | 'chatViews'>;
}

export interface PinOptions {
  unpin?: boolean;
  silent?: boolean;
  pmOneside?: boolean;
}

interface Copy {
  owner: bigint;
  id: number;
  flags: number;
  peer: PeerRef;
}

interface Change {
  owner: bigint;
  peer: PeerRef;
  update: TlType<'Update'>;
  pts: number;
}

type N = number | bigint;
const copyOf = (r: { owner_id: bigint; id: N; flags: N; peer_type: N; peer_id: bigint }): Copy => ({
  owner: r.owner_id,
  id: Number(r.id),
  flags: Number(r.flags),
  peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id },
});

const pinnedBit = sql<number>`flags & ${BOX_PINNED}`;

export class PinService {
  constructor(private readonly deps: PinDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  /** Sets or clears BOX_PINNED on the copies and logs one updatePinnedMessages per owner. */
  private async apply(tx: Tx, copies: readonly Copy[], pinned: boolean, date: number): Promise<Change[]> {
    const byOwner = new Map<bigint, Copy[]>();
    for (const c of copies) {
      if (((c.flags & BOX_PINNED) !== 0) === pinned) continue;
      byOwner.set(c.owner, [...(byOwner.get(c.owner) ?? []), c]);
    }
    if (byOwner.size === 0) return [];
    const w = new BoxWriter(tx, date, boxStatements(this.deps.db));
    await w.loadStates(byOwner.keys());
    const changes: Change[] = [];
    for (const [owner, list] of byOwner) {
      for (const c of list) {
        await tx.updateTable('message_boxes').set({ flags: pinned ? c.flags | BOX_PINNED : c.flags & ~BOX_PINNED }).where('owner_id', '=', owner).where('id', '=', c.id).execute();
      }
      const ids = list.map((c) => c.id).sort((a, b) => a - b);
      const peer = list[0]!.peer;
      const { pts, update } = w.appendUpdate(owner, 1, (p) => ({ _: 'updatePinnedMessages', pinned: pinned || undefined, peer: peerTl(peer), messages: ids, pts: p, ptsCount: 1 }));
      changes.push({ owner, peer, update, pts });
    }
    await w.flush();
    return changes;
  }

  /** Pushes each owner's change; the caller's own comes back for the RPC answer. */
  private async publish(caller: Caller, changes: readonly Change[], date: number): Promise<TlType<'Update'>[]> {
    const events: SyncEvent[] = [];
    let mine: TlType<'Update'>[] = [];
    for (const c of changes) {
      if (c.owner === caller.userId) mine = [c.update];
      if (!this.deps.push.isOnline(c.owner)) continue;
      const users = c.peer.type === PEER_USER ? await this.deps.userViews.many(c.owner, [c.peer.id]) : [];
      events.push({ userId: c.owner, updates: updatesContainer([c.update], users, date, await this.chatsOf(c.owner, c.peer)), except: c.owner === caller.userId ? caller.session : undefined });
    }
    await this.deps.sync.publish(events);
    return mine;
  }

  /** In a basic group: the caller must hold the pin right (CHAT_ADMIN_REQUIRED otherwise). */
  private async requirePinRight(owner: bigint, peer: PeerRef): Promise<void> {
    if (peer.type !== PEER_CHAT) return;
    if (!this.deps.groups) throw RpcError.badRequest('PEER_ID_INVALID');
    await this.deps.groups.requirePin(owner, peer.id);
  }

  /** The chat object of a group peer as `viewer` sees it, for the `chats` of an updates container. */
  private async chatsOf(viewer: bigint, peer: PeerRef): Promise<TlType<'Chat'>[]> {
    return peer.type === PEER_CHAT && this.deps.groups ? this.deps.groups.chatViews(viewer, [peer.id]) : [];
  }

  /** The other owners' copies of these messages (private chats: the other side; groups: every member). */
  private async otherCopies(tx: Tx, owner: bigint, globals: readonly bigint[]): Promise<Copy[]> {
    if (globals.length === 0) return [];
    const rows = await tx
      .selectFrom('message_boxes')
      .select(['owner_id', 'id', 'flags', 'peer_type', 'peer_id'])
      .where('global_id', 'in', [...globals])
      .where('owner_id', '!=', owner)
      .execute();
    return rows.map(copyOf);
  }

  /** messages.updatePinnedMessage: the caller's updates (pin change and, when posted, the service message). */
  async pin(caller: Caller, peer: PeerRef, id: number, opts: PinOptions = {}): Promise<Obj<'updates'>> {
    const owner = caller.userId;
    const pinned = !opts.unpin;
    const saved = peer.type === PEER_USER && peer.id === owner;
    // pm_oneside is for private chats only: a group pin is every member's.
    const bothSides = peer.type === PEER_CHAT || (!opts.pmOneside && !saved);
    await this.requirePinRight(owner, peer);
    const date = this.seconds();
    const changes = await this.deps.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('message_boxes as b')
        .innerJoin('messages as m', 'm.id', 'b.global_id')
        .select(['b.owner_id', 'b.id', 'b.flags', 'b.peer_type', 'b.peer_id', 'b.global_id', 'm.flags as content_flags'])
        .where('b.owner_id', '=', owner)
        .where('b.id', '=', id)
        .executeTakeFirst();
      if (!row) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      const mine = copyOf(row);
      if (!samePeer(mine.peer, peer) || Number(row.content_flags) & CONTENT_SERVICE) throw RpcError.badRequest('MESSAGE_ID_INVALID');
      const copies = [mine, ...(bothSides ? await this.otherCopies(tx, owner, [row.global_id]) : [])];
      return this.apply(tx, copies, pinned, date);
    });
    const updates = await this.publish(caller, changes, date);
    const users = peer.type === PEER_USER ? await this.deps.userViews.many(owner, [peer.id]) : [];
    // The chat shows who pinned what; Telegram posts it for a pin both sides (or all members) see.
    if (pinned && bothSides && changes.length > 0) {
      const [sent] = await this.deps.messaging.send(caller, peer, [
        { randomId: (this.deps.random ?? randomBytes)(8).readBigInt64LE(), message: '', action: { _: 'messageActionPinMessage' }, replyToId: id, silent: opts.silent === true },
      ]);
      if (sent?.own) updates.push(sent.own.update);
    }
    return updatesContainer(updates, users, date, await this.chatsOf(owner, peer));
  }

  /** messages.unpinAllMessages: unpins every pinned message of the chat (for both sides of a private chat). */
  async unpinAll(caller: Caller, peer: PeerRef): Promise<{ pts: number; ptsCount: number; offset: number }> {
    const owner = caller.userId;
    await this.requirePinRight(owner, peer);
    const date = this.seconds();
    const { changes, pts } = await this.deps.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('message_boxes')
        .select(['owner_id', 'id', 'flags', 'peer_type', 'peer_id', 'global_id'])
        .where('owner_id', '=', owner)
        .where('peer_type', '=', peer.type)
        .where('peer_id', '=', peer.id)
        .where(pinnedBit, '!=', 0)
        .execute();
      const saved = peer.type === PEER_USER && peer.id === owner;
      const others = saved ? [] : (await this.otherCopies(tx, owner, rows.map((r) => r.global_id))).filter((c) => (c.flags & BOX_PINNED) !== 0);
      const changes = await this.apply(tx, [...rows.map(copyOf), ...others], false, date);
      const state = await tx.selectFrom('update_state').select('pts').where('user_id', '=', owner).executeTakeFirst();
      return { changes, pts: Number(state?.pts ?? 0) };
    });
    await this.publish(caller, changes, date);
    const mine = changes.find((c) => c.owner === owner);
    return { pts: mine ? mine.pts : pts, ptsCount: mine ? 1 : 0, offset: 0 };
  }

  /** The newest pinned message of the owner's chat with `peer` (userFull/chatFull pinned_msg_id). */
  async pinnedMsgId(owner: bigint, peer: PeerRef): Promise<number | undefined> {
    const r = await this.deps.db
      .selectFrom('message_boxes')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .where(pinnedBit, '!=', 0)
      .executeTakeFirst();
    return r?.id === null || r?.id === undefined ? undefined : Number(r.id);
  }
}
