// auth.bindTempAuthKey (core.telegram.org/method/auth.bindTempAuthKey, /api/pfs): the client proves it
// holds the permanent key by sending bind_auth_key_inner encrypted with it in the MTProto 1.0 format.
import { aesIgeDecrypt } from '../../mtproto/crypto/ige.js';
import { sha1 } from '../../mtproto/crypto/hash.js';
import { decodeObject, type TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { AuthKeyContext, AuthKeyRegistry } from './auth-keys.js';

interface BindRequest {
  permAuthKeyId: bigint;
  nonce: bigint;
  expiresAt: number;
  encryptedMessage: Buffer;
}

/** MTProto 1.0 key derivation (x = 0, client to server). */
function kdfV1(authKey: Buffer, msgKey: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(msgKey, authKey.subarray(0, 32));
  const b = sha1(authKey.subarray(32, 48), msgKey, authKey.subarray(48, 64));
  const c = sha1(authKey.subarray(64, 96), msgKey);
  const d = sha1(msgKey, authKey.subarray(96, 128));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

const invalid = () => new RpcError(400, 'ENCRYPTED_MESSAGE_INVALID');

export async function verifyBindTempAuthKey(
  req: BindRequest,
  outerMsgId: bigint,
  sessionId: bigint,
  temp: AuthKeyContext,
  keys: AuthKeyRegistry,
  now: () => number,
): Promise<boolean> {
  if (temp.kind !== 'temp') throw new RpcError(400, 'TEMP_AUTH_KEY_EMPTY');
  const enc = req.encryptedMessage;
  if (enc.length < 24 + 32 + 40 || (enc.length - 24) % 16 !== 0) throw invalid();
  if (enc.readBigInt64LE(0) !== req.permAuthKeyId) throw invalid();
  const perm = await keys.get(req.permAuthKeyId);
  if (!perm || perm.kind !== 'perm') throw invalid();

  const msgKey = enc.subarray(8, 24);
  const { key, iv } = kdfV1(perm.authKey.key, msgKey);
  const plain = aesIgeDecrypt(enc.subarray(24), key, iv);
  const length = plain.readInt32LE(28);
  if (length !== 40 || 32 + length > plain.length) throw invalid();
  if (!sha1(plain.subarray(0, 32 + length)).subarray(4, 20).equals(msgKey)) throw invalid();
  if (plain.readBigInt64LE(16) !== outerMsgId || plain.readInt32LE(24) !== 0) throw invalid();

  let inner: TlObject & Record<string, any>;
  try {
    inner = decodeObject(plain.subarray(32, 32 + length)) as TlObject & Record<string, any>;
  } catch {
    throw invalid();
  }
  if (
    inner._ !== 'bind_auth_key_inner' ||
    inner.nonce !== req.nonce ||
    inner.tempAuthKeyId !== temp.authKey.id ||
    inner.permAuthKeyId !== req.permAuthKeyId ||
    inner.tempSessionId !== sessionId ||
    inner.expiresAt !== req.expiresAt
  ) {
    throw invalid();
  }
  if (temp.permKeyId !== undefined && temp.permKeyId !== req.permAuthKeyId) throw new RpcError(400, 'TEMP_AUTH_KEY_ALREADY_BOUND');
  if (req.expiresAt * 1000 < now()) throw invalid();

  await keys.bindTemp(temp, req.permAuthKeyId, req.expiresAt);
  temp.userId = perm.userId;
  return true;
}
