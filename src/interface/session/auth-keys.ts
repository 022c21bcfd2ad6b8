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

  private async load(id: bigint): Promise<AuthKeyContext | undefined> {
    const row = await this.store.get(id);
    if (!row) return undefined;
    const info = await this.store.getClientInfo(id);
    const ctx: AuthKeyContext = {
      authKey: makeAuthKey(row.key),
      kind: row.kind,
      expiresAt: row.expiresAt ?? undefined,
      permKeyId: row.kind === 'perm' ? row.id : (row.permAuthKeyId ?? undefined),
      layer: info?.layer ?? 0,
      clientInfo: info,
      userId: row.userId ?? undefined,
    };
    this.cache.set(id, ctx);
    return ctx;
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

  forget(id: bigint): void {
    this.cache.delete(id);
  }
}
