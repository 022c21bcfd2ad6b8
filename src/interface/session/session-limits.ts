// Memory the session layer holds per auth key stays bounded: a key may keep at most `sessionsPerAuthKey`
// sessions (each holds a replay window and unacknowledged messages, see MtSession), and a session without a
// connection is forgotten after `sessionIdleMs`. A key over the cap loses its least recently active session:
// if the client uses it again it gets new_session_created, as after any session the server forgot.

export interface SessionLimits {
  sessionsPerAuthKey: number;
  sessionIdleMs: number;
}

/**
 * A key's sessions are kept in use order (a Set iterates in insertion order): the one just used moves to the
 * end, so the first is the least recently used, without comparing clocks that tie within a millisecond.
 */
export function markUsed<S>(ofKey: Set<S> | undefined, state: S): void {
  if (!ofKey || ofKey.size < 2) return;
  ofKey.delete(state);
  ofKey.add(state);
}

/** The session to forget before one more is added to `ofKey`, or undefined when there is room. */
export function evictForNewSession<S>(ofKey: ReadonlySet<S>, limits: SessionLimits | undefined): S | undefined {
  if (!limits || ofKey.size < limits.sessionsPerAuthKey) return undefined;
  return ofKey.values().next().value;
}
