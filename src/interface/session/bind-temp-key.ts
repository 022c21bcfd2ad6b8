// auth.bindTempAuthKey (core.telegram.org/method/auth.bindTempAuthKey, /api/pfs): the client proves it
// holds the permanent key by sending bind_auth_key_inner encrypted with it in the MTProto 1.0 format.
import { decryptMessageV1 } from '../../mtproto/crypto/message-v1.js';
import { decodeObject, type TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { AuthKeyContext, AuthKeyRegistry } from './auth-keys.js';

interface BindRequest {
  permAuthKeyId: bigint;
  nonce: bigint;
  expiresAt: number;
  encryptedMessage: Buffer;
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
  if (enc.length < 24 || enc.readBigInt64LE(0) !== req.permAuthKeyId) throw invalid();
  const perm = await keys.get(req.permAuthKeyId);
  if (!perm || perm.kind !== 'perm') throw invalid();

  let inner: TlObject & Record<string, any>;
  try {
    const message = decryptMessageV1(perm.authKey, enc);
    // The binding message: random:int128 (in place of salt and session), msg_id, seqno 0, length 40.
    if (message.readBigInt64LE(16) !== outerMsgId || message.readInt32LE(24) !== 0 || message.readInt32LE(28) !== 40) throw invalid();
    inner = decodeObject(message.subarray(32)) as TlObject & Record<string, any>;
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
  keys.attachUser(temp, perm.userId);
  return true;
}
