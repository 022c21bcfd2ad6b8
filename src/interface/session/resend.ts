// What happens to messages the client has not acknowledged (core.telegram.org/mtproto/service_messages_about_messages):
// acks release them, msg_resend_req and a re-sent request send them again, and the updates a session left behind
// without a connection still holds move to the device's new session or are dropped when the device signs out.
import type { Logger } from 'pino';
import type { ConnectionHandle } from './connection.js';
import type { Outbound } from './outbound.js';
import type { SessionState } from './session-state.js';

export interface ResendDeps {
  log: Logger;
  outbound: Outbound;
}

export class Resends {
  constructor(private readonly deps: ResendDeps) {}

  /** msgs_ack: the client has these messages, they are not sent again. */
  acknowledge(state: SessionState, msgIds: bigint[]): void {
    state.session.acknowledge(msgIds);
  }

  /** msg_resend_req: the client asks for these messages again. */
  resendRequested(state: SessionState, msgIds: bigint[]): void {
    state.session.requeueUnacked(msgIds);
  }

  /** A re-sent request: send the answer again if we still have it, otherwise it is still running or done. */
  duplicateRequest(state: SessionState, msgId: bigint): void {
    const { session } = state;
    const answer = session.answerTo(msgId);
    if (answer) session.requeueUnacked([answer.msgId]);
  }

  /**
   * The session came back on another connection: what went out on its earlier connection and is still
   * unacknowledged may never have arrived, even if that connection still looks open here (a client that
   * reconnects has given up on it). An HTTP exchange is no reconnect.
   */
  reboundTo(state: SessionState, conn: ConnectionHandle): void {
    if (!conn.ephemeral) state.session.requeueUnacked();
  }

  adoptUpdates(into: SessionState, from: SessionState): void {
    const bodies = from.session.takeUnackedUpdateMessages();
    for (const { body, eventId } of bodies) into.session.enqueue(body, true, { update: true, eventId });
    if (bodies.length > 0) {
      this.deps.log.debug({ from: from.session.id.toString(), into: into.session.id.toString(), count: bodies.length }, 'updates moved to the device\'s new session');
      this.deps.outbound.scheduleFlush(into);
    }
  }

  /** The updates these sessions hold unacknowledged are not to reach their client any more. */
  dropUnackedUpdates(states: Iterable<SessionState>): void {
    for (const state of states) state.session.takeUnackedUpdates();
  }
}
