// Which echod nodes exist and which worker id each one owns. A node is in the registry while it lives
// (with etcd: while its lease is kept alive); its worker id is unique among the live nodes, so ids made
// from (time, worker id, sequence) never collide between nodes.

export interface NodeInfo {
  /** Unique per process start (host name, pid and a random suffix). */
  id: string;
  /** Address clients and peers reach this node at. */
  address: string;
  tcpPorts: number[];
  httpPort: number;
  adminPort: number;
  workerId: number;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

/** Worker ids fit in 10 bits of a time-ordered id. */
export const MAX_WORKERS = 1024;

export interface NodeRegistry {
  /** Claims a worker id no other live node holds; the same one for the life of this node. */
  claimWorkerId(): Promise<number>;
  /** Publishes this node (again, after its ports are known). */
  register(info: NodeInfo): Promise<void>;
  /**
   * Takes this node's entry out of the list (draining: clients are no longer sent here) while it keeps its
   * worker id until close(), since RPCs still running may create ids.
   */
  leave(id: string): Promise<void>;
  /** Every live node, this one included once registered. */
  nodes(): Promise<NodeInfo[]>;
  /** Throws one line naming the engine and why it cannot be used. */
  check(): Promise<void>;
  /** Leaves the registry and releases the worker id. */
  close(): Promise<void>;
}
