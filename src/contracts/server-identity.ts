// Who this server is to its clients: the DC id and the addresses it advertises in help.getConfig.
export interface ServerIdentity {
  dcId: number;
  /** Address clients should connect to (ECHO_HOST). */
  host: string;
  /** TCP ports actually bound (known after listening; 0 in the config means "any free port"). */
  tcpPorts: number[];
  /**
   * Every live node of the DC (this one included), as the node registry knows them; absent: this node alone.
   * May answer from a cache a few seconds old.
   */
  nodes?: () => Promise<readonly DcNodeAddress[]>;
}

/** Where clients reach one node of the DC. */
export interface DcNodeAddress {
  host: string;
  tcpPorts: number[];
}
