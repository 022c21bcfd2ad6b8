// Which node holds which user's connections, shared by every node: Redis hash `presence:<userId>` with one
// field per node holding the user, valued with the time (ms, the writing node's clock) until which that
// node vouches for it. Nodes refresh their fields while the user stays connected; a node that dies stops
// refreshing, its field goes stale (readers ignore it) and the key expires with the last live field, so
// nothing outlives the users that are online.
import type { Cluster, Redis } from 'ioredis';

export interface NodePresenceMap {
  /** `nodeId` holds each of `userIds` until `untilMs`; stale fields of other nodes are dropped on the way. */
  hold(userIds: readonly bigint[], nodeId: string, untilMs: number, nowMs: number): Promise<void>;
  /** `nodeId` no longer holds the user. */
  release(userIds: readonly bigint[], nodeId: string): Promise<void>;
  /** nodeId -> until, for each of `userIds` that some node holds (one round trip). */
  read(userIds: readonly bigint[]): Promise<Map<bigint, Map<string, number>>>;
}

export const PRESENCE_KEY_PREFIX = 'presence:';

// One script both sets a node's field (ARGV[2] = until) and removes it (ARGV[2] = ''), so that a node's writes
// keep their order: ioredis sends a script as EVALSHA and, when the server does not know it yet (first use,
// a restart, a failover to a replica), sends it again as EVAL once the NOSCRIPT error is back. A plain HDEL
// issued after a hold whose EVALSHA failed so would run before that hold, which then brought back the
// withdrawn field, and the node would be named for a user it no longer holds until the entry expired. Both
// kinds of write being the same script, they fail and are re-sent together, in order.
// Setting drops fields that are stale (until <= now) and lets the key live as long as its longest-lived field:
// all in one atomic step, so a concurrent writer never shortens another's expiry.
const WRITE_SCRIPT = `
if ARGV[2] == '' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local now = tonumber(ARGV[3])
local latest = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local untilMs = tonumber(fields[i + 1])
  if untilMs == nil or untilMs <= now then redis.call('HDEL', KEYS[1], fields[i])
  elseif untilMs > latest then latest = untilMs end
end
if latest > now then redis.call('PEXPIRE', KEYS[1], latest - now) end
return 1`;

type WithWrite = (Redis | Cluster) & { echoPresenceWrite(key: string, nodeId: string, untilMs: string, nowMs: string): Promise<number> };

export class RedisPresenceMap implements NodePresenceMap {
  private readonly client: WithWrite;

  /** `prefix`: the keys' prefix; the same layout also records which nodes hold a user's connections (`route:`). */
  constructor(
    client: Redis | Cluster,
    private readonly prefix = PRESENCE_KEY_PREFIX,
  ) {
    this.client = client as WithWrite;
    this.client.defineCommand('echoPresenceWrite', { numberOfKeys: 1, lua: WRITE_SCRIPT });
  }

  async hold(userIds: readonly bigint[], nodeId: string, untilMs: number, nowMs: number): Promise<void> {
    if (userIds.length === 0) return;
    // One command per key, written back to back (one round trip): a Cluster pipeline may not span hash slots.
    await Promise.all(userIds.map((id) => this.client.echoPresenceWrite(this.prefix + id, nodeId, String(Math.ceil(untilMs)), String(Math.floor(nowMs)))));
  }

  async release(userIds: readonly bigint[], nodeId: string): Promise<void> {
    if (userIds.length === 0) return;
    // Through the script too (see WRITE_SCRIPT): a release never overtakes an earlier hold.
    await Promise.all(userIds.map((id) => this.client.echoPresenceWrite(this.prefix + id, nodeId, '', '0')));
  }

  async read(userIds: readonly bigint[]): Promise<Map<bigint, Map<string, number>>> {
    const out = new Map<bigint, Map<string, number>>();
    if (userIds.length === 0) return out;
    const results = await Promise.all(userIds.map((id) => this.client.hgetall(this.prefix + id)));
    userIds.forEach((id, i) => {
      const fields = results[i]!;
      const nodes = new Map<string, number>();
      for (const [node, until] of Object.entries(fields)) nodes.set(node, Number(until));
      if (nodes.size > 0) out.set(id, nodes);
    });
    return out;
  }
}
