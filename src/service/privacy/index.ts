// The privacy area: stores each account's rules (account.setPrivacy) and answers "may this viewer see
// that?" for every user object the server builds. Rules are read far more often than written, so each
// owner's rules are cached in memory as compiled sets and dropped when the owner changes them; with
// several nodes (Redis) the change is broadcast, so every node drops its copy.
import type { Broadcast } from '../../infra/kv/broadcast.js';
import type { CoreServices } from '../core.js';
import type { ContactRelations } from '../contacts/relations.js';
import type { PrivacyKey, PrivacyRules } from './rules.js';
import { compileRules, dependsOnContact, evaluateCompiled, type CompiledRules, type StoredRule } from './evaluate.js';
import { DEFAULT_RULES } from './keys.js';
import { rulesFromJson, rulesToJson } from './tl-rules.js';

/** Owners whose rules stay cached; past this the least recently used are dropped. */
const CACHE_OWNERS = 50_000;

type OwnerRules = Map<PrivacyKey, CompiledRules>;

/**
 * With several nodes, how long a cached entry is trusted: an invalidation missed while a node's
 * subscription was reconnecting is healed after this. One node needs no such limit.
 */
const SHARED_CACHE_TTL_MS = 60_000;

/** The broadcast channel telling every node whose rules changed (the message is the owner's id). */
export const PRIVACY_INVALIDATION_CHANNEL = 'echo:privacy-rules';

const COMPILED_DEFAULTS = new Map<PrivacyKey, CompiledRules>(Object.entries(DEFAULT_RULES).map(([k, rules]) => [k as PrivacyKey, compileRules(rules)]));

export class PrivacyService implements PrivacyRules {
  /** Promises, so concurrent readers share one query and a write in between simply drops the entry. */
  private readonly cache = new Map<bigint, Promise<OwnerRules>>();
  /** When each cached entry was loaded (only with shared invalidations). */
  private readonly loadedAt = new Map<bigint, number>();
  private invalidations: Broadcast | undefined;

  constructor(
    readonly core: CoreServices,
    readonly contacts: ContactRelations,
  ) {
    core.events.on('userDeleted', ({ userId }) => this.clear(userId));
  }

  /**
   * Shares cache invalidations with the other nodes: changes made here are announced on `broadcast`, and
   * announcements from anywhere drop the owner's cached rules here. Resolves once subscribed.
   */
  async shareInvalidations(broadcast: Broadcast): Promise<void> {
    this.invalidations = broadcast;
    await broadcast.subscribe(PRIVACY_INVALIDATION_CHANNEL, (message) => {
      if (/^\d+$/.test(message)) this.drop(BigInt(message));
    });
  }

  async allows(owner: bigint, key: PrivacyKey, viewer: bigint): Promise<boolean> {
    if (owner === viewer) return true;
    const compiled = await this.compiled(owner, key);
    const isContact = dependsOnContact(compiled, viewer) && (await this.contacts.contactsOf(owner, [viewer])).has(viewer);
    return evaluateCompiled(compiled, viewer, isContact);
  }

  /** The owner's rules for `key` as stored (or the defaults). */
  async rules(owner: bigint, key: PrivacyKey): Promise<readonly StoredRule[]> {
    return (await this.compiled(owner, key)).rules;
  }

  async setRules(owner: bigint, key: PrivacyKey, rules: readonly StoredRule[]): Promise<void> {
    const json = rulesToJson(rules);
    const now = Math.floor(this.core.now() / 1000);
    await this.core.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('privacy_rules')
        .set({ rules: json, updated_at: now })
        .where('user_id', '=', owner)
        .where('privacy_key', '=', key)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        await trx.insertInto('privacy_rules').values({ user_id: owner, privacy_key: key, rules: json, updated_at: now }).execute();
      }
    });
    await this.invalidate(owner);
  }

  /** Removes every rule of the owner (account deleted). */
  async clear(owner: bigint): Promise<void> {
    await this.core.db.deleteFrom('privacy_rules').where('user_id', '=', owner).execute();
    await this.invalidate(owner);
  }

  /** Drops the owner's cached rules here and, once the change is committed, on every other node. */
  private async invalidate(owner: bigint): Promise<void> {
    this.drop(owner);
    // The change is stored: a failed announcement must not make it look failed. Other nodes then hold the
    // old rules until their shared-mode entries age out (SHARED_CACHE_TTL_MS).
    await this.invalidations?.publish(PRIVACY_INVALIDATION_CHANNEL, owner.toString()).catch((err: Error) => {
      this.core.log.warn({ err: err.message, owner: owner.toString() }, 'privacy rules invalidation not broadcast');
    });
  }

  private drop(owner: bigint): void {
    this.cache.delete(owner);
    this.loadedAt.delete(owner);
  }

  private async compiled(owner: bigint, key: PrivacyKey): Promise<CompiledRules> {
    const own = await this.load(owner);
    return own.get(key) ?? COMPILED_DEFAULTS.get(key)!;
  }

  private load(owner: bigint): Promise<OwnerRules> {
    let entry = this.cache.get(owner);
    if (entry && this.invalidations && this.core.now() - (this.loadedAt.get(owner) ?? 0) > SHARED_CACHE_TTL_MS) {
      this.drop(owner);
      entry = undefined;
    }
    if (entry) {
      // Re-inserting keeps the Map in least-recently-used order.
      this.cache.delete(owner);
      this.cache.set(owner, entry);
      return entry;
    }
    const pending = this.query(owner);
    pending.catch(() => {
      if (this.cache.get(owner) === pending) this.drop(owner);
    });
    entry = pending;
    this.cache.set(owner, entry);
    if (this.invalidations) this.loadedAt.set(owner, this.core.now());
    if (this.cache.size > CACHE_OWNERS) {
      this.drop(this.cache.keys().next().value!);
    }
    return entry;
  }

  private async query(owner: bigint): Promise<OwnerRules> {
    const rows = await this.core.db.selectFrom('privacy_rules').select(['privacy_key', 'rules']).where('user_id', '=', owner).execute();
    const out: OwnerRules = new Map();
    for (const row of rows) {
      if (!(row.privacy_key in DEFAULT_RULES)) continue;
      out.set(row.privacy_key as PrivacyKey, compileRules(rulesFromJson(row.rules)));
    }
    return out;
  }
}
