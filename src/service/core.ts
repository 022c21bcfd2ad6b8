// The shared services every feature area is built from. app/echod.ts creates them once per node;
// feature areas (authsession, passwords, privacy, contacts, messaging, ...) take what they need.
import type { Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import type { KeyValueStore } from '../infra/kv/kv.js';
import type { Logger } from '../infra/log.js';
import type { EchoConfig } from '../infra/config/index.js';
import type { ServerIdentity } from '../contracts/server-identity.js';
import type { SignInControl, UpdatePusher } from '../contracts/push.js';
import type { IdGenerator, TimeOrderedIds } from './idgen.js';
import type { AccessHashes } from './access-hash.js';
import type { UserStore, UserRecord } from './users/user-store.js';
import type { AccountEvents } from './events.js';

export interface CoreServices {
  config: EchoConfig;
  identity: ServerIdentity;
  db: Kysely<Tables>;
  /** Reads that tolerate replication lag (message search); the primary when there are no replicas. */
  reader?: Kysely<Tables>;
  kv: KeyValueStore;
  ids: IdGenerator;
  /** Ids made on this node without a round trip (media); unique between nodes by the node's worker id. */
  timeIds?: TimeOrderedIds;
  users: UserStore;
  accessHashes: AccessHashes;
  push: UpdatePusher;
  signIns: SignInControl;
  events: AccountEvents;
  log: Logger;
  /** Milliseconds since the epoch. */
  now(): number;
  random(n: number): Buffer;
  /** A secret derived from the server key for `label` (HMAC keys, token signing). */
  secret(label: string): Buffer;
}

export type { UserRecord };
