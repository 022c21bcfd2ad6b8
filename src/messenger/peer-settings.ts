// The action bar of a chat (messages.getPeerSettings, core.telegram.org/constructor/peerSettings):
// "add contact" / "block" / "report spam" for someone who is not a contact, until the owner dismisses it
// with messages.hidePeerSettingsBar.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { Obj } from '../tl/index.js';
import type { ContactRelations } from '../service/contacts/relations.js';
import { SERVICE_USER_ID } from '../service/authsession/service-account.js';
import { PEER_USER, type PeerRef } from './peer.js';

export interface PeerSettingsDeps {
  db: Kysely<Tables>;
  contacts: Pick<ContactRelations, 'contactsOf' | 'isBlocked'>;
}

export class PeerSettingsService {
  constructor(private readonly deps: PeerSettingsDeps) {}

  private async hidden(owner: bigint, peer: PeerRef): Promise<boolean> {
    const r = await this.deps.db
      .selectFrom('peer_settings_hidden')
      .select('owner_id')
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Does the owner's chat with `peer` hold messages in direction `out`? */
  private async has(owner: bigint, peer: PeerRef, out: boolean): Promise<boolean> {
    const r = await this.deps.db
      .selectFrom('message_boxes')
      .select('id')
      .where('owner_id', '=', owner)
      .where('peer_type', '=', peer.type)
      .where('peer_id', '=', peer.id)
      .where('out', '=', out ? 1 : 0)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** peerSettings for the owner's chat with `peer`. */
  async settings(owner: bigint, peer: PeerRef): Promise<Obj<'peerSettings'>> {
    const none: Obj<'peerSettings'> = { _: 'peerSettings' };
    if (peer.type !== PEER_USER || peer.id === owner || peer.id === SERVICE_USER_ID) return none;
    if (await this.hidden(owner, peer)) return none;
    const contact = (await this.deps.contacts.contactsOf(owner, [peer.id])).has(peer.id);
    if (contact) return none;
    const blocked = await this.deps.contacts.isBlocked(owner, peer.id);
    // Spam is what arrives unasked: the other side wrote and the owner never answered.
    const unsolicited = !blocked && (await this.has(owner, peer, false)) && !(await this.has(owner, peer, true));
    return { _: 'peerSettings', reportSpam: unsolicited || undefined, addContact: true, blockContact: !blocked || undefined };
  }

  /** messages.hidePeerSettingsBar. */
  async hide(owner: bigint, peer: PeerRef): Promise<void> {
    if (await this.hidden(owner, peer)) return;
    try {
      await this.deps.db.insertInto('peer_settings_hidden').values({ owner_id: owner, peer_type: peer.type, peer_id: peer.id }).execute();
    } catch (err) {
      // A concurrent call inserted it first.
      if (!(await this.hidden(owner, peer))) throw err;
    }
  }
}
