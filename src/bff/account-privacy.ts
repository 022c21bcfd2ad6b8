// account.getPrivacy, account.setPrivacy (core.telegram.org/api/privacy).
import type { Obj } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import { privacyKeyFromInput, privacyKeyObject } from '../service/privacy/keys.js';
import { rulesFromInput, ruleToTl } from '../service/privacy/tl-rules.js';
import { usersNamed, type StoredRule } from '../service/privacy/evaluate.js';
import type { RpcDispatcher } from './registry.js';
import type { AppServices } from './services.js';
import { inputUserId, viewerOf } from './peers.js';

export function registerAccountPrivacy(rpc: RpcDispatcher, services: AppServices): void {
  const { core, privacy, userViews } = services;

  /** account.privacyRules with the users the rules name, as the owner sees them. Chats come with groups. */
  async function privacyRules(owner: bigint, rules: readonly StoredRule[]): Promise<Obj<'account.privacyRules'>> {
    return { _: 'account.privacyRules', rules: rules.map(ruleToTl), chats: [], users: await userViews.many(owner, usersNamed(rules)) };
  }

  rpc.register('account.getPrivacy', async (req, ctx) => {
    const owner = viewerOf(ctx);
    const key = privacyKeyFromInput(req.key);
    return privacyRules(owner, await privacy.rules(owner, key));
  });

  rpc.register('account.setPrivacy', async (req, ctx) => {
    const owner = viewerOf(ctx);
    const key = privacyKeyFromInput(req.key);
    const rules = await rulesFromInput(req.rules, async (inputs) => {
      const ids: bigint[] = [];
      for (const input of inputs) {
        const id = inputUserId(services, owner, input);
        // A user the owner cannot name (wrong access hash) makes the whole rule set invalid.
        if (id === undefined) throw RpcError.badRequest('PRIVACY_VALUE_INVALID');
        if (id !== owner) ids.push(id);
      }
      const known = await core.users.byIds(ids);
      if (known.size !== new Set(ids).size) throw RpcError.badRequest('PRIVACY_VALUE_INVALID');
      return ids;
    });
    await privacy.setRules(owner, key, rules);
    const result = await privacyRules(owner, rules);
    const update: Obj<'updates'> = {
      _: 'updates',
      updates: [{ _: 'updatePrivacy', key: privacyKeyObject(key), rules: result.rules }],
      users: result.users,
      chats: [],
      date: Math.floor(ctx.now() / 1000),
      seq: 0,
    };
    core.push.pushToUser(owner, update, { authKeyId: ctx.authKey.authKey.id, sessionId: ctx.sessionId });
    return result;
  });
}
