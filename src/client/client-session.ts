// Client side of an MTProto session, sans-IO: numbers and encrypts outgoing requests, decrypts and
// unpacks what the server sends (containers, gzip_packed, rpc_result). Echo's own tests and the
// benchmark load generator speak MTProto through it.
import { gunzipSync } from 'node:zlib';
import { decryptMessage, encryptMessage } from '../mtproto/crypto/message.js';
import { makeAuthKey, type AuthKey } from '../mtproto/crypto/auth-key.js';
import type { RandomFn } from '../mtproto/crypto/errors.js';
import { msgIdFromTime } from '../mtproto/session/msg-id.js';
import { decodeObject, encodeObject, TlReader, type TlObject } from '../tl/index.js';

const ID_MSG_CONTAINER = 0x73f1f8dc;
const ID_GZIP_PACKED = 0x3072cfa1;
const ID_RPC_RESULT = 0xf35c6d01;

export interface ServerMessageInfo {
  msgId: bigint;
  seqNo: number;
  /** Decoded body; for rpc_result the `result` is decoded too (raw bytes when it is a bare vector). */
  body: TlObject;
  /** The body as received (unzipped; an rpc_result's result alone), to see which layer's constructors the server chose. */
  bytes: Buffer;
}

export interface OutgoingMessage {
  msgId: bigint;
  seqNo: number;
  body: Uint8Array;
}

export class ClientSession {
  readonly authKey: AuthKey;
  salt: bigint;
  sessionId: bigint;
  /** Seconds to add to the local clock (from the handshake or bad_msg_notification). */
  timeOffset: number;
  private lastMsgId = 0n;
  private contentSent = 0;

  constructor(
    authKey: Buffer,
    salt: bigint,
    private readonly random: RandomFn,
    private readonly now: () => number,
    timeOffset = 0,
  ) {
    this.authKey = makeAuthKey(authKey);
    this.salt = salt;
    this.sessionId = random(8).readBigInt64LE(0);
    this.timeOffset = timeOffset;
  }

  newMsgId(): bigint {
    let id = msgIdFromTime(this.now() + this.timeOffset * 1000) & ~3n;
    if (id <= this.lastMsgId) id = this.lastMsgId + 4n;
    this.lastMsgId = id;
    return id;
  }

  /** Wraps a body as a message of this session; content-related unless told otherwise (acks, containers). */
  message(body: Uint8Array, contentRelated = true, msgId = this.newMsgId()): OutgoingMessage {
    const seqNo = contentRelated ? this.contentSent++ * 2 + 1 : this.contentSent * 2;
    return { msgId, seqNo, body };
  }

  /** Several messages in one msg_container. */
  container(messages: OutgoingMessage[]): OutgoingMessage {
    const items = messages.map((m) => ({ _: 'mt_message', msgId: m.msgId, seqno: m.seqNo, bytes: m.body.length, body: m.body }));
    return this.message(encodeObject({ _: 'msg_container', messages: items } as TlObject), false);
  }

  /** The encrypted packet (auth_key_id ‖ msg_key ‖ data) for one message. */
  encrypt(msg: OutgoingMessage, overrides: { salt?: bigint; sessionId?: bigint } = {}): Buffer {
    const header = Buffer.allocUnsafe(32);
    header.writeBigInt64LE(overrides.salt ?? this.salt, 0);
    header.writeBigInt64LE(overrides.sessionId ?? this.sessionId, 8);
    header.writeBigInt64LE(msg.msgId, 16);
    header.writeInt32LE(msg.seqNo, 24);
    header.writeInt32LE(msg.body.length, 28);
    return encryptMessage(this.authKey, Buffer.concat([header, msg.body]), 'client', this.random);
  }

  /** Decrypts a server packet into its messages (containers flattened, gzip unpacked). */
  decrypt(packet: Buffer): ServerMessageInfo[] {
    const plain = decryptMessage(this.authKey, packet, 'server');
    const msgId = plain.readBigInt64LE(16);
    const seqNo = plain.readInt32LE(24);
    const length = plain.readInt32LE(28);
    return this.unpack(msgId, seqNo, plain.subarray(32, 32 + length));
  }

  private unpack(msgId: bigint, seqNo: number, body: Buffer): ServerMessageInfo[] {
    const id = body.readUInt32LE(0);
    if (id === ID_MSG_CONTAINER) {
      const r = new TlReader(body, 4);
      const count = r.count();
      const out: ServerMessageInfo[] = [];
      for (let i = 0; i < count; i++) {
        const innerId = r.int64();
        const innerSeq = r.int32();
        const bytes = r.int32();
        out.push(...this.unpack(innerId, innerSeq, body.subarray(r.pos, r.pos + bytes)));
        r.pos += bytes;
      }
      return out;
    }
    if (id === ID_GZIP_PACKED) {
      const packed = decodeObject(body) as TlObject & { packedData: Buffer };
      return this.unpack(msgId, seqNo, gunzipSync(packed.packedData));
    }
    if (id === ID_RPC_RESULT) {
      const reqMsgId = body.readBigInt64LE(4);
      let result: Buffer = body.subarray(12);
      if (result.readUInt32LE(0) === ID_GZIP_PACKED) {
        result = gunzipSync((decodeObject(result) as TlObject & { packedData: Buffer }).packedData);
      }
      let decoded: unknown;
      try {
        decoded = decodeObject(result);
      } catch {
        decoded = result; // a bare vector result: the caller decodes it with decodeResult(method, bytes)
      }
      return [{ msgId, seqNo, body: { _: 'rpc_result', reqMsgId, result: decoded } as TlObject, bytes: result }];
    }
    return [{ msgId, seqNo, body: decodeObject(body), bytes: body }];
  }
}
