// What the session layer needs from a client connection, whatever carries it (TCP, WebSocket, HTTP).

export interface ConnectionHandle {
  readonly id: number;
  readonly remoteAddress: string;
  /** e.g. "tcp/abridged", "ws/obfuscated2/intermediate", "http". */
  readonly transport: string;
  readonly closed: boolean;
  /** One request/response exchange (HTTP): rebinding a session to it does not re-send unacknowledged messages. */
  readonly ephemeral?: boolean;
  /** Sends one MTProto packet (plain or encrypted); the transport frames it. */
  sendPacket(packet: Buffer): void;
  /**
   * Present when a gateway encrypts for this connection (the socket is in another process): sends one message's
   * plaintext (salt, session_id, msg_id, seq_no, length, body) to be encrypted under the key `keyId`.
   * Absent: the session layer encrypts and calls sendPacket.
   */
  sendPlaintext?(keyId: bigint, plaintext: Buffer): void;
  sendQuickAck(token: number): void;
  /** Sends a transport error (-404, -429, ...) and closes the connection. */
  failWithTransportError(code: number, reason: string): void;
  close(reason: string): void;
  /** ping_delay_disconnect: close if the client stays silent for `seconds` (the transport may wait longer). */
  setPingDisconnect(seconds: number): void;
}
