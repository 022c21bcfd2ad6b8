// Writing a session's queued messages to its connection: one flush per turn of the event loop, several
// messages in one msg_container (core.telegram.org/mtproto/service_messages#containers), encrypted.
import { encryptMessage } from '../../mtproto/crypto/message.js';
import type { OutboundMessage } from '../../mtproto/session/session.js';
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import { encodeObject, type TlObject } from '../../tl/index.js';
import type { ConnectionHandle } from './connection.js';
import { currentSalt } from './key-salts.js';
import type { SessionState } from './session-state.js';

export const ID_MSG_CONTAINER = 0x73f1f8dc;
const MAX_CONTAINER_ITEMS = 1020;
/** A container must stay below the client's packet limit; larger batches are split. */
const MAX_CONTAINER_BYTES = 1 << 20;

export interface OutboundDeps {
  salts: SaltSchedule;
  now: () => number;
  random: (n: number) => Buffer;
}

export class Outbound {
  constructor(private readonly deps: OutboundDeps) {}

  scheduleFlush(state: SessionState): void {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    queueMicrotask(() => {
      state.flushScheduled = false;
      this.flush(state);
    });
  }

  /** Sends everything queued for the session, several messages in one container. */
  flush(state: SessionState): void {
    const conn = state.connection;
    if (!conn || conn.closed) return;
    const { session } = state;
    // An HTTP response carries one packet: wait until the request's RPCs are answered, then send everything at once.
    if (conn.ephemeral && session.running.size > 0) return;
    if (session.pendingAcks.length > 0) {
      session.enqueue(encodeObject({ _: 'msgs_ack', msgIds: session.pendingAcks } as TlObject), false);
      session.pendingAcks = [];
    }
    const messages = session.takeOutbox();
    if (messages.length === 0) return;
    let batch: OutboundMessage[] = [];
    let batchBytes = 0;
    for (const msg of messages) {
      if (batch.length > 0 && (batch.length >= MAX_CONTAINER_ITEMS || batchBytes + msg.body.length > MAX_CONTAINER_BYTES)) {
        this.sendBatch(state, conn, batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push(msg);
      batchBytes += msg.body.length + 16;
    }
    this.sendBatch(state, conn, batch);
  }

  /** Encrypts one message, or a container of several, and sends it; the plaintext is built in one buffer. */
  private sendBatch(state: SessionState, conn: ConnectionHandle, batch: OutboundMessage[]): void {
    const single = batch.length === 1 ? batch[0]! : undefined;
    const bodyLength = single ? single.body.length : batch.reduce((n, m) => n + m.body.length + 16, 8);
    const { msgId, seqNo } = single ?? state.session.wrapperIds();
    const plain = Buffer.allocUnsafe(32 + bodyLength);
    plain.writeBigInt64LE(currentSalt(this.deps.salts, state.key, this.deps.now()), 0);
    plain.writeBigInt64LE(state.session.id, 8);
    plain.writeBigInt64LE(msgId, 16);
    plain.writeInt32LE(seqNo, 24);
    plain.writeInt32LE(bodyLength, 28);
    if (single) {
      plain.set(single.body, 32);
    } else {
      let at = plain.writeUInt32LE(ID_MSG_CONTAINER, 32);
      at = plain.writeInt32LE(batch.length, at);
      for (const m of batch) {
        at = plain.writeBigInt64LE(m.msgId, at);
        at = plain.writeInt32LE(m.seqNo, at);
        at = plain.writeInt32LE(m.body.length, at);
        plain.set(m.body, at);
        at += m.body.length;
      }
    }
    if (conn.sendPlaintext) conn.sendPlaintext(state.key.authKey.id, plain);
    else conn.sendPacket(encryptMessage(state.key.authKey, plain, 'server', this.deps.random));
  }
}
