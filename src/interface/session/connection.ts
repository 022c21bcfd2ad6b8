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
  sendQuickAck(token: number): void;
  /** Sends a transport error (-404, -429, ...) and closes the connection. */
  failWithTransportError(code: number, reason: string): void;
  close(reason: string): void;
  /** ping_delay_disconnect: close if the client stays silent for `seconds` (the transport may wait longer). */
  setPingDisconnect(seconds: number): void;
}
