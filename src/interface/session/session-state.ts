// What the session layer keeps for one MTProto session (an auth key and a client-chosen session id).
import type { MtSession } from '../../mtproto/session/session.js';
import type { AuthKeyContext } from './auth-keys.js';
import type { ConnectionHandle } from './connection.js';
import type { Subscriber } from './update-subscriptions.js';

export interface SessionState extends Subscriber {
  session: MtSession;
  key: AuthKeyContext;
  connection?: ConnectionHandle;
  flushScheduled: boolean;
  /**
   * Subscribed on arrival, before any call (see PushQueue.subscribeOnArrival): dropped if its first call is a
   * file transfer, made a real subscription by any other call.
   */
  provisional?: boolean;
}

export const isLive = (state: SessionState): boolean => state.connection !== undefined && !state.connection.closed;
