// The DC's live nodes as help.getConfig lists them: read from the node registry (etcd) at most every few
// seconds, because every client asks for the config at start-up and a reconnect storm after a node dies would
// otherwise become an etcd storm. When the registry cannot answer, the last answer stands (or none: the
// config then lists this node alone).
import type { DcNodeAddress } from '../contracts/server-identity.js';
import type { NodeRegistry } from '../infra/discovery/index.js';

export const DC_NODES_CACHE_MS = 3000;

export function cachedDcNodes(registry: NodeRegistry, now: () => number, onError: (err: Error) => void, ttlMs = DC_NODES_CACHE_MS): () => Promise<readonly DcNodeAddress[]> {
  let last: readonly DcNodeAddress[] = [];
  let readAt = -Infinity;
  let pending: Promise<readonly DcNodeAddress[]> | undefined;
  return () => {
    if (now() - readAt < ttlMs) return Promise.resolve(last);
    pending ??= registry
      .nodes()
      .then(
        (nodes) => {
          // Oldest first: a stable order, so clients' lists do not reshuffle on every refresh.
          last = [...nodes].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id)).map((n) => ({ host: n.address, tcpPorts: n.tcpPorts }));
          readAt = now();
          return last;
        },
        (err: Error) => {
          onError(err);
          return last;
        },
      )
      .finally(() => (pending = undefined));
    return pending;
  };
}
