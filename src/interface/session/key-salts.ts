// Which server salts an auth key may use now (core.telegram.org/mtproto/description#server-salt): the
// handshake salt for a while after key creation, and the previous, current and next salt of the schedule.
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import type { AuthKeyContext } from './auth-keys.js';

export function isSaltValid(salts: SaltSchedule, key: AuthKeyContext, salt: bigint, nowMs: number): boolean {
  if (key.handshakeSalt === salt && (key.handshakeSaltUntil ?? 0) > nowMs) return true;
  return saltsAround(salts, key, nowMs).includes(salt);
}

export function currentSalt(salts: SaltSchedule, key: AuthKeyContext, nowMs: number): bigint {
  return saltsAround(salts, key, nowMs)[1]!;
}

/** Previous, current and next salt of the key, cached for the current 30-minute slot. */
function saltsAround(salts: SaltSchedule, key: AuthKeyContext, nowMs: number): bigint[] {
  const slot = salts.slotOf(nowMs);
  if (key.saltCache?.slot !== slot) {
    const id = key.authKey.id;
    key.saltCache = { slot, salts: [slot - 1, slot, slot + 1].map((s) => salts.saltFor(id, s)) };
  }
  return key.saltCache.salts;
}
