// Client side of auth.bindTempAuthKey: the binding message, encrypted with the permanent key in
// MTProto 1.0, for a request that will be sent with `msgId` on the temporary key's session.
import { encryptMessageV1 } from '../mtproto/crypto/message-v1.js';
import type { AuthKey } from '../mtproto/crypto/auth-key.js';
import type { RandomFn } from '../mtproto/crypto/errors.js';
import { encodeObject, type TlObject } from '../tl/index.js';

export function bindTempAuthKeyRequest(
  perm: AuthKey,
  temp: AuthKey,
  tempSessionId: bigint,
  msgId: bigint,
  expiresAt: number,
  random: RandomFn,
): TlObject {
  const nonce = random(8).readBigInt64LE(0);
  const inner = encodeObject({ _: 'bind_auth_key_inner', nonce, tempAuthKeyId: temp.id, permAuthKeyId: perm.id, tempSessionId, expiresAt } as TlObject);
  const header = Buffer.alloc(32);
  random(16).copy(header, 0);
  header.writeBigInt64LE(msgId, 16);
  header.writeInt32LE(0, 24);
  header.writeInt32LE(inner.length, 28);
  const encryptedMessage = encryptMessageV1(perm, Buffer.concat([header, inner]), random);
  return { _: 'auth.bindTempAuthKey', permAuthKeyId: perm.id, nonce, expiresAt, encryptedMessage } as TlObject;
}
