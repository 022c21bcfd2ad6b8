// What a handler knows about the caller. Structural types, so the edges (interface/) provide them
// without bff depending on the edges.

export interface CallerAuthKey {
  readonly authKey: { readonly id: bigint; readonly key: Buffer };
  readonly kind: 'perm' | 'temp';
  expiresAt?: number;
  permKeyId?: bigint;
  readonly userId?: bigint;
  layer: number;
}

export interface CallerConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly transport: string;
}

export interface RpcContext {
  readonly authKey: CallerAuthKey;
  readonly sessionId: bigint;
  readonly msgId: bigint;
  /** The layer results are encoded for. */
  readonly layer: number;
  readonly connection: CallerConnection;
  /** Milliseconds since the epoch (injected clock). */
  now(): number;
}
