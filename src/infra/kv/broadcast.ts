// Fire-and-forget messages to every node (cache invalidations): Redis pub/sub in a scale-out deployment,
// in process when embedded. Delivery is best effort: a node that is not subscribed at that moment misses
// the message, so only caches whose entries are also bounded in size may rely on it.
export interface Broadcast {
  /** Sends `message` to every subscriber of `channel` on every node, this one included. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active (messages published after that reach `handler`). */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** One process: subscribers of the same instance receive what it publishes (tests, several services in one process). */
export class MemoryBroadcast implements Broadcast {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  async publish(channel: string, message: string): Promise<void> {
    for (const handler of this.handlers.get(channel) ?? []) handler(message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
