// Presence across nodes. Building a user object is synchronous about presence (UserViews asks for many
// users at once), so callers first look up the users they are about to show, in one round trip, and then
// ask the answer synchronously. Embedded, the lookup is this node's own answer, with no waiting at all.
import type { NodePresenceMap } from '../../infra/kv/presence-map.js';
import type { PresenceView } from './presence.js';

export interface PresenceDirectory {
  /** Who of `userIds` is online on any node; a synchronous answer when everything is local. */
  lookup(userIds: readonly bigint[]): PresenceView | Promise<PresenceView>;
  /**
   * This node's answer for the user may have changed (connections, account.updateStatus). Resolves once
   * this and every earlier change is written (never rejects: failures go to the directory's error handler).
   */
  changed(userId: bigint): Promise<void>;
  /** Stops refreshing and withdraws this node's entries (graceful shutdown). */
  close(): Promise<void>;
}

/** One node: the local answer. */
export class LocalPresenceDirectory implements PresenceDirectory {
  constructor(private readonly local: PresenceView) {}

  lookup(_userIds?: readonly bigint[]): PresenceView {
    return this.local;
  }

  async changed(): Promise<void> {}

  async close(): Promise<void> {}
}

export interface SharedPresenceOptions {
  local: PresenceView;
  map: NodePresenceMap;
  nodeId: string;
  now: () => number;
  /** How long an entry vouches for the user without a refresh (a dead node's users go offline after this). */
  ttlMs?: number;
  /** How often the entries of users still connected here are refreshed; well under ttlMs. */
  refreshMs?: number;
  /**
   * Every user this node may hold, for the periodic refresh to pick up one whose change was never announced
   * (the entry then appears within refreshMs instead of never).
   */
  localUsers?: () => Iterable<bigint>;
  /** A failed read or write (the lookup then answers from this node alone). */
  onError?: (err: unknown) => void;
}

export const PRESENCE_TTL_MS = 90_000;
export const PRESENCE_REFRESH_MS = 30_000;

/**
 * Several nodes sharing a NodePresenceMap: this node writes an entry for each user it holds while its
 * local answer is "online" and removes it when that ends; a user is online when this node says so or any
 * other node's entry is still valid.
 */
export class SharedPresenceDirectory implements PresenceDirectory {
  /** Users this node has an entry for. */
  private readonly held = new Set<bigint>();
  private readonly timer: NodeJS.Timeout;
  private readonly ttlMs: number;
  /** The last write issued; writes share one connection, so it settles after every earlier one. */
  private latest: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SharedPresenceOptions) {
    this.ttlMs = opts.ttlMs ?? PRESENCE_TTL_MS;
    this.timer = setInterval(() => this.refresh(), opts.refreshMs ?? PRESENCE_REFRESH_MS);
    this.timer.unref();
  }

  lookup(userIds: readonly bigint[]): PresenceView | Promise<PresenceView> {
    const { local } = this.opts;
    const elsewhere = [...new Set(userIds)].filter((id) => !local.isOnline(id));
    if (elsewhere.length === 0) return local;
    return this.remote(elsewhere);
  }

  changed(userId: bigint): Promise<void> {
    const { local, map, nodeId, now } = this.opts;
    // The write is issued before anything is awaited, so writes reach Redis (one connection) in the order
    // of the changes.
    let write: Promise<void> | undefined;
    if (local.isOnline(userId)) {
      this.held.add(userId);
      const at = now();
      write = map.hold([userId], nodeId, at + this.ttlMs, at);
    } else if (this.held.delete(userId)) {
      write = map.release([userId], nodeId);
    }
    if (write) this.latest = write.catch((err) => this.failed(err));
    return this.latest;
  }

  /** Rewrites the entries of the users still online here (and withdraws those that no longer are). */
  refresh(): Promise<void> {
    const { local, map, nodeId, now } = this.opts;
    const gone = [...this.held].filter((id) => !local.isOnline(id));
    for (const id of gone) this.held.delete(id);
    for (const id of this.opts.localUsers?.() ?? []) if (local.isOnline(id)) this.held.add(id);
    const at = now();
    return Promise.all([map.hold([...this.held], nodeId, at + this.ttlMs, at), map.release(gone, nodeId)]).then(
      () => undefined,
      (err) => this.failed(err),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const held = [...this.held];
    this.held.clear();
    await this.opts.map.release(held, this.opts.nodeId).catch((err) => this.failed(err));
  }

  private async remote(userIds: bigint[]): Promise<PresenceView> {
    const { local, map, nodeId, now } = this.opts;
    let entries: Map<bigint, Map<string, number>>;
    try {
      entries = await map.read(userIds);
    } catch (err) {
      this.failed(err);
      return local;
    }
    const at = now();
    const elsewhere = new Set<bigint>();
    for (const [id, nodes] of entries) {
      for (const [node, until] of nodes) if (node !== nodeId && until > at) elsewhere.add(id);
    }
    return { isOnline: (id) => local.isOnline(id) || elsewhere.has(id) };
  }

  private failed(err: unknown): void {
    this.opts.onError?.(err);
  }
}
