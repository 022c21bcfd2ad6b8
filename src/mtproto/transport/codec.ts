// Contract of the framing codecs (core.telegram.org/mtproto/mtproto-transports). A codec is sans-IO: it turns
// received bytes into frames and payloads into bytes, and knows nothing of sockets or obfuscation.
import type { RandomFn } from '../crypto/errors.js';

export type TransportFrame = {
  /** The MTProto packet. It may be a view of the fed chunk: copy it to keep it past the next feed(). */
  payload: Buffer;
  /** The client asked for a quick ACK of this (encrypted) packet. */
  quickAck: boolean;
};

export interface TransportCodec {
  /** Consumes received bytes; returns every complete frame (none for a partial one). Throws TransportError. */
  feed(chunk: Buffer): TransportFrame[];
  encode(payload: Buffer): Buffer;
  /** A quick ACK: the 32-bit token, whose most significant bit is set. */
  encodeQuickAck(token: number): Buffer;
  /** A transport error: a 4-byte payload holding the negative error code (e.g. -404), framed as a packet. */
  encodeError(code: number): Buffer;
}

export type CodecOptions = {
  /** Largest accepted payload, in bytes (default 16 MiB). */
  maxFrameLength?: number;
  /** Needed by the padded intermediate framing, which appends 0..15 random bytes to each packet. */
  random?: RandomFn;
};

export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;
/** The shortest payload any framing accepts: a transport error code is 4 bytes, MTProto packets are longer. */
export const MIN_FRAME_LENGTH = 4;

export function errorPayload(code: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32LE(-Math.abs(code));
  return b;
}

export function quickAckValue(token: number): number {
  return (token | 0x80000000) >>> 0;
}

/** What a client receives from the server. */
export type ServerMessage =
  | { type: 'packet'; payload: Buffer }
  | { type: 'quickAck'; token: number }
  | { type: 'error'; code: number };

/** Client side of a framing (tests and the load generator). */
export interface ClientCodec {
  /** The bytes that announce the framing on a plain connection (empty for the full transport). */
  readonly tag: Buffer;
  feed(chunk: Buffer): ServerMessage[];
  encode(payload: Buffer, quickAck?: boolean): Buffer;
}

/** A 4-byte packet from the server is a transport error code, never an MTProto message. */
export function serverMessage(payload: Buffer): ServerMessage {
  return payload.length === 4 ? { type: 'error', code: payload.readInt32LE(0) } : { type: 'packet', payload };
}
