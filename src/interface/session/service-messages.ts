// Service messages (core.telegram.org/mtproto/service_messages, /service_messages_about_messages): pings,
// salts, message state, session and key destruction, and the notifications the server sends about a client's
// bad message or salt. API calls are not handled here (rpc-calls.ts).
import type { Logger } from 'pino';
import type { MtSession } from '../../mtproto/session/session.js';
import type { SaltSchedule } from '../../mtproto/session/salts.js';
import { encodeObject, type TlObject } from '../../tl/index.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import type { Outbound } from './outbound.js';
import type { Resends } from './resend.js';
import type { RpcCalls } from './rpc-calls.js';
import { isLive, type SessionState } from './session-state.js';

export interface ServiceMessagesDeps {
  keys: AuthKeyRegistry;
  salts: SaltSchedule;
  log: Logger;
  now: () => number;
  outbound: Outbound;
  resends: Resends;
  rpcCalls: RpcCalls;
  /** The session held under this `${authKeyId}:${sessionId}` key, if any. */
  findSession: (mapKey: string) => SessionState | undefined;
  dropSession: (mapKey: string, state: SessionState) => void;
}

export function badMsg(state: SessionState, msgId: bigint, seqNo: number, code: number): void {
  const body = encodeObject({ _: 'bad_msg_notification', badMsgId: msgId, badMsgSeqno: seqNo, errorCode: code } as TlObject);
  state.session.enqueue(body, false, { response: true });
}

export function badServerSalt(state: SessionState, msgId: bigint, seqNo: number, newServerSalt: bigint): void {
  const badSalt = encodeObject({
    _: 'bad_server_salt', badMsgId: msgId, badMsgSeqno: seqNo, errorCode: 48, newServerSalt,
  } as TlObject);
  state.session.enqueue(badSalt, false, { response: true });
}

export class ServiceMessages {
  constructor(private readonly deps: ServiceMessagesDeps) {}

  /** Answers a service message; false when `obj` is none (an API call, or something unknown). */
  handle(state: SessionState, msgId: bigint, obj: TlObject): boolean {
    const { session } = state;
    const o = obj as TlObject & Record<string, any>;
    switch (obj._) {
      case 'msgs_ack':
        this.deps.resends.acknowledge(state, o.msgIds as bigint[]);
        return true;
      case 'ping':
      case 'ping_delay_disconnect':
        session.enqueue(encodeObject({ _: 'pong', msgId, pingId: o.pingId } as TlObject), true, { response: true });
        if (obj._ === 'ping_delay_disconnect') state.connection?.setPingDisconnect(o.disconnectDelay as number);
        return true;
      case 'get_future_salts': {
        const nowMs = this.deps.now();
        const num = Math.min(Math.max(1, o.num as number), 64);
        const salts = this.deps.salts.future(state.key.authKey.id, nowMs, num).map((s) => ({ _: 'future_salt', ...s }));
        session.enqueue(encodeObject({ _: 'future_salts', reqMsgId: msgId, now: Math.floor(nowMs / 1000), salts } as TlObject), true, { response: true });
        return true;
      }
      case 'msgs_state_req':
        session.enqueue(encodeObject({ _: 'msgs_state_info', reqMsgId: msgId, info: this.stateInfo(session, o.msgIds as bigint[]) } as TlObject), true, { response: true });
        return true;
      case 'msg_resend_req':
        this.deps.resends.resendRequested(state, o.msgIds as bigint[]);
        return true;
      case 'destroy_session': {
        const target = o.sessionId as bigint;
        const mapKey = `${state.key.authKey.id}:${target}`;
        const victim = target !== session.id ? this.deps.findSession(mapKey) : undefined;
        if (victim) {
          // The client is done with that session (mtcute destroys the one it left); its undelivered updates are not.
          if (victim.device !== undefined && !isLive(victim)) this.deps.resends.adoptUpdates(state, victim);
          this.deps.dropSession(mapKey, victim);
        }
        const existed = victim !== undefined;
        session.enqueue(encodeObject({ _: existed ? 'destroy_session_ok' : 'destroy_session_none', sessionId: target } as TlObject), true, { response: true });
        return true;
      }
      case 'rpc_drop_answer': {
        const target = o.reqMsgId as bigint;
        const answer = session.running.has(target)
          ? { _: 'rpc_answer_dropped_running' }
          : session.wasAnswered(target)
            ? { _: 'rpc_answer_dropped', msgId: target, seqNo: 0, bytes: 0 }
            : { _: 'rpc_answer_unknown' };
        this.deps.rpcCalls.replyResult(state, msgId, encodeObject(answer as TlObject));
        return true;
      }
      case 'http_wait':
        return true;
      case 'destroy_auth_key': {
        // The client throws the key away; so does the server, once the answer is on its way.
        const conn = state.connection;
        this.deps.rpcCalls.replyResult(state, msgId, encodeObject({ _: 'destroy_auth_key_ok' } as TlObject));
        this.deps.outbound.flush(state);
        this.deps.keys.destroy(state.key.authKey.id).then(
          () => conn?.close('auth key destroyed by the client'),
          (err: Error) => this.deps.log.error({ err }, 'destroying an auth key failed'),
        );
        return true;
      }
      default:
        return false;
    }
  }

  private stateInfo(session: MtSession, ids: bigint[]): Buffer {
    const info = Buffer.alloc(ids.length);
    const oldest = session.oldestRemembered();
    ids.forEach((id, i) => {
      if (session.hasSeen(id)) info[i] = 4 | (session.running.has(id) || session.wasAnswered(id) ? 32 : 0);
      else if (oldest !== undefined && id < oldest) info[i] = 1;
      else info[i] = id > (this.deps.now() / 1000 + 30) * 2 ** 32 ? 3 : 2;
    });
    return info;
  }
}
