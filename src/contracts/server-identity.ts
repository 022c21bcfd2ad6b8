// Who this server is to its clients: the DC id and the addresses it advertises in help.getConfig.
export interface ServerIdentity {
  dcId: number;
  /** Address clients should connect to (ECHO_HOST). */
  host: string;
  /** TCP ports actually bound (known after listening; 0 in the config means "any free port"). */
  tcpPorts: number[];
}
