// The user's own arrangement of the dialog list (core.telegram.org/api/folders, /api/pin): pinned dialogs
// and their order per folder, the "marked as unread" flag, and the archive (peer folder 1). These change
// only the owner's dialogs rows; pin order and unread marks reach the other devices as pts-less updates,
// moving between folders is a pts event (updateFolderPeers) like Telegram's. A channel dialog keeps the same
// three settings on the member's participant row (channel_participants), so pin order spans both tables.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import { boxStatements, BoxWriter } from './box-writer.js';
import type { Caller } from './messaging.js';
import { PEER_CHANNEL, peerKey, peerTl, type PeerRef, type PeerType } from './peer.js';
import { updatesContainer, type SyncChannel } from './sync.js';

export const FOLDER_MAIN = 0;
export const FOLDER_ARCHIVE = 1;

/** Telegram's non-premium limits: pinned_dialogs_count_max and pinned_infolder_count_max. */
export const PINNED_LIMITS: Readonly<Record<number, number>> = { [FOLDER_MAIN]: 5, [FOLDER_ARCHIVE]: 100 };

export interface DialogSettingsDeps {
  db: Kysely<Tables>;
  sync: SyncChannel;
  now(): number;
}

export function checkFolder(folderId: number): number {
  if (folderId !== FOLDER_MAIN && folderId !== FOLDER_ARCHIVE) throw RpcError.badRequest('FOLDER_ID_INVALID');
  return folderId;
}

export const dialogPeerTl = (p: PeerRef): Obj<'dialogPeer'> => ({ _: 'dialogPeer', peer: peerTl(p) });

export class DialogSettings {
  constructor(private readonly deps: DialogSettingsDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  private async dialog(owner: bigint, peer: PeerRef, db: Kysely<Tables> = this.deps.db): Promise<{ pinned: unknown; folder_id: unknown; unread_mark: unknown } | undefined> {
    if (peer.type === PEER_CHANNEL) {
      // Only a current member has a dialog of the channel.
      return db.selectFrom('channel_participants').select(['pinned', 'folder_id', 'unread_mark']).where('user_id', '=', owner).where('channel_id', '=', peer.id).where('active', '=', 1).executeTakeFirst();
    }
    return db
      .selectFrom('dialogs')
      .select(['pinned', 'folder_id', 'unread_mark'])
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .executeTakeFirst();
  }

  private async requireDialog(owner: bigint, peer: PeerRef) {
    const d = await this.dialog(owner, peer);
    if (!d) throw RpcError.badRequest('PEER_ID_INVALID');
    return { pinned: Number(d.pinned), folderId: Number(d.folder_id), unreadMark: Number(d.unread_mark) !== 0 };
  }

  private async setColumns(owner: bigint, peer: PeerRef, values: { pinned?: number; unread_mark?: number; folder_id?: number }, db: Kysely<Tables> = this.deps.db): Promise<void> {
    if (peer.type === PEER_CHANNEL) {
      await db.updateTable('channel_participants').set(values).where('user_id', '=', owner).where('channel_id', '=', peer.id).execute();
      return;
    }
    await db.updateTable('dialogs').set(values).where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id).execute();
  }

  private async tellOthers(caller: Caller, updates: TlType<'Update'>[]): Promise<void> {
    await this.deps.sync.publish([{ userId: caller.userId, updates: updatesContainer(updates, [], this.seconds()), except: caller.session }]);
  }

  /** The pinned dialogs of a folder, top first. */
  async pinnedPeers(owner: bigint, folderId: number): Promise<PeerRef[]> {
    return (await this.pinnedRanks(owner, folderId)).map((r) => r.peer);
  }

  /** The pinned dialogs of a folder with their rank (higher: nearer the top), box dialogs and channels merged. */
  async pinnedRanks(owner: bigint, folderId: number): Promise<{ peer: PeerRef; rank: number }[]> {
    const [rows, channels] = await Promise.all([
      this.deps.db.selectFrom('dialogs').select(['peer_type', 'peer_id', 'pinned']).where('owner_id', '=', owner).where('folder_id', '=', folderId).where('pinned', '>', 0).execute(),
      this.deps.db.selectFrom('channel_participants').select(['channel_id', 'pinned']).where('user_id', '=', owner).where('active', '=', 1).where('folder_id', '=', folderId).where('pinned', '>', 0).execute(),
    ]);
    const all = [
      ...rows.map((r) => ({ peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id }, rank: Number(r.pinned) })),
      ...channels.map((r) => ({ peer: { type: PEER_CHANNEL as PeerType, id: r.channel_id }, rank: Number(r.pinned) })),
    ];
    return all.sort((a, b) => b.rank - a.rank);
  }

  /** messages.toggleDialogPin: a newly pinned dialog goes to the top of its folder's pinned list. */
  async togglePin(caller: Caller, peer: PeerRef, pinned: boolean): Promise<void> {
    const owner = caller.userId;
    const d = await this.requireDialog(owner, peer);
    if (pinned === d.pinned > 0) return;
    if (pinned) {
      const current = await this.pinnedPeers(owner, d.folderId);
      if (current.length >= PINNED_LIMITS[d.folderId]!) throw RpcError.badRequest('PINNED_DIALOGS_TOO_MUCH');
      const top = Math.max(0, ...(await this.pinnedRanks(owner, d.folderId)).map((r) => r.rank));
      await this.setColumns(owner, peer, { pinned: top + 1 });
    } else {
      await this.setColumns(owner, peer, { pinned: 0 });
    }
    await this.tellOthers(caller, [{ _: 'updateDialogPinned', pinned: pinned || undefined, folderId: d.folderId !== FOLDER_MAIN ? d.folderId : undefined, peer: dialogPeerTl(peer) }]);
  }

  /**
   * messages.reorderPinnedDialogs: `order` first, in that order; pinned dialogs missing from it follow
   * (or, with `force`, are unpinned). Peers in `order` that are not pinned dialogs of the folder are ignored.
   */
  async reorderPinned(caller: Caller, folderId: number, order: readonly PeerRef[], force: boolean): Promise<void> {
    const owner = caller.userId;
    checkFolder(folderId);
    const current = await this.pinnedPeers(owner, folderId);
    const pinnedKeys = new Map(current.map((p) => [peerKey(p), p]));
    const seen = new Set<string>();
    const listed: PeerRef[] = [];
    for (const p of order) {
      const k = peerKey(p);
      if (pinnedKeys.has(k) && !seen.has(k)) {
        seen.add(k);
        listed.push(p);
      }
    }
    const rest = current.filter((p) => !seen.has(peerKey(p)));
    const final = force ? listed : [...listed, ...rest];
    await this.deps.db.transaction().execute(async (tx) => {
      for (let i = 0; i < final.length; i++) {
        await this.setColumns(owner, final[i]!, { pinned: final.length - i }, tx);
      }
      if (force) {
        for (const p of rest) await this.setColumns(owner, p, { pinned: 0 }, tx);
      }
    });
    await this.tellOthers(caller, [{ _: 'updatePinnedDialogs', folderId: folderId !== FOLDER_MAIN ? folderId : undefined, order: final.map(dialogPeerTl) }]);
  }

  /** messages.markDialogUnread. */
  async markUnread(caller: Caller, peer: PeerRef, unread: boolean): Promise<void> {
    const d = await this.requireDialog(caller.userId, peer);
    if (d.unreadMark === unread) return;
    await this.setColumns(caller.userId, peer, { unread_mark: unread ? 1 : 0 });
    await this.tellOthers(caller, [{ _: 'updateDialogUnreadMark', unread: unread || undefined, peer: dialogPeerTl(peer) }]);
  }

  /** messages.getDialogUnreadMarks. */
  async unreadMarks(owner: bigint): Promise<Obj<'dialogPeer'>[]> {
    const rows = await this.deps.db.selectFrom('dialogs').select(['peer_type', 'peer_id']).where('owner_id', '=', owner).where('unread_mark', '=', 1).execute();
    const channels = await this.deps.db.selectFrom('channel_participants').select(['channel_id']).where('user_id', '=', owner).where('active', '=', 1).where('unread_mark', '=', 1).execute();
    return [...rows.map((r) => dialogPeerTl({ type: Number(r.peer_type) as PeerType, id: r.peer_id })), ...channels.map((r) => dialogPeerTl({ type: PEER_CHANNEL, id: r.channel_id }))];
  }

  /** Reading a dialog clears its unread mark (as Telegram does); the owner's devices are told. */
  async clearUnreadMark(caller: Caller, peer: PeerRef): Promise<void> {
    const d = await this.dialog(caller.userId, peer);
    if (!d || Number(d.unread_mark) === 0) return;
    await this.setColumns(caller.userId, peer, { unread_mark: 0 });
    await this.deps.sync.publish([{ userId: caller.userId, updates: updatesContainer([{ _: 'updateDialogUnreadMark', peer: dialogPeerTl(peer) }], [], this.seconds()) }]);
  }

  /**
   * folders.editPeerFolders: moves dialogs between the main list and the archive. A moved dialog leaves
   * its old folder's pinned list. Returns the caller's updates (updateFolderPeers with a pts).
   */
  async editFolders(caller: Caller, moves: readonly { peer: PeerRef; folderId: number }[]): Promise<Obj<'updates'>> {
    const owner = caller.userId;
    for (const m of moves) checkFolder(m.folderId);
    const date = this.seconds();
    const update = await this.deps.db.transaction().execute(async (tx) => {
      const changed: { peer: PeerRef; folderId: number }[] = [];
      for (const m of moves) {
        const d = await this.dialog(owner, m.peer, tx);
        if (!d) throw RpcError.badRequest('PEER_ID_INVALID');
        if (Number(d.folder_id) === m.folderId) continue;
        await this.setColumns(owner, m.peer, { folder_id: m.folderId, pinned: 0 }, tx);
        changed.push(m);
      }
      if (changed.length === 0) return undefined;
      const w = new BoxWriter(tx, date, boxStatements(this.deps.db));
      await w.loadStates([owner]);
      const { update } = w.appendUpdate(owner, 1, (pts) => ({
        _: 'updateFolderPeers',
        folderPeers: changed.map((c) => ({ _: 'folderPeer', peer: peerTl(c.peer), folderId: c.folderId })),
        pts,
        ptsCount: 1,
      }));
      await w.flush();
      return update;
    });
    const answer = updatesContainer(update ? [update] : [], [], date);
    if (update) await this.deps.sync.publish([{ userId: owner, updates: answer, except: caller.session }]);
    return answer;
  }
}
