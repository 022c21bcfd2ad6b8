// Memory the session layer holds per auth key stays bounded: a key may keep at most `sessionsPerAuthKey`
// sessions (each holds a replay window and unacknowledged messages, see MtSession), and a session without a
// connection is forgotten after `sessionIdleMs`. A key over the cap loses its least recently active session:
// if the client uses it again it gets new_session_created, as after any session the server forgot.

export interface SessionLimits {
  sessionsPerAuthKey: number;
  sessionIdleMs: number;
}

interface HeldSession {
  session: { lastActive: number };
}

/** The session to forget before one more is added to `ofKey`, or undefined when there is room. */
export function evictForNewSession<S extends HeldSession>(ofKey: ReadonlySet<S>, limits: SessionLimits | undefined): S | undefined {
  if (!limits || ofKey.size < limits.sessionsPerAuthKey) return undefined;
  let oldest: S | undefined;
  for (const state of ofKey) if (!oldest || state.session.lastActive < oldest.session.lastActive) oldest = state;
  return oldest;
}
