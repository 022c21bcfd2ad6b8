// Cloud drafts (core.telegram.org/api/drafts): one per dialog, saved by messages.saveDraft, shown in
// dialogs, and synced to the user's other devices with updateDraftMessage (no pts: drafts are not part of
// the message history, and the latest state is all a device needs).
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import { decodeTl, decodeTlList, encodeTl, encodeTlList } from '../infra/db/tl-columns.js';
import { MAX_MESSAGE_LENGTH, type Caller, type UserViewSource } from './messaging.js';
import { PEER_USER, peerKey, peerTl, type PeerRef, type PeerType } from './peer.js';
import { updatesContainer, type SyncChannel } from './sync.js';

const FLAG_NO_WEBPAGE = 1;
const FLAG_INVERT_MEDIA = 2;

export interface DraftInput {
  message: string;
  entities?: TlType<'MessageEntity'>[];
  replyTo?: TlType<'InputReplyTo'>;
  noWebpage?: boolean;
  invertMedia?: boolean;
}

export interface StoredDraft {
  peer: PeerRef;
  draft: TlType<'DraftMessage'>;
}

export interface DraftDeps {
  db: Kysely<Tables>;
  sync: SyncChannel;
  userViews: UserViewSource;
  now(): number;
}

type N = number | bigint;

function draftTl(r: { date: N; message: string; entities: Buffer | null; reply_to: Buffer | null; flags: N }): Obj<'draftMessage'> {
  const flags = Number(r.flags);
  return {
    _: 'draftMessage',
    noWebpage: (flags & FLAG_NO_WEBPAGE) !== 0 || undefined,
    invertMedia: (flags & FLAG_INVERT_MEDIA) !== 0 || undefined,
    // The columns hold what save() encoded from the typed DraftInput: the table is the contract.
    replyTo: decodeTl(r.reply_to) as TlType<'InputReplyTo'> | undefined,
    message: r.message,
    entities: decodeTlList(r.entities) as TlType<'MessageEntity'>[] | undefined,
    date: Number(r.date),
  };
}

/** Entities that fit the text (UTF-16 offsets); the rest are dropped as sendMessage does. */
function fittingEntities(message: string, entities: TlType<'MessageEntity'>[] | undefined): TlType<'MessageEntity'>[] | undefined {
  const ok = entities?.filter((e) => {
    const { offset, length } = e;
    return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length > 0 && offset + length <= message.length;
  });
  return ok && ok.length > 0 ? ok : undefined;
}

export class DraftService {
  constructor(private readonly deps: DraftDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  // One dialog's row; typed loosely since it serves update and delete builders alike.
  private where(q: any, owner: bigint, peer: PeerRef): any {
    return q.where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id);
  }

  /** messages.saveDraft: an empty text without a reply clears the draft. */
  async save(caller: Caller, peer: PeerRef, input: DraftInput): Promise<void> {
    if (input.message.length > MAX_MESSAGE_LENGTH) throw RpcError.badRequest('MESSAGE_TOO_LONG');
    if (input.message.trim() === '' && !input.replyTo) {
      await this.clear(caller, peer, { always: true });
      return;
    }
    const date = this.seconds();
    const row = {
      date,
      message: input.message,
      entities: encodeTlList(fittingEntities(input.message, input.entities)),
      reply_to: encodeTl(input.replyTo),
      flags: (input.noWebpage ? FLAG_NO_WEBPAGE : 0) | (input.invertMedia ? FLAG_INVERT_MEDIA : 0),
    };
    const owner = caller.userId;
    await this.deps.db.transaction().execute(async (tx) => {
      const res = await this.where(tx.updateTable('drafts').set(row), owner, peer).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) await tx.insertInto('drafts').values({ owner_id: owner, peer_type: peer.type, peer_id: peer.id, ...row }).execute();
    });
    await this.announce(caller, [{ peer, draft: draftTl(row) }], date);
  }

  /**
   * Removes the dialog's draft (sendMessage with clear_draft, or an empty saveDraft); the other devices
   * learn it only when there was one, unless `always` (an explicit saveDraft is always echoed).
   */
  async clear(caller: Caller, peer: PeerRef, opts: { always?: boolean } = {}): Promise<void> {
    const res = await this.where(this.deps.db.deleteFrom('drafts'), caller.userId, peer).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0 && !opts.always) return;
    const date = this.seconds();
    await this.announce(caller, [{ peer, draft: { _: 'draftMessageEmpty', date } }], date);
  }

  /** messages.clearAllDrafts. */
  async clearAll(caller: Caller): Promise<void> {
    const had = await this.all(caller.userId);
    if (had.length === 0) return;
    await this.deps.db.deleteFrom('drafts').where('owner_id', '=', caller.userId).execute();
    const date = this.seconds();
    await this.announce(caller, had.map((d) => ({ peer: d.peer, draft: { _: 'draftMessageEmpty', date } })), date);
  }

  /** Every draft of the owner, newest first. */
  async all(owner: bigint): Promise<StoredDraft[]> {
    const rows = await this.deps.db.selectFrom('drafts').selectAll().where('owner_id', '=', owner).orderBy('date', 'desc').execute();
    return rows.map((r) => ({ peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id }, draft: draftTl(r) }));
  }

  /** messages.getAllDrafts: updates with one updateDraftMessage per draft. */
  async allAsUpdates(owner: bigint): Promise<Obj<'updates'>> {
    const drafts = await this.all(owner);
    const users = await this.deps.userViews.many(owner, usersOf(drafts));
    return updatesContainer(drafts.map((d) => draftUpdate(d)), users, this.seconds());
  }

  /** The drafts of these dialogs, by peerKey. */
  async forPeers(owner: bigint, peers: readonly PeerRef[]): Promise<Map<string, Obj<'draftMessage'>>> {
    const out = new Map<string, Obj<'draftMessage'>>();
    if (peers.length === 0) return out;
    const rows = await this.deps.db
      .selectFrom('drafts')
      .selectAll()
      .where('owner_id', '=', owner)
      .where((eb) => eb.or(peers.map((p) => eb.and([eb('peer_type', '=', p.type), eb('peer_id', '=', p.id)]))))
      .execute();
    for (const r of rows) out.set(peerKey({ type: Number(r.peer_type) as PeerType, id: r.peer_id }), draftTl(r));
    return out;
  }

  private async announce(caller: Caller, drafts: StoredDraft[], date: number): Promise<void> {
    const users = await this.deps.userViews.many(caller.userId, usersOf(drafts));
    await this.deps.sync.publish([{ userId: caller.userId, updates: updatesContainer(drafts.map(draftUpdate), users, date), except: caller.session }]);
  }
}

function draftUpdate(d: StoredDraft): Obj<'updateDraftMessage'> {
  return { _: 'updateDraftMessage', peer: peerTl(d.peer), draft: d.draft };
}

function usersOf(drafts: readonly StoredDraft[]): bigint[] {
  return [...new Set(drafts.filter((d) => d.peer.type === PEER_USER).map((d) => d.peer.id))];
}
