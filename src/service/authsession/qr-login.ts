// QR login tokens (core.telegram.org/api/qr-login): a signed-out device shows a token, a signed-in device
// of the user accepts it, and the waiting device then finds itself signed in. Tokens live in the
// key-value store, shared by every node.
import type { KeyValueStore } from '../../infra/kv/kv.js';
import { RpcError } from '../../common/rpc-error.js';
import { LOGIN_TOKEN_ACCEPTED_TTL_MS, LOGIN_TOKEN_TTL_MS } from './limits.js';

const TOKEN_BYTES = 32;

export interface IssuedToken {
  token: Buffer;
  /** Unix seconds. */
  expires: number;
}

export class QrLogins {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly random: (n: number) => Buffer,
    private readonly now: () => number,
  ) {}

  /** A new token for the device; its earlier tokens stop working. */
  async issue(permKeyId: bigint): Promise<IssuedToken> {
    const previous = await this.kv.get(`qr:device:${permKeyId}`);
    if (previous) await this.kv.delete(`qr:token:${previous}`);
    const token = this.random(TOKEN_BYTES);
    const hex = token.toString('hex');
    await this.kv.set(`qr:token:${hex}`, permKeyId.toString(), LOGIN_TOKEN_TTL_MS);
    await this.kv.set(`qr:device:${permKeyId}`, hex, LOGIN_TOKEN_TTL_MS);
    return { token, expires: Math.floor((this.now() + LOGIN_TOKEN_TTL_MS) / 1000) };
  }

  /** The device a live token belongs to; throws AUTH_TOKEN_* when there is none. */
  async deviceOf(token: Buffer): Promise<bigint> {
    if (token.length !== TOKEN_BYTES) throw RpcError.badRequest('AUTH_TOKEN_INVALID');
    const hex = token.toString('hex');
    const owner = await this.kv.get(`qr:token:${hex}`);
    if (owner !== undefined) return BigInt(owner);
    if ((await this.kv.get(`qr:used:${hex}`)) !== undefined) throw RpcError.badRequest('AUTH_TOKEN_ALREADY_ACCEPTED');
    throw RpcError.badRequest('AUTH_TOKEN_EXPIRED');
  }

  /** `userId` approves the token; returns the waiting device. A token is accepted at most once. */
  async accept(token: Buffer, userId: bigint): Promise<bigint> {
    const permKeyId = await this.deviceOf(token);
    const hex = token.toString('hex');
    if (!(await this.kv.setIfAbsent(`qr:used:${hex}`, '1', LOGIN_TOKEN_ACCEPTED_TTL_MS))) throw RpcError.badRequest('AUTH_TOKEN_ALREADY_ACCEPTED');
    await this.kv.delete(`qr:token:${hex}`);
    await this.kv.delete(`qr:device:${permKeyId}`);
    await this.kv.set(`qr:accepted:${permKeyId}`, userId.toString(), LOGIN_TOKEN_ACCEPTED_TTL_MS);
    return permKeyId;
  }

  /** The user who accepted a token of this device, once; the device signs in as them. */
  async takeAccepted(permKeyId: bigint): Promise<bigint | undefined> {
    const userId = await this.kv.get(`qr:accepted:${permKeyId}`);
    if (userId === undefined) return undefined;
    await this.kv.delete(`qr:accepted:${permKeyId}`);
    return BigInt(userId);
  }
}
