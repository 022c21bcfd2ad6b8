// State of one MTProto session (auth key + session_id, core.telegram.org/mtproto/description#session):
// replay window of client msg_ids, server seqno, and the server messages the client has not
// acknowledged yet (re-sent when the client reconnects or asks with msg_resend_req).
// No IO here: the session service decides where the queued messages go.
import { MSG_ID_MAX_AGE_SECONDS, MSG_ID_MAX_FUTURE_SECONDS, type ServerMsgIdGenerator } from './msg-id.js';

export interface OutboundMessage {
  msgId: bigint;
  seqNo: number;
  body: Uint8Array;
  contentRelated: boolean;
  /** For rpc_result: the request it answers (msgs_state_req and resends use it). */
  reqMsgId?: bigint;
  /** A pushed Updates object (not an answer): another session of the same device may take it over. */
  update?: boolean;
  /** For a pushed update with several nodes: the event it carries, so that a device is given each event once. */
  eventId?: string;
}

export type InboundVerdict = 'new' | 'duplicate' | 'too-old';

/** How many client msg_ids each session remembers for replay detection. */
const REPLAY_WINDOW = 1024;
/**
 * A client msg_id this much older than one just accepted can no longer pass the time check (at most
 * MSG_ID_MAX_AGE_SECONDS old, MSG_ID_MAX_FUTURE_SECONDS ahead): a replay of it is refused before it gets
 * here, so it need not be remembered. This keeps the window of a busy session to its last few minutes
 * instead of 1024 ids (about 60 KiB) per session.
 */
const REPLAY_HORIZON = BigInt(MSG_ID_MAX_AGE_SECONDS + MSG_ID_MAX_FUTURE_SECONDS) << 32n;
/** Unacknowledged server messages kept per session; the oldest are dropped beyond this many or this many bytes. */
const MAX_UNACKED = 2048;
export const MAX_UNACKED_BYTES = 16 * 1024 * 1024;
/**
 * Messages waiting for a connection (a session whose device just dropped): beyond this the oldest are dropped;
 * the client sees the pts gap and catches up with updates.getDifference. A live session's outbox empties every turn.
 */
export const MAX_OUTBOX = 4096;

export class MtSession {
  private contentSent = 0;
  private readonly seen = new Set<bigint>();
  private readonly seenOrder: bigint[] = [];
  /** Client msg_ids below this were forgotten for their age (see REPLAY_HORIZON). */
  private forgottenBelow = 0n;
  private readonly unacked = new Map<bigint, OutboundMessage>();
  private unackedBytes = 0;
  private readonly answered = new Map<bigint, bigint>(); // req msg_id -> rpc_result msg_id
  /** Client content-related msg_ids still to acknowledge with msgs_ack. */
  pendingAcks: bigint[] = [];
  /** Messages queued for the next flush to the client. */
  outbox: OutboundMessage[] = [];
  /** Requests being processed (msg_id -> completion), for invokeAfterMsg and msgs_state_req. */
  readonly running = new Map<bigint, Promise<void>>();
  lastActive: number;

  constructor(
    readonly id: bigint,
    readonly authKeyId: bigint,
    private readonly msgIds: ServerMsgIdGenerator,
    now: number,
  ) {
    this.lastActive = now;
  }

  /** Records a client msg_id; duplicates and ids below the remembered window are reported. */
  registerInbound(msgId: bigint): InboundVerdict {
    if (this.seen.has(msgId)) return 'duplicate';
    if (msgId < this.forgottenBelow) return 'too-old';
    const horizon = msgId - REPLAY_HORIZON;
    if (this.seenOrder.length > 0 && this.seenOrder[0]! < horizon) {
      while (this.seenOrder.length > 0 && this.seenOrder[0]! < horizon) this.seen.delete(this.seenOrder.shift()!);
      if (horizon > this.forgottenBelow) this.forgottenBelow = horizon;
    }
    if (this.seenOrder.length >= REPLAY_WINDOW) {
      let min = this.seenOrder[0]!;
      for (const id of this.seenOrder) if (id < min) min = id;
      if (msgId < min) return 'too-old';
      const dropped = this.seenOrder.shift()!;
      this.seen.delete(dropped);
    }
    this.seen.add(msgId);
    this.seenOrder.push(msgId);
    return 'new';
  }

  hasSeen(msgId: bigint): boolean {
    return this.seen.has(msgId);
  }

  /** Client msg_ids below this are not remembered (undefined: every id this session got is). */
  oldestRemembered(): bigint | undefined {
    const aged = this.forgottenBelow > 0n ? this.forgottenBelow : undefined;
    if (this.seenOrder.length < REPLAY_WINDOW) return aged;
    let min = this.seenOrder[0]!;
    for (const id of this.seenOrder) if (id < min) min = id;
    return aged !== undefined && aged > min ? aged : min;
  }

  private nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.contentSent * 2;
    return this.contentSent++ * 2 + 1;
  }

  /** Queues a server message; content-related ones are kept until the client acknowledges them. */
  enqueue(body: Uint8Array, contentRelated: boolean, opts: { response?: boolean; reqMsgId?: bigint; update?: boolean; eventId?: string | undefined } = {}): OutboundMessage {
    const msg: OutboundMessage = {
      msgId: this.msgIds.next(opts.response ?? false),
      seqNo: this.nextSeqNo(contentRelated),
      body,
      contentRelated,
      reqMsgId: opts.reqMsgId,
      update: opts.update,
    };
    if (opts.eventId !== undefined) msg.eventId = opts.eventId;
    if (contentRelated) {
      this.unacked.set(msg.msgId, msg);
      this.unackedBytes += body.length;
      // A client that never acknowledges must not grow the session: the oldest are forgotten (and their answers).
      while (this.unacked.size > MAX_UNACKED || (this.unackedBytes > MAX_UNACKED_BYTES && this.unacked.size > 1)) {
        this.forgetUnacked(this.unacked.keys().next().value!);
      }
    }
    if (opts.reqMsgId !== undefined) this.answered.set(opts.reqMsgId, msg.msgId);
    this.outbox.push(msg);
    if (this.outbox.length > MAX_OUTBOX) this.outbox.splice(0, this.outbox.length - MAX_OUTBOX);
    return msg;
  }

  private forgetUnacked(id: bigint): OutboundMessage | undefined {
    const msg = this.unacked.get(id);
    if (!msg) return undefined;
    this.unacked.delete(id);
    this.unackedBytes -= msg.body.length;
    if (msg.reqMsgId !== undefined && this.answered.get(msg.reqMsgId) === id) this.answered.delete(msg.reqMsgId);
    return msg;
  }

  /** A container (or any wrapper) gets its own id and a non-content seqno. */
  wrapperIds(): { msgId: bigint; seqNo: number } {
    return { msgId: this.msgIds.next(false), seqNo: this.nextSeqNo(false) };
  }

  acknowledge(msgIds: readonly bigint[]): void {
    for (const id of msgIds) this.forgetUnacked(id);
  }

  isUnacked(msgId: bigint): boolean {
    return this.unacked.has(msgId);
  }

  /** The answer already produced for a request, if the client has not acknowledged it yet. */
  answerTo(reqMsgId: bigint): OutboundMessage | undefined {
    const id = this.answered.get(reqMsgId);
    return id === undefined ? undefined : this.unacked.get(id);
  }

  wasAnswered(reqMsgId: bigint): boolean {
    return this.answered.has(reqMsgId);
  }

  /**
   * Re-queues unacknowledged messages (all, or the given ids) under fresh msg_ids: some clients
   * (GramJS) treat a repeated server msg_id as an attack, and the request id inside rpc_result is
   * what matches an answer to its request.
   */
  requeueUnacked(only?: readonly bigint[]): number {
    const ids = only ?? [...this.unacked.keys()];
    let count = 0;
    for (const id of ids) {
      const msg = this.unacked.get(id);
      if (!msg || this.outbox.includes(msg)) continue;
      this.forgetUnacked(id);
      this.enqueue(msg.body, true, { response: msg.reqMsgId !== undefined, reqMsgId: msg.reqMsgId, update: msg.update, eventId: msg.eventId });
      count++;
    }
    return count;
  }

  /**
   * Removes and returns the pushed updates the client has not acknowledged (queued or already sent), oldest
   * first, for another session of the same device to deliver: this one's client has moved on.
   */
  takeUnackedUpdates(): Uint8Array[] {
    return this.takeUnackedUpdateMessages().map((m) => m.body);
  }

  /** As takeUnackedUpdates, with each update's msg_id and event id. */
  takeUnackedUpdateMessages(): OutboundMessage[] {
    const taken: OutboundMessage[] = [];
    for (const [id, msg] of this.unacked) {
      if (!msg.update) continue;
      this.forgetUnacked(id);
      taken.push(msg);
    }
    if (taken.length > 0) this.outbox = this.outbox.filter((m) => !m.update || this.unacked.has(m.msgId));
    return taken;
  }

  /** Removes and returns the pushed updates still queued, never sent, oldest first. */
  takeQueuedUpdates(): OutboundMessage[] {
    const taken = this.outbox.filter((m) => m.update);
    if (taken.length === 0) return taken;
    this.outbox = this.outbox.filter((m) => !m.update);
    for (const m of taken) this.forgetUnacked(m.msgId);
    return taken;
  }

  /** Drops the oldest queued (never sent) updates beyond `max`: a client that returns sees the pts gap and asks for a difference. */
  trimQueuedUpdates(max: number): number {
    let queued = 0;
    for (const m of this.outbox) if (m.update) queued++;
    if (queued <= max) return 0;
    let excess = queued - max;
    const dropped = excess;
    this.outbox = this.outbox.filter((m) => {
      if (excess === 0 || !m.update) return true;
      excess--;
      this.forgetUnacked(m.msgId);
      return false;
    });
    return dropped;
  }

  takeOutbox(): OutboundMessage[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }
}
