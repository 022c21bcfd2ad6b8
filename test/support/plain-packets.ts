// Unencrypted MTProto packets (auth_key_id 0) built by hand, for tests that speak to the server below any client.
import { randomBytes } from 'node:crypto';
import { encodeObject, type TlObject } from '../../src/tl/index.js';

/** A plain req_pq_multi: auth_key_id 0, a msg_id from the clock, the length, the body. */
export function plainReqPq(): Buffer {
  const body = encodeObject({ _: 'req_pq_multi', nonce: randomBytes(16) } as TlObject);
  const packet = Buffer.alloc(20 + body.length);
  packet.writeBigInt64LE(BigInt(Math.floor(Date.now() / 1000)) << 32n, 8);
  packet.writeInt32LE(body.length, 16);
  body.copy(packet, 20);
  return packet;
}
