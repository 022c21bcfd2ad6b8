// One SRP exchange per account.getPassword: srp_id -> the server secret b (and B) for a few minutes, single-use.
// Keyed by user too, so an srp_id obtained for one account is worthless for another.
import type { KeyValueStore } from '../../infra/kv/kv.js';

export const SRP_SESSION_TTL_MS = 5 * 60 * 1000;

export interface SrpSession {
  b: Buffer;
  B: Buffer;
  /** Fingerprint of the password the exchange was made for (see PasswordService), to tell "changed" from "wrong". */
  passwordFingerprint: string;
}

const key = (userId: bigint, srpId: bigint) => `srp:${userId}:${srpId}`;

export class SrpSessions {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly ttlMs = SRP_SESSION_TTL_MS,
  ) {}

  async put(userId: bigint, srpId: bigint, session: SrpSession): Promise<void> {
    const value = [session.b.toString('hex'), session.B.toString('hex'), session.passwordFingerprint].join(':');
    await this.kv.set(key(userId, srpId), value, this.ttlMs);
  }

  /** Returns and forgets the exchange; a second take of the same srp_id finds nothing, even when racing. */
  async take(userId: bigint, srpId: bigint): Promise<SrpSession | undefined> {
    const k = key(userId, srpId);
    const value = await this.kv.get(k);
    if (value === undefined || !(await this.kv.delete(k))) return undefined;
    const [b, B, passwordFingerprint] = value.split(':');
    if (!b || !B || passwordFingerprint === undefined) return undefined;
    return { b: Buffer.from(b, 'hex'), B: Buffer.from(B, 'hex'), passwordFingerprint };
  }
}
