// Server salts (core.telegram.org/mtproto/description#server-salt) derived from a server secret,
// the auth key id and a 30-minute time slot. Nothing is stored, so every node of a scale-out
// deployment that shares the secret agrees on the salts, and they survive restarts.
import { createHmac } from 'node:crypto';

export const SALT_PERIOD_SECONDS = 1800;

export interface FutureSalt {
  validSince: number;
  validUntil: number;
  salt: bigint;
}

export class SaltSchedule {
  constructor(private readonly secret: Buffer) {}

  saltFor(authKeyId: bigint, slot: number): bigint {
    const h = createHmac('sha256', this.secret);
    const b = Buffer.allocUnsafe(12);
    b.writeBigInt64LE(authKeyId, 0);
    b.writeInt32LE(slot, 8);
    return h.update(b).digest().readBigInt64LE(0);
  }

  slotOf(nowMs: number): number {
    return Math.floor(nowMs / 1000 / SALT_PERIOD_SECONDS);
  }

  current(authKeyId: bigint, nowMs: number): bigint {
    return this.saltFor(authKeyId, this.slotOf(nowMs));
  }

  /** The current salt and the previous one (clients may still use it for a while after the switch). */
  isValid(authKeyId: bigint, salt: bigint, nowMs: number): boolean {
    const slot = this.slotOf(nowMs);
    return salt === this.saltFor(authKeyId, slot) || salt === this.saltFor(authKeyId, slot - 1) || salt === this.saltFor(authKeyId, slot + 1);
  }

  /** get_future_salts: `count` salts from the current slot on. */
  future(authKeyId: bigint, nowMs: number, count: number): FutureSalt[] {
    const first = this.slotOf(nowMs);
    const out: FutureSalt[] = [];
    for (let slot = first; slot < first + count; slot++) {
      out.push({ validSince: slot * SALT_PERIOD_SECONDS, validUntil: (slot + 1) * SALT_PERIOD_SECONDS, salt: this.saltFor(authKeyId, slot) });
    }
    return out;
  }
}
