// The user's own arrangement of the dialog list (core.telegram.org/api/folders, /api/pin): pinned dialogs
// and their order per folder, the "marked as unread" flag, and the archive (peer folder 1). These change
// only the owner's dialogs rows; pin order and unread marks reach the other devices as pts-less updates,
// moving between folders is a pts event (updateFolderPeers) like Telegram's.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Obj, TlType } from '../tl/index.js';
import { boxStatements, BoxWriter } from './box-writer.js';
import type { Caller } from './messaging.js';
import { peerKey, peerTl, type PeerRef, type PeerType } from './peer.js';
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

  private dialog(owner: bigint, peer: PeerRef) {
    return this.deps.db
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

  private async setColumns(owner: bigint, peer: PeerRef, values: { pinned?: number; unread_mark?: number; folder_id?: number }): Promise<void> {
    await this.deps.db.updateTable('dialogs').set(values).where('owner_id', '=', owner).where('peer_type', '=', peer.type).where('peer_id', '=', peer.id).execute();
  }

  private async tellOthers(caller: Caller, updates: TlType<'Update'>[]): Promise<void> {
    await this.deps.sync.publish([{ userId: caller.userId, updates: updatesContainer(updates, [], this.seconds()), except: caller.session }]);
  }

  /** The pinned dialogs of a folder, top first. */
  async pinnedPeers(owner: bigint, folderId: number): Promise<PeerRef[]> {
    const rows = await this.deps.db
      .selectFrom('dialogs')
      .select(['peer_type', 'peer_id'])
      .where('owner_id', '=', owner)
      .where('folder_id', '=', folderId)
      .where('pinned', '>', 0)
      .orderBy('pinned', 'desc')
      .execute();
    return rows.map((r) => ({ type: Number(r.peer_type) as PeerType, id: r.peer_id }));
  }

  /** messages.toggleDialogPin: a newly pinned dialog goes to the top of its folder's pinned list. */
  async togglePin(caller: Caller, peer: PeerRef, pinned: boolean): Promise<void> {
    const owner = caller.userId;
    const d = await this.requireDialog(owner, peer);
    if (pinned === d.pinned > 0) return;
    if (pinned) {
      const current = await this.pinnedPeers(owner, d.folderId);
      if (current.length >= PINNED_LIMITS[d.folderId]!) throw RpcError.badRequest('PINNED_DIALOGS_TOO_MUCH');
      const top = await this.deps.db
        .selectFrom('dialogs')
        .select((eb) => eb.fn.max('pinned').as('m'))
        .where('owner_id', '=', owner)
        .where('folder_id', '=', d.folderId)
        .executeTakeFirst();
      await this.setColumns(owner, peer, { pinned: Number(top?.m ?? 0) + 1 });
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
        const p = final[i]!;
        await tx.updateTable('dialogs').set({ pinned: final.length - i }).where('owner_id', '=', owner).where('peer_type', '=', p.type).where('peer_id', '=', p.id).execute();
      }
      if (force) {
        for (const p of rest) await tx.updateTable('dialogs').set({ pinned: 0 }).where('owner_id', '=', owner).where('peer_type', '=', p.type).where('peer_id', '=', p.id).execute();
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
    return rows.map((r) => dialogPeerTl({ type: Number(r.peer_type) as PeerType, id: r.peer_id }));
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
        const d = await tx
          .selectFrom('dialogs')
          .select(['folder_id'])
          .where('owner_id', '=', owner)
          .where('peer_type', '=', m.peer.type)
          .where('peer_id', '=', m.peer.id)
          .executeTakeFirst();
        if (!d) throw RpcError.badRequest('PEER_ID_INVALID');
        if (Number(d.folder_id) === m.folderId) continue;
        await tx.updateTable('dialogs').set({ folder_id: m.folderId, pinned: 0 }).where('owner_id', '=', owner).where('peer_type', '=', m.peer.type).where('peer_id', '=', m.peer.id).execute();
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
