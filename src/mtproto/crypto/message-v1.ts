// MTProto 1.0 message encryption, still required for one thing: the binding message of
// auth.bindTempAuthKey is encrypted with the permanent key in this format (core.telegram.org/api/pfs).
// msg_key = SHA1(plaintext without padding)[4..20]; the AES key and IV come from four SHA1s.
import { aesIgeDecrypt, aesIgeEncrypt } from './ige.js';
import { sha1 } from './hash.js';
import type { AuthKey } from './auth-key.js';
import { CryptoError, type RandomFn } from './errors.js';

/** Key derivation of MTProto 1.0; x = 0 for client-to-server messages. */
export function kdfV1(authKey: Buffer, msgKey: Buffer, x = 0): { key: Buffer; iv: Buffer } {
  const a = sha1(msgKey, authKey.subarray(x, x + 32));
  const b = sha1(authKey.subarray(32 + x, 48 + x), msgKey, authKey.subarray(48 + x, 64 + x));
  const c = sha1(authKey.subarray(64 + x, 96 + x), msgKey);
  const d = sha1(msgKey, authKey.subarray(96 + x, 128 + x));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

/** Client side: auth_key_id ‖ msg_key ‖ AES-IGE(plaintext ‖ 0..15 random padding bytes). */
export function encryptMessageV1(authKey: AuthKey, plaintext: Buffer, random: RandomFn): Buffer {
  const msgKey = sha1(plaintext).subarray(4, 20);
  const padding = (16 - (plaintext.length % 16)) % 16;
  const { key, iv } = kdfV1(authKey.key, msgKey);
  const encrypted = aesIgeEncrypt(Buffer.concat([plaintext, random(padding)]), key, iv);
  return Buffer.concat([authKey.idBytes, msgKey, encrypted]);
}

/**
 * Server side: returns the plaintext whose length the caller knows (`dataLength` is read from
 * bytes 28..32 of the decrypted message), after checking msg_key over exactly those bytes.
 */
export function decryptMessageV1(authKey: AuthKey, packet: Buffer): Buffer {
  if (packet.length < 24 + 32 || (packet.length - 24) % 16 !== 0) throw new CryptoError(`MTProto 1.0 message of bad length ${packet.length}`);
  if (!packet.subarray(0, 8).equals(authKey.idBytes)) throw new CryptoError('MTProto 1.0 message for another auth key');
  const msgKey = packet.subarray(8, 24);
  const { key, iv } = kdfV1(authKey.key, msgKey);
  const plain = aesIgeDecrypt(packet.subarray(24), key, iv);
  const dataLength = plain.readInt32LE(28);
  if (dataLength < 0 || 32 + dataLength > plain.length || plain.length - (32 + dataLength) > 15) throw new CryptoError('MTProto 1.0 message length out of range');
  const message = plain.subarray(0, 32 + dataLength);
  if (!sha1(message).subarray(4, 20).equals(msgKey)) throw new CryptoError('MTProto 1.0 msg_key mismatch');
  return message;
}
