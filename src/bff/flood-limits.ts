// Per-user RPC flood limits by method group, the one table of them (README "Limits"). Each group is a token
// bucket per caller (the signed-in user, else the auth key): `burst` calls at once, then `perSecond`. A call
// over it answers 420 FLOOD_WAIT_X, X being the whole seconds until its tokens are there, as Telegram does;
// clients (GramJS, mtcute, TDLib) sleep X seconds and retry on their own. Only the costly methods are here:
// the others are cheap reads bounded by the connection and session limits. With several nodes the buckets live
// in the shared store (Redis), so a client spreading its calls over the nodes gets the budget once, not per node.
import type { RateLimit, TokenBuckets } from '../common/rate-limiter.js';
import { tokenBuckets } from '../infra/kv/shared-rate-limiter.js';
import type { KeyValueStore } from '../infra/kv/kv.js';
import { RpcError } from '../common/rpc-error.js';
import type { TlObject } from '../tl/index.js';
import type { RpcContext } from './context.js';

export interface MethodGroup {
  methods: readonly string[];
  rate: RateLimit;
  /** Tokens one call takes (default 1); capped at the burst so a call can always pass once the bucket is full. */
  cost?: (request: TlObject) => number;
}

export const METHOD_GROUPS = {
  // Full-text search scans every message of the user (search-as-you-type sends one per keystroke).
  search: { methods: ['messages.search', 'messages.searchGlobal', 'contacts.search'], rate: { burst: 50, perSecond: 5 } },
  // A deep page (large add_offset) reads past every skipped row: it costs one more token per 1000 skipped.
  history: {
    methods: ['messages.getHistory', 'messages.getSavedHistory'],
    rate: { burst: 200, perSecond: 20 },
    cost: (r) => 1 + ('addOffset' in r && typeof r.addOffset === 'number' ? Math.floor(Math.abs(r.addOffset) / 1000) : 0),
  },
  // One token per contact: a phone book at once, then slowly (contact discovery by enumeration is the threat).
  contacts_import: { methods: ['contacts.importContacts'], rate: { burst: 5000, perSecond: 5 }, cost: (r) => ('contacts' in r && Array.isArray(r.contacts) ? Math.max(1, r.contacts.length) : 1) },
  resolve: { methods: ['contacts.resolveUsername'], rate: { burst: 100, perSecond: 5 } },
  // Part calls; their bytes have their own budget (media.uploadRate).
  upload: { methods: ['upload.saveFilePart', 'upload.saveBigFilePart'], rate: { burst: 1000, perSecond: 200 } },
  send: {
    methods: ['messages.sendMessage', 'messages.sendMedia', 'messages.sendMultiMedia', 'messages.forwardMessages', 'messages.sendEncrypted', 'messages.sendEncryptedFile', 'messages.sendEncryptedService'],
    rate: { burst: 300, perSecond: 30 },
  },
  // A request makes a chat row and offers it to every device of the other user.
  secret_request: { methods: ['messages.requestEncryption'], rate: { burst: 20, perSecond: 0.2 } },
} as const satisfies Record<string, MethodGroup>;

export type MethodGroupName = keyof typeof METHOD_GROUPS;

export class RpcFloodLimits {
  private readonly byMethod = new Map<string, { name: string; group: MethodGroup; buckets: TokenBuckets<string> }>();

  /**
   * `overrides` replaces the rate of the groups it names (config limits.rpcRates); an unknown group name
   * throws, naming the known ones. `onHit` counts refusals (the limit-hit metric). With `shared` (Redis,
   * several nodes) the buckets are counted there, one per caller across every node; without it, in process.
   */
  constructor(overrides: Record<string, RateLimit>, now: () => number, private readonly onHit?: (group: string) => void, shared?: KeyValueStore) {
    const groups: Record<string, MethodGroup> = METHOD_GROUPS;
    for (const name of Object.keys(overrides)) {
      if (!(name in groups)) throw new Error(`limits.rpcRates (ECHO_RPC_RATES): unknown method group "${name}"; known: ${Object.keys(groups).join(', ')}`);
    }
    for (const [name, group] of Object.entries(groups)) {
      const rate = overrides[name] ?? group.rate;
      const entry = { name, group: { ...group, rate }, buckets: tokenBuckets(`rpc:${name}`, rate, now, shared) };
      for (const method of group.methods) this.byMethod.set(method, entry);
    }
  }

  /**
   * Takes the call's tokens from its caller's bucket, or throws 420 FLOOD_WAIT_X (nothing taken). Synchronous
   * (undefined) in process; with shared buckets a promise that rejects with it.
   */
  check(request: TlObject, ctx: RpcContext): Promise<void> | undefined {
    const entry = this.byMethod.get(request._);
    if (!entry) return undefined;
    const { group } = entry;
    const cost = Math.min(group.rate.burst, Math.max(1, group.cost?.(request) ?? 1));
    const caller = ctx.authKey.userId !== undefined ? `u${ctx.authKey.userId}` : `k${ctx.authKey.permKeyId ?? ctx.authKey.authKey.id}`;
    const wait = entry.buckets.spend(caller, cost);
    if (typeof wait === 'number') return this.verdict(entry.name, wait);
    return wait.then((w) => this.verdict(entry.name, w));
  }

  private verdict(group: string, wait: number): undefined {
    if (wait === 0) return undefined;
    this.onHit?.(`rpc_${group}`);
    throw RpcError.floodWait(wait);
  }
}
