// Broadcast over Redis pub/sub. A connection in subscriber mode can run no other command, so subscribing
// uses a second connection (a duplicate of the KV's, same server and options); publishing uses the KV's.
import { Cluster, type Redis } from 'ioredis';
import type { Broadcast } from './broadcast.js';

export class RedisBroadcast implements Broadcast {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private subscriber: Redis | Cluster | undefined;

  constructor(private readonly client: Redis | Cluster) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const subscriber = this.subscriberConnection();
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      set.add(handler);
      // ioredis re-subscribes by itself after a reconnect (autoResubscribe).
      await subscriber.subscribe(channel);
      return;
    }
    set.add(handler);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.handlers.clear();
    if (!subscriber) return;
    if (subscriber.status !== 'ready') subscriber.disconnect();
    else await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private subscriberConnection(): Redis | Cluster {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.client instanceof Cluster ? this.client.duplicate() : this.client.duplicate();
    // Connection trouble is reported by the KV's own connection (check(), /readyz); without a listener
    // Node would treat these 'error' events as unhandled.
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
