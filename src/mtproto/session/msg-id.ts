// Message identifiers (core.telegram.org/mtproto/description#message-identifier-msg-id):
// roughly unixtime * 2^32. Client ids are divisible by 4; server ids are odd, 1 mod 4 for responses
// to a request and 3 mod 4 otherwise, and strictly increasing over everything this process sends.

/** Limits of the docs' msg_id check: 300 s in the past, 30 s in the future. */
export const MSG_ID_MAX_AGE_SECONDS = 300;
export const MSG_ID_MAX_FUTURE_SECONDS = 30;

export function msgIdFromTime(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  return (BigInt(seconds) << 32n) | BigInt(fraction >>> 0);
}

export function msgIdSeconds(msgId: bigint): number {
  return Number(msgId >> 32n);
}

export class ServerMsgIdGenerator {
  private last = 0n;

  constructor(private readonly now: () => number) {}

  /** A fresh id: 1 mod 4 when `response` (an answer to a client message), 3 mod 4 otherwise. */
  next(response: boolean): bigint {
    let id = msgIdFromTime(this.now()) & ~3n;
    if (id <= this.last) id = (this.last & ~3n) + 4n;
    id |= response ? 1n : 3n;
    this.last = id;
    return id;
  }
}

/** The bad_msg_notification codes of the msg_id checks, or 0 when the id is acceptable. */
export function checkClientMsgId(msgId: bigint, nowMs: number): 0 | 16 | 17 | 18 {
  if ((msgId & 3n) !== 0n) return 18;
  const seconds = msgIdSeconds(msgId);
  const now = nowMs / 1000;
  if (seconds < now - MSG_ID_MAX_AGE_SECONDS) return 16;
  if (seconds > now + MSG_ID_MAX_FUTURE_SECONDS) return 17;
  return 0;
}
