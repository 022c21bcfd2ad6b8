// Encrypted packets from a client (core.telegram.org/mtproto/description): decrypts them, checks salts and
// msg_ids, unpacks containers and gzip, and hands each message to the service-message or RPC side.
import type { Logger } from 'pino';
import { decryptMessage, quickAckToken } from '../../mtproto/crypto/message.js';
import { checkClientMsgId } from '../../mtproto/session/msg-id.js';
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import { inflatePacked } from '../../mtproto/session/packed.js';
import { decodeObject, TlError, TlReader, type TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { AuthKeyContext, AuthKeyRegistry } from './auth-keys.js';
import type { ConnectionHandle } from './connection.js';
import { currentSalt, isSaltValid } from './key-salts.js';
import { ID_MSG_CONTAINER, type Outbound } from './outbound.js';
import type { Resends } from './resend.js';
import type { RpcCalls } from './rpc-calls.js';
import { badMsg, badServerSalt, type ServiceMessages } from './service-messages.js';
import type { SessionState } from './session-state.js';

const ID_GZIP_PACKED = 0x3072cfa1;

export interface IncomingDeps {
  keys: AuthKeyRegistry;
  salts: SaltSchedule;
  log: Logger;
  now: () => number;
  /** The session the message belongs to, created or bound to `conn` as needed. */
  sessionFor: (key: AuthKeyContext, sessionId: bigint, firstMsgId: bigint, conn: ConnectionHandle) => SessionState;
  /** True when `conn` already carried a session of the key (its durable state was read for this connection). */
  keyKnownOn: (conn: ConnectionHandle, keyId: bigint) => boolean;
  outbound: Outbound;
  resends: Resends;
  serviceMessages: ServiceMessages;
  rpcCalls: RpcCalls;
}

export class IncomingPackets {
  constructor(private readonly deps: IncomingDeps) {}

  /** An encrypted packet from a connection (auth_key_id != 0). */
  async handlePacket(conn: ConnectionHandle, packet: Buffer, quickAck: boolean): Promise<void> {
    if (packet.length < 8 + 16 + 32) {
      conn.failWithTransportError(-404, `encrypted packet too short (${packet.length} bytes)`);
      return;
    }
    const key = await this.usableKey(conn, packet.readBigInt64LE(0));
    if (!key) return;
    let plain: Buffer;
    try {
      plain = decryptMessage(key.authKey, packet, 'client');
    } catch (err) {
      conn.close(`decryption failed: ${(err as Error).message}`);
      return;
    }
    if (quickAck) conn.sendQuickAck(quickAckToken(key.authKey.key, plain));
    this.handlePlaintext(conn, key, plain);
  }

  /** A packet a gateway decrypted under `keyId` (and quick-acked): the key's state is checked here all the same. */
  async handleDecrypted(conn: ConnectionHandle, keyId: bigint, plain: Buffer): Promise<void> {
    const key = await this.usableKey(conn, keyId);
    if (key) this.handlePlaintext(conn, key, plain);
  }

  /** The key's context, or undefined once the connection has been failed with -404 (unknown or expired key). */
  private async usableKey(conn: ConnectionHandle, keyId: bigint): Promise<AuthKeyContext | undefined> {
    const cached = this.deps.keys.peek(keyId);
    // A connection's first packet of a key re-reads the key from the store: another node may have changed it.
    const key = cached && this.deps.keyKnownOn(conn, keyId) ? cached : cached ? await this.deps.keys.refresh(keyId) : await this.deps.keys.get(keyId);
    if (!key || (key.expiresAt !== undefined && key.expiresAt * 1000 < this.deps.now())) {
      conn.failWithTransportError(-404, key ? 'auth key expired' : 'unknown auth key');
      return undefined;
    }
    return key;
  }

  private handlePlaintext(conn: ConnectionHandle, key: AuthKeyContext, plain: Buffer): void {
    const nowMs = this.deps.now();
    const salt = plain.readBigInt64LE(0);
    const sessionId = plain.readBigInt64LE(8);
    const msgId = plain.readBigInt64LE(16);
    const seqNo = plain.readInt32LE(24);
    const length = plain.readInt32LE(28);
    if (length < 4 || length > plain.length - 32 || length % 4 !== 0) {
      conn.close(`bad inner message length ${length}`);
      return;
    }
    const body = plain.subarray(32, 32 + length);

    const state = this.deps.sessionFor(key, sessionId, msgId, conn);
    state.session.lastActive = nowMs;

    const timeError = checkClientMsgId(msgId, nowMs);
    if (timeError !== 0) {
      badMsg(state, msgId, seqNo, timeError);
    } else if (!isSaltValid(this.deps.salts, key, salt, nowMs)) {
      badServerSalt(state, msgId, seqNo, currentSalt(this.deps.salts, key, nowMs));
    } else {
      this.handleMessage(state, msgId, seqNo, body, false);
    }
    this.deps.outbound.scheduleFlush(state);
  }

  private handleMessage(state: SessionState, msgId: bigint, seqNo: number, body: Buffer, inContainer: boolean): void {
    const { session } = state;
    const verdict = session.registerInbound(msgId);
    if (verdict === 'duplicate') {
      this.deps.resends.duplicateRequest(state, msgId);
      return;
    }
    if (verdict === 'too-old') {
      badMsg(state, msgId, seqNo, 16);
      return;
    }
    const contentRelated = (seqNo & 1) === 1;
    if (body.length < 4) return;
    const constructor = body.readUInt32LE(0);
    if (constructor === ID_MSG_CONTAINER) {
      if (inContainer) {
        badMsg(state, msgId, seqNo, 64);
        return;
      }
      this.handleContainer(state, msgId, seqNo, body);
      return;
    }
    if (contentRelated) session.pendingAcks.push(msgId);
    let inner = body;
    if (constructor === ID_GZIP_PACKED) {
      try {
        const packed = decodeObject(body) as TlObject & { packedData: Buffer };
        inner = inflatePacked(packed.packedData);
      } catch (err) {
        this.deps.log.info({ conn: state.connection?.id, reason: (err as Error).message }, 'bad gzip_packed');
        this.deps.rpcCalls.replyError(state, msgId, new RpcError(400, 'INPUT_FETCH_ERROR'));
        return;
      }
    }
    let request: TlObject;
    try {
      request = decodeObject(inner);
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log.info({ conn: state.connection?.id, reason: message }, 'undecodable message');
      const unknown = err instanceof TlError && /constructor|unknown/i.test(message);
      this.deps.rpcCalls.replyError(state, msgId, new RpcError(400, unknown ? 'INPUT_METHOD_INVALID' : 'INPUT_FETCH_ERROR'));
      return;
    }
    this.handleObject(state, msgId, seqNo, request);
  }

  private handleContainer(state: SessionState, containerId: bigint, seqNo: number, body: Buffer): void {
    const items: { msgId: bigint; seqNo: number; body: Buffer }[] = [];
    try {
      const r = new TlReader(body, 4);
      const count = r.count();
      for (let i = 0; i < count; i++) {
        const msgId = r.int64();
        const itemSeqNo = r.int32();
        const bytes = r.int32();
        if (bytes < 0 || bytes > r.remaining) throw new TlError(`container item length ${bytes} out of range`);
        items.push({ msgId, seqNo: itemSeqNo, body: body.subarray(r.pos, r.pos + bytes) });
        r.pos += bytes;
      }
    } catch (err) {
      this.deps.log.info({ conn: state.connection?.id, reason: (err as Error).message }, 'bad msg_container');
      badMsg(state, containerId, seqNo, 64);
      return;
    }
    const nowMs = this.deps.now();
    for (const item of items) {
      const timeError = checkClientMsgId(item.msgId, nowMs);
      if (timeError !== 0) badMsg(state, item.msgId, item.seqNo, timeError);
      else this.handleMessage(state, item.msgId, item.seqNo, item.body, true);
    }
  }

  private handleObject(state: SessionState, msgId: bigint, seqNo: number, obj: TlObject): void {
    if (this.deps.serviceMessages.handle(state, msgId, obj)) return;
    if ((seqNo & 1) === 0) {
      // A request must be content-related; the docs' error 35 says so.
      badMsg(state, msgId, seqNo, 35);
      return;
    }
    this.deps.rpcCalls.startRpc(state, msgId, obj);
  }
}
