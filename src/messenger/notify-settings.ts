// Notification settings (core.telegram.org/api/notifications): per peer, and the defaults for all
// private chats, all groups and all channels. A peer's settings only hold what the user set; unset
// fields mean "as the default of its kind", which clients resolve themselves.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { Obj, TlType } from '../tl/index.js';
import { decodeTl, encodeTl } from '../infra/db/tl-columns.js';
import type { Caller } from './messaging.js';
import { PEER_CHANNEL, PEER_CHAT, peerKey, peerTl, type PeerRef, type PeerType } from './peer.js';
import { updatesContainer, type SyncChannel } from './sync.js';

export const SCOPE_PEER = 0;
export const SCOPE_USERS = 1;
export const SCOPE_CHATS = 2;
export const SCOPE_BROADCASTS = 3;

export type NotifyScope = { scope: typeof SCOPE_PEER; peer: PeerRef } | { scope: typeof SCOPE_USERS | typeof SCOPE_CHATS | typeof SCOPE_BROADCASTS };

export interface NotifyDeps {
  db: Kysely<Tables>;
  sync: SyncChannel;
  now(): number;
}

/** The stored inputPeerNotifySettings as the peerNotifySettings clients read (one sound for every platform). */
export function peerNotifySettingsOf(input: Obj<'inputPeerNotifySettings'> | undefined): Obj<'peerNotifySettings'> {
  if (!input) return { _: 'peerNotifySettings' };
  return {
    _: 'peerNotifySettings',
    showPreviews: input.showPreviews,
    silent: input.silent,
    muteUntil: input.muteUntil,
    iosSound: input.sound,
    androidSound: input.sound,
    otherSound: input.sound,
    storiesMuted: input.storiesMuted,
    storiesHideSender: input.storiesHideSender,
    storiesIosSound: input.storiesSound,
    storiesAndroidSound: input.storiesSound,
    storiesOtherSound: input.storiesSound,
  };
}

/** What a default scope shows before the user changed anything: previews on, not muted. */
function defaultScopeSettings(): Obj<'peerNotifySettings'> {
  return { _: 'peerNotifySettings', showPreviews: true, silent: false, muteUntil: 0 };
}

export function notifyPeerTl(s: NotifyScope): TlType<'NotifyPeer'> {
  switch (s.scope) {
    case SCOPE_PEER:
      return { _: 'notifyPeer', peer: peerTl(s.peer) };
    case SCOPE_USERS:
      return { _: 'notifyUsers' };
    case SCOPE_CHATS:
      return { _: 'notifyChats' };
    case SCOPE_BROADCASTS:
      return { _: 'notifyBroadcasts' };
  }
}

/** The default scope a peer falls under. */
export function scopeOfPeer(peer: PeerRef): NotifyScope {
  if (peer.type === PEER_CHAT) return { scope: SCOPE_CHATS };
  if (peer.type === PEER_CHANNEL) return { scope: SCOPE_BROADCASTS };
  return { scope: SCOPE_USERS };
}

function key(s: NotifyScope): { scope: number; peer_type: number; peer_id: bigint } {
  return s.scope === SCOPE_PEER ? { scope: SCOPE_PEER, peer_type: s.peer.type, peer_id: s.peer.id } : { scope: s.scope, peer_type: 0, peer_id: 0n };
}

/** The settings column holds what update() encoded from an inputPeerNotifySettings: the table is the contract. */
function storedSettings(blob: Uint8Array | null | undefined): Obj<'inputPeerNotifySettings'> | undefined {
  return decodeTl(blob) as Obj<'inputPeerNotifySettings'> | undefined;
}

export class NotifySettingsService {
  constructor(private readonly deps: NotifyDeps) {}

  private async stored(owner: bigint, s: NotifyScope): Promise<Obj<'inputPeerNotifySettings'> | undefined> {
    const k = key(s);
    const row = await this.deps.db
      .selectFrom('notify_settings')
      .select('settings')
      .where('owner_id', '=', owner)
      .where('scope', '=', k.scope)
      .where('peer_type', '=', k.peer_type)
      .where('peer_id', '=', k.peer_id)
      .executeTakeFirst();
    return storedSettings(row?.settings);
  }

  /** account.getNotifySettings. */
  async get(owner: bigint, s: NotifyScope): Promise<Obj<'peerNotifySettings'>> {
    const input = await this.stored(owner, s);
    if (!input && s.scope !== SCOPE_PEER) return defaultScopeSettings();
    return peerNotifySettingsOf(input);
  }

  /** True while the peer (or, without own settings, its default scope) is muted. */
  async isMuted(owner: bigint, peer: PeerRef): Promise<boolean> {
    const now = Math.floor(this.deps.now() / 1000);
    const own = await this.stored(owner, { scope: SCOPE_PEER, peer });
    const until = own?.muteUntil ?? (await this.stored(owner, scopeOfPeer(peer)))?.muteUntil ?? 0;
    return until > now;
  }

  /** account.updateNotifySettings: replaces the scope's settings and tells the user's other devices. */
  async update(caller: Caller, s: NotifyScope, settings: Obj<'inputPeerNotifySettings'>): Promise<void> {
    const input = settings;
    const blob = encodeTl(input)!;
    const k = key(s);
    const owner = caller.userId;
    await this.deps.db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('notify_settings')
        .set({ settings: blob })
        .where('owner_id', '=', owner)
        .where('scope', '=', k.scope)
        .where('peer_type', '=', k.peer_type)
        .where('peer_id', '=', k.peer_id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) await tx.insertInto('notify_settings').values({ owner_id: owner, ...k, settings: blob }).execute();
    });
    await this.announce(caller, [{ scope: s, settings: peerNotifySettingsOf(input) }]);
  }

  /** account.resetNotifySettings: every scope back to its defaults. */
  async reset(caller: Caller): Promise<void> {
    const rows = await this.deps.db.selectFrom('notify_settings').select(['scope', 'peer_type', 'peer_id']).where('owner_id', '=', caller.userId).execute();
    await this.deps.db.deleteFrom('notify_settings').where('owner_id', '=', caller.userId).execute();
    const changed = rows.map((r): NotifyScope => {
      const scope = Number(r.scope);
      if (scope === SCOPE_PEER) return { scope: SCOPE_PEER, peer: { type: Number(r.peer_type) as PeerType, id: r.peer_id } };
      return { scope: scope as typeof SCOPE_USERS };
    });
    await this.announce(
      caller,
      changed.map((s) => ({ scope: s, settings: s.scope === SCOPE_PEER ? peerNotifySettingsOf(undefined) : defaultScopeSettings() })),
    );
  }

  /** The settings of these peers (empty peerNotifySettings when unset), by peerKey. */
  async forPeers(owner: bigint, peers: readonly PeerRef[]): Promise<Map<string, Obj<'peerNotifySettings'>>> {
    const out = new Map<string, Obj<'peerNotifySettings'>>();
    if (peers.length === 0) return out;
    const rows = await this.deps.db
      .selectFrom('notify_settings')
      .select(['peer_type', 'peer_id', 'settings'])
      .where('owner_id', '=', owner)
      .where('scope', '=', SCOPE_PEER)
      .where((eb) => eb.or(peers.map((p) => eb.and([eb('peer_type', '=', p.type), eb('peer_id', '=', p.id)]))))
      .execute();
    for (const r of rows) out.set(peerKey({ type: Number(r.peer_type) as PeerType, id: r.peer_id }), peerNotifySettingsOf(storedSettings(r.settings)));
    return out;
  }

  private async announce(caller: Caller, changes: { scope: NotifyScope; settings: Obj<'peerNotifySettings'> }[]): Promise<void> {
    if (changes.length === 0) return;
    const updates = changes.map((c): Obj<'updateNotifySettings'> => ({ _: 'updateNotifySettings', peer: notifyPeerTl(c.scope), notifySettings: c.settings }));
    await this.deps.sync.publish([{ userId: caller.userId, updates: updatesContainer(updates, [], Math.floor(this.deps.now() / 1000)), except: caller.session }]);
  }
}
