/** Malformed framing: the connection cannot continue and should be closed. */
export class TransportError extends Error {
  override name = 'TransportError';
}
