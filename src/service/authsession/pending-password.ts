// Between a correct login code and a correct 2FA password (SESSION_PASSWORD_NEEDED), the device is
// remembered as "code passed for user X" for a few minutes; auth.checkPassword completes the sign-in.
import type { KeyValueStore } from '../../infra/kv/kv.js';

const TTL_MS = 10 * 60 * 1000;

export class PendingPasswordLogins {
  constructor(private readonly kv: KeyValueStore) {}

  async put(permKeyId: bigint, userId: bigint): Promise<void> {
    await this.kv.set(`pwlogin:${permKeyId}`, userId.toString(), TTL_MS);
  }

  async peek(permKeyId: bigint): Promise<bigint | undefined> {
    const v = await this.kv.get(`pwlogin:${permKeyId}`);
    return v === undefined ? undefined : BigInt(v);
  }

  async clear(permKeyId: bigint): Promise<void> {
    await this.kv.delete(`pwlogin:${permKeyId}`);
  }
}
