// Auth keys known to this node: a cache in front of the AuthKeyStore, with the per-key state
// the session layer needs (layer, client info, temp->perm binding, cached salts).
import type { AuthKey } from '../../mtproto/crypto/auth-key.js';
import { makeAuthKey } from '../../mtproto/crypto/auth-key.js';
import type { AuthKeyStore, ClientInfo } from '../../infra/db/auth-key-store.js';

export interface AuthKeyContext {
  readonly authKey: AuthKey;
  readonly kind: 'perm' | 'temp';
  /** Unix seconds; temp keys only. */
  expiresAt?: number;
  /** The permanent key this one stands for: itself, or the perm key a temp key is bound to. */
  permKeyId?: bigint;
  /** The API layer the client declared with invokeWithLayer (0 = not yet known). */
  layer: number;
  clientInfo?: ClientInfo;
  userId?: bigint;
  /** Salt from the handshake (new_nonce ^ server_nonce), accepted until `handshakeSaltUntil` (ms). */
  handshakeSalt?: bigint;
  handshakeSaltUntil?: number;
  saltCache?: { slot: number; salts: bigint[] };
}

export class AuthKeyRegistry {
  private readonly cache = new Map<bigint, AuthKeyContext>();
  /** Signed-in contexts by user: where pushes for a user go. */
  private readonly byUser = new Map<bigint, Set<AuthKeyContext>>();
  private readonly loading = new Map<bigint, Promise<AuthKeyContext | undefined>>();

  constructor(private readonly store: AuthKeyStore) {}

  peek(id: bigint): AuthKeyContext | undefined {
    return this.cache.get(id);
  }

  async get(id: bigint): Promise<AuthKeyContext | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  /**
   * Re-reads a cached key's durable state (sign-in, temp binding, expiry, existence) from the store, in place,
   * keeping what only this node knows (handshake salt, salt cache, layer). Called on the first packet of a key
   * on each connection: with several nodes, a device may have signed in or out, bound a temp key or destroyed
   * its key on another node since this one cached it. Undefined when the key no longer exists.
   */
  async refresh(id: bigint): Promise<AuthKeyContext | undefined> {
    const cached = this.cache.get(id);
    if (!cached) return this.get(id);
    const row = await this.store.get(id);
    if (!row) {
      if (this.cache.get(id) === cached) this.forget(id);
      return undefined;
    }
    const permId = row.kind === 'perm' ? row.id : (row.permAuthKeyId ?? undefined);
    const perm = row.kind === 'temp' && permId !== undefined ? await this.store.get(permId) : undefined;
    cached.expiresAt = row.expiresAt ?? undefined;
    cached.permKeyId = permId;
    const userId = (row.kind === 'perm' ? row.userId : perm?.userId) ?? undefined;
    if (userId !== cached.userId) this.attachUser(cached, userId);
    return cached;
  }

  private async load(id: bigint): Promise<AuthKeyContext | undefined> {
    const row = await this.store.get(id);
    if (!row) return undefined;
    const info = await this.store.getClientInfo(id);
    // A temp key acts for the perm key it is bound to, signed-in user included.
    const perm = row.kind === 'temp' && row.permAuthKeyId !== null ? await this.store.get(row.permAuthKeyId) : undefined;
    const ctx: AuthKeyContext = {
      authKey: makeAuthKey(row.key),
      kind: row.kind,
      expiresAt: row.expiresAt ?? undefined,
      permKeyId: row.kind === 'perm' ? row.id : (row.permAuthKeyId ?? undefined),
      layer: info?.layer ?? 0,
      clientInfo: info,
      userId: (row.kind === 'perm' ? row.userId : perm?.userId) ?? undefined,
    };
    this.cache.set(id, ctx);
    this.index(ctx);
    return ctx;
  }

  private index(ctx: AuthKeyContext): void {
    if (ctx.userId === undefined) return;
    let set = this.byUser.get(ctx.userId);
    if (!set) this.byUser.set(ctx.userId, (set = new Set()));
    set.add(ctx);
  }

  private unindex(ctx: AuthKeyContext): void {
    if (ctx.userId === undefined) return;
    const set = this.byUser.get(ctx.userId);
    set?.delete(ctx);
    if (set?.size === 0) this.byUser.delete(ctx.userId);
  }

  /** Changes who a cached context acts for, keeping the by-user index right. */
  attachUser(ctx: AuthKeyContext, userId: bigint | undefined): void {
    this.unindex(ctx);
    ctx.userId = userId;
    this.index(ctx);
  }

  /** Cached contexts signed in as `userId`. */
  contextsOfUser(userId: bigint): ReadonlySet<AuthKeyContext> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** Stores a key fresh from the handshake; resolves once it is durable. */
  async add(key: Buffer, kind: 'perm' | 'temp', nowSeconds: number, expiresIn: number | undefined, handshakeSalt: bigint, saltUntilMs: number): Promise<AuthKeyContext> {
    const authKey = makeAuthKey(key);
    const expiresAt = kind === 'temp' && expiresIn !== undefined ? nowSeconds + expiresIn : undefined;
    await this.store.create({ id: authKey.id, key, kind, createdAt: nowSeconds, expiresAt });
    const ctx: AuthKeyContext = {
      authKey,
      kind,
      expiresAt,
      permKeyId: kind === 'perm' ? authKey.id : undefined,
      layer: 0,
      handshakeSalt,
      handshakeSaltUntil: saltUntilMs,
    };
    this.cache.set(authKey.id, ctx);
    return ctx;
  }

  async bindTemp(temp: AuthKeyContext, permId: bigint, expiresAt: number): Promise<void> {
    await this.store.bindTemp(temp.authKey.id, permId, expiresAt);
    temp.permKeyId = permId;
    temp.expiresAt = expiresAt;
  }

  async saveClientInfo(ctx: AuthKeyContext, info: ClientInfo): Promise<void> {
    ctx.clientInfo = info;
    await this.store.saveClientInfo(ctx.authKey.id, info);
  }

  /**
   * Signs the perm key (and every cached temp key bound to it) in as `userId`, or out with undefined.
   * The DB write comes first, so a crash never leaves a client believing in a sign-in the server forgot.
   */
  async setUser(permKeyId: bigint, userId: bigint | undefined): Promise<void> {
    await this.store.setUser(permKeyId, userId ?? null);
    for (const ctx of this.cache.values()) if (ctx.permKeyId === permKeyId) this.attachUser(ctx, userId);
  }

  /** Cached contexts acting for `permKeyId` (the perm key and its bound temp keys). */
  contextsFor(permKeyId: bigint): AuthKeyContext[] {
    return [...this.cache.values()].filter((ctx) => ctx.permKeyId === permKeyId);
  }

  /** Deletes the key for good (destroy_auth_key); a temp key bound to it loses the binding. */
  async destroy(id: bigint): Promise<void> {
    await this.store.delete(id);
    this.forget(id);
  }

  /**
   * Forgets cached keys nothing uses (no session holds them, their handshake salt expired): key churn must not
   * grow the cache without bound. A forgotten key is loaded again from the store when a packet names it.
   */
  sweep(inUse: (id: bigint) => boolean, nowMs: number): number {
    let forgotten = 0;
    for (const [id, ctx] of this.cache) {
      if (inUse(id) || (ctx.handshakeSaltUntil ?? 0) > nowMs) continue;
      this.forget(id);
      forgotten++;
    }
    return forgotten;
  }

  /** Keys cached in memory. */
  get cachedCount(): number {
    return this.cache.size;
  }

  forget(id: bigint): void {
    const ctx = this.cache.get(id);
    if (ctx) this.unindex(ctx);
    this.cache.delete(id);
  }
}
