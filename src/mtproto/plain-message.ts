// Unencrypted MTProto messages (core.telegram.org/mtproto/description#unencrypted-message), used only
// while an auth key is being created: auth_key_id = 0 (8 bytes) ‖ msg_id (int64) ‖ length (int32) ‖ body.

const HEADER_LENGTH = 20;
const MAX_TRANSPORT_PADDING = 15;

/** A transport payload that is not a well-formed unencrypted message. */
export class PlainMessageError extends Error {
  override name = 'PlainMessageError';
}

export interface PlainMessage {
  msgId: bigint;
  body: Buffer;
}

/** True when the payload starts with a zero auth_key_id, i.e. it is meant as an unencrypted message. */
export function isPlainMessage(packet: Uint8Array): boolean {
  if (packet.length < 8) return false;
  for (let i = 0; i < 8; i++) if (packet[i] !== 0) return false;
  return true;
}

export function parsePlainMessage(packet: Uint8Array): PlainMessage {
  const buf = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (buf.length < HEADER_LENGTH) throw new PlainMessageError(`plain message too short: ${buf.length} bytes`);
  if (!isPlainMessage(buf)) throw new PlainMessageError('plain message with a non-zero auth_key_id');
  const msgId = buf.readBigInt64LE(8);
  const length = buf.readInt32LE(16);
  // Bodies are whole TL objects, so their length is a positive multiple of 4. The padded intermediate
  // transport appends 0..15 random bytes after the message, which is why a short tail is tolerated.
  if (length <= 0 || length % 4 !== 0) throw new PlainMessageError(`plain message with invalid body length ${length}`);
  const available = buf.length - HEADER_LENGTH;
  if (length > available) throw new PlainMessageError(`plain message truncated: body length ${length}, ${available} bytes present`);
  if (available - length > MAX_TRANSPORT_PADDING) {
    throw new PlainMessageError(`plain message body length ${length} leaves ${available - length} unexplained trailing bytes`);
  }
  return { msgId, body: Buffer.from(buf.subarray(HEADER_LENGTH, HEADER_LENGTH + length)) };
}

export function encodePlainMessage(msgId: bigint, body: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH + body.length);
  out.writeBigInt64LE(BigInt.asIntN(64, msgId), 8);
  out.writeInt32LE(body.length, 16);
  out.set(body, HEADER_LENGTH);
  return out;
}
