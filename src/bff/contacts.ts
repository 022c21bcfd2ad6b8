// contacts.* (core.telegram.org/api/contacts): import, list with hash, add, delete, block, search, statuses.
// Every user object comes from userViews, so names, flags, phone and status are as the caller may see them.
import { RpcError } from '../common/rpc-error.js';
import type { Obj, Req, TlType } from '../tl/index.js';
import type { BlockScope } from '../service/contacts/index.js';
import type { UserRecord } from '../service/users/user-store.js';
import type { StoredRule } from '../service/privacy/evaluate.js';
import type { RpcContext } from './context.js';
import { inputUserId, viewerOf } from './peers.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';

export function registerContacts(rpc: RpcDispatcher, services: AppServices): void {
  const { contacts, userViews, privacy, core } = services;

  const me = viewerOf;
  const seconds = (ctx: RpcContext): number => Math.floor(ctx.now() / 1000);
  const peerUser = (userId: bigint): Obj<'peerUser'> => ({ _: 'peerUser', userId });
  const updates = (ctx: RpcContext, list: TlType<'Update'>[], users: Obj<'user'>[]): Obj<'updates'> => ({
    _: 'updates',
    updates: list,
    users,
    chats: [],
    date: seconds(ctx),
    seq: 0,
  });
  /** The caller's other devices learn of the change; the calling session gets it as the result. */
  const toOtherDevices = (ctx: RpcContext, update: Obj<'updates'>): void =>
    core.push.pushToUser(me(ctx), update, { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId });

  /** The user an InputUser names (access_hash checked by peers.ts), or `error`: contacts.* use CONTACT_ID_INVALID. */
  async function inputUser(ctx: RpcContext, input: TlType<'InputUser'>, error: string): Promise<UserRecord> {
    const id = inputUserId(services, me(ctx), input);
    const record = id === undefined ? undefined : await core.users.byId(id);
    if (!record) throw RpcError.badRequest(error);
    return record;
  }

  /** The user an InputPeer names; oneself is CONTACT_ID_INVALID, chats and channels do not exist yet. */
  async function inputPeerUser(ctx: RpcContext, input: TlType<'InputPeer'>): Promise<UserRecord> {
    if (input._ === 'inputPeerSelf') throw RpcError.badRequest('CONTACT_ID_INVALID');
    const id = inputUserId(services, me(ctx), input);
    if (id === me(ctx)) throw RpcError.badRequest('CONTACT_ID_INVALID');
    const record = id === undefined ? undefined : await core.users.byId(id);
    if (!record) throw RpcError.badRequest('PEER_ID_INVALID');
    return record;
  }

  /**
   * add_phone_privacy_exception: the new contact may see the owner's number whatever the phoneNumber rules
   * say, as an "always share with" exception the owner then finds in account.getPrivacy.
   */
  async function sharePhoneWith(owner: bigint, userId: bigint): Promise<void> {
    if (await privacy.allows(owner, 'phoneNumber', userId)) return;
    const rules: StoredRule[] = [];
    let added = false;
    for (const rule of await privacy.rules(owner, 'phoneNumber')) {
      if (rule.kind === 'disallowUsers') {
        const users = rule.users.filter((u) => u !== userId);
        if (users.length > 0) rules.push({ kind: 'disallowUsers', users });
      } else if (rule.kind === 'allowUsers') {
        rules.push({ kind: 'allowUsers', users: [...rule.users, userId] });
        added = true;
      } else rules.push(rule);
    }
    if (!added) rules.unshift({ kind: 'allowUsers', users: [userId] });
    await privacy.setRules(owner, 'phoneNumber', rules);
  }

  rpc.register('contacts.getContacts', async (req, ctx) => {
    const owner = me(ctx);
    const snap = await contacts.snapshot(owner);
    // 0 means "nothing cached": even an empty list (whose hash is 0 too) is sent in full.
    if (req.hash !== 0n && BigInt.asIntN(64, req.hash) === snap.hash) return { _: 'contacts.contactsNotModified' };
    return {
      _: 'contacts.contacts',
      contacts: snap.contacts.map((c) => ({ _: 'contact', userId: c.contactId, mutual: c.mutual })),
      savedCount: snap.savedCount,
      users: await userViews.many(owner, snap.contacts.map((c) => c.contactId)),
    };
  });

  rpc.register('contacts.importContacts', async (req, ctx) => {
    const owner = me(ctx);
    const lines = req.contacts
      .filter((c) => c._ === 'inputPhoneContact')
      .map((c) => ({ clientId: c.clientId, phone: c.phone, firstName: c.firstName, lastName: c.lastName }));
    const result = await contacts.importContacts(owner, lines, { mayFind: (userId) => privacy.allows(userId, 'addedByPhone', owner) });
    return {
      _: 'contacts.importedContacts',
      imported: result.imported.map((i) => ({ _: 'importedContact', userId: i.userId, clientId: i.clientId })),
      popularInvites: [],
      retryContacts: result.retry,
      users: await userViews.many(owner, result.imported.map((i) => i.userId)),
    };
  });

  rpc.register('contacts.addContact', async (req, ctx) => {
    const owner = me(ctx);
    const target = await inputUser(ctx, req.id, 'CONTACT_ID_INVALID');
    await contacts.addContact(owner, target, { firstName: req.firstName, lastName: req.lastName, phone: req.phone });
    if (req.addPhonePrivacyException) await sharePhoneWith(owner, target.id);
    const users = await userViews.many(owner, [target.id]);
    // An empty peerSettings takes down the "add contact" bar of the chat, as Telegram's answer does.
    const result = updates(ctx, [{ _: 'updatePeerSettings', peer: peerUser(target.id), settings: { _: 'peerSettings' } }], users);
    toOtherDevices(ctx, result);
    return result;
  });

  rpc.register('contacts.deleteContacts', async (req, ctx) => {
    const owner = me(ctx);
    const targets: bigint[] = [];
    for (const input of req.id) targets.push((await inputUser(ctx, input, 'CONTACT_ID_INVALID')).id);
    const removed = await contacts.deleteContacts(owner, targets);
    const result = updates(ctx, [], await userViews.many(owner, removed));
    if (removed.length > 0) toOtherDevices(ctx, result);
    return result;
  });

  rpc.register('contacts.deleteByPhones', async (req, ctx) => {
    const owner = me(ctx);
    const removed = await contacts.deleteByPhones(owner, req.phones);
    if (removed.length > 0) toOtherDevices(ctx, updates(ctx, [], await userViews.many(owner, removed)));
    return true;
  });

  async function setBlocked(req: Req<'contacts.block'> | Req<'contacts.unblock'>, ctx: RpcContext, block: boolean): Promise<boolean> {
    const owner = me(ctx);
    const target = await inputPeerUser(ctx, req.id);
    const scope: BlockScope = req.myStoriesFrom ? 'stories' : 'all';
    const changed = block ? await contacts.block(owner, target.id, scope) : await contacts.unblock(owner, target.id, scope);
    if (changed) {
      const update: Obj<'updatePeerBlocked'> = { _: 'updatePeerBlocked', ...(await contacts.blockFlags(owner, target.id)), peerId: peerUser(target.id) };
      toOtherDevices(ctx, updates(ctx, [update], await userViews.many(owner, [target.id])));
    }
    return true;
  }

  rpc.register('contacts.block', (req, ctx) => setBlocked(req, ctx, true));
  rpc.register('contacts.unblock', (req, ctx) => setBlocked(req, ctx, false));

  rpc.register('contacts.getBlocked', async (req, ctx) => {
    const owner = me(ctx);
    const offset = Math.max(0, req.offset);
    const page = await contacts.blocked(owner, req.myStoriesFrom ? 'stories' : 'all', offset, req.limit);
    const blocked = page.entries.map((e): Obj<'peerBlocked'> => ({ _: 'peerBlocked', peerId: peerUser(e.peerId), date: e.date }));
    const users = await userViews.many(owner, page.entries.map((e) => e.peerId));
    if (offset === 0 && page.entries.length === page.count) return { _: 'contacts.blocked', blocked, chats: [], users };
    return { _: 'contacts.blockedSlice', count: page.count, blocked, chats: [], users };
  });

  rpc.register('contacts.search', async (req, ctx) => {
    const owner = me(ctx);
    const found = await contacts.search(owner, req.q, req.limit);
    return {
      _: 'contacts.found',
      myResults: found.mine.map(peerUser),
      results: found.others.map(peerUser),
      chats: [],
      users: await userViews.many(owner, [...found.mine, ...found.others]),
    };
  });

  rpc.register('contacts.getStatuses', async (_req, ctx) => {
    const owner = me(ctx);
    const list = await contacts.list(owner);
    const records = await core.users.byIds(list.map((c) => c.contactId));
    const presence = await userViews.presence([...records.keys()]);
    const out: Obj<'contactStatus'>[] = [];
    for (const c of list) {
      const record = records.get(c.contactId);
      if (!record || record.deleted) continue;
      out.push({ _: 'contactStatus', userId: record.id, status: await userViews.status(owner, record, presence) });
    }
    return out;
  });

  rpc.register('contacts.resetSaved', async (_req, ctx) => {
    await contacts.resetSaved(me(ctx));
    return true;
  });

  rpc.register('contacts.getSaved', async (_req, ctx) => {
    const saved = await contacts.savedPhoneBook(me(ctx));
    return saved.map((e) => ({ _: 'savedPhoneContact', phone: e.phone, firstName: e.firstName, lastName: e.lastName, date: e.createdAt }));
  });
}
