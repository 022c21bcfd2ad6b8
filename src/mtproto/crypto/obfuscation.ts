// Transport obfuscation "obfuscated2" (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation).
// The client opens with 64 random bytes; bytes 8..56 give the client->server AES-256-CTR key (8..40) and IV
// (40..56), the same 48 bytes reversed give the server->client key and IV. The client encrypts the whole header with
// its stream and sends the first 56 bytes in clear and the last 8 encrypted: decrypted, bytes 56..60 hold the
// protocol tag and 60..62 the DC id (int16, negative for media DCs). Both streams continue over all later bytes, so
// they are long-lived native CTR ciphers, one per direction per connection.
import { createCipheriv, type Cipher } from 'node:crypto';
import { CryptoError, type RandomFn } from './errors.js';

export type ObfuscatedProtocol = 'abridged' | 'intermediate' | 'padded';

const TAGS: Record<ObfuscatedProtocol, number> = { abridged: 0xefefefef, intermediate: 0xeeeeeeee, padded: 0xdddddddd };

export const OBFUSCATED_HEADER_LENGTH = 64;

export type ObfuscatedStreams = {
  /** Applies this side's outgoing keystream. */
  encrypt: (chunk: Buffer) => Buffer;
  /** Applies the peer's keystream to incoming bytes. */
  decrypt: (chunk: Buffer) => Buffer;
};

function ctr(key: Buffer, iv: Buffer): Cipher {
  return createCipheriv('aes-256-ctr', key, iv);
}

function protocolOf(tag: number): ObfuscatedProtocol | undefined {
  for (const [name, value] of Object.entries(TAGS)) if (value === tag) return name as ObfuscatedProtocol;
  return undefined;
}

/** Server side. The returned decrypt stream has already consumed the 64 header bytes. */
export function parseObfuscatedHeader(header: Buffer): ObfuscatedStreams & { protocol: ObfuscatedProtocol; dcId: number } {
  if (header.length !== OBFUSCATED_HEADER_LENGTH) throw new CryptoError(`obfuscated header must be 64 bytes, got ${header.length}`);
  const reversed = Buffer.from(header.subarray(8, 56)).reverse();
  const decipher = ctr(header.subarray(8, 40), header.subarray(40, 56));
  const cipher = ctr(reversed.subarray(0, 32), reversed.subarray(32, 48));
  const plain = decipher.update(header);
  const protocol = protocolOf(plain.readUInt32LE(56));
  if (!protocol) throw new CryptoError(`unknown obfuscated protocol tag 0x${plain.readUInt32LE(56).toString(16)}`);
  return {
    protocol,
    dcId: plain.readInt16LE(60),
    encrypt: (chunk) => cipher.update(chunk),
    decrypt: (chunk) => decipher.update(chunk),
  };
}

/** The first four bytes a client must avoid so that servers can tell obfuscated2 from other protocols. */
const FORBIDDEN_FIRST_INTS = new Set([
  0x44414548 /* HEAD */, 0x54534f50 /* POST */, 0x20544547 /* GET  */, 0x4954504f /* OPTI */,
  0xdddddddd /* padded intermediate */, 0xeeeeeeee /* intermediate */, 0x02010316 /* TLS handshake */,
]);

/** Client side (tests, load generator): the 64 bytes to send first, and the streams for everything after them. */
export function createObfuscatedHeader(protocol: ObfuscatedProtocol, dcId: number, random: RandomFn): ObfuscatedStreams & { header: Buffer } {
  let init: Buffer;
  do {
    init = Buffer.from(random(OBFUSCATED_HEADER_LENGTH));
  } while (init[0] === 0xef || FORBIDDEN_FIRST_INTS.has(init.readUInt32LE(0)) || init.readUInt32LE(4) === 0);
  init.writeUInt32LE(TAGS[protocol], 56);
  init.writeInt16LE(dcId, 60);
  const reversed = Buffer.from(init.subarray(8, 56)).reverse();
  const cipher = ctr(init.subarray(8, 40), init.subarray(40, 56));
  const decipher = ctr(reversed.subarray(0, 32), reversed.subarray(32, 48));
  const encrypted = cipher.update(init);
  const header = Buffer.concat([init.subarray(0, 56), encrypted.subarray(56)]);
  return { header, encrypt: (chunk) => cipher.update(chunk), decrypt: (chunk) => decipher.update(chunk) };
}
