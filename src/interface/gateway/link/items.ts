// The gateway/core boundary (docs/architecture.md, "The gateway/core boundary"): what a gateway (a process that
// owns client sockets, transport framing, obfuscation and MTProto encryption) and the core (session layer,
// handlers, storage) tell each other. Payloads are bytes, never TL objects: the core never sees ciphertext, a
// gateway never sees a decoded request. `conn` is the connection's id, allocated by the core.
import type { ConnectionLimitsConfig } from '../connection-limits.js';

/** Gateway -> core. */
export type GatewayItem =
  /** A remote gateway node accepted a connection (a local gateway process is handed its sockets instead). */
  | { t: 'open'; conn: number; remote: string }
  /** The connection's transport became known with its first frame ("tcp/abridged", ...). */
  | { t: 'framing'; conn: number; transport: string }
  /** An unencrypted packet (auth_key_id 0): a step of the auth key handshake, run by the core. */
  | { t: 'plain'; conn: number; packet: Buffer }
  /**
   * An encrypted packet the gateway decrypted: `plain` is the whole plaintext (salt, session_id, msg_id, seq_no,
   * length, body, padding). Quick acks were sent by the gateway.
   */
  | { t: 'message'; conn: number; keyId: bigint; plain: Buffer }
  /** The gateway holds no key of this id: the core answers with a `key` item. */
  | { t: 'keyWanted'; keyId: bigint }
  /** The connection's idle timeout ran out: is a signed-in session on it? (answered with `signedIn`). */
  | { t: 'idle'; conn: number }
  /** A limit of the gateway's refused or closed something (for echo_limit_hits_total). */
  | { t: 'limitHit'; limit: string }
  /** The connection is gone, closed by either side. */
  | { t: 'closed'; conn: number };

/** Core -> gateway. */
export type CoreItem =
  /** The key of `keyId` (256 bytes), or null: no such key (the gateway answers the packet with -404). */
  | { t: 'key'; keyId: bigint; key: Buffer | null }
  /** A plaintext the gateway encrypts under `keyId` and sends. */
  | { t: 'send'; conn: number; keyId: bigint; plain: Buffer }
  /** An unencrypted packet (a handshake reply); `keyed`: a key was created on the connection. */
  | { t: 'raw'; conn: number; packet: Buffer; keyed: boolean }
  | { t: 'transportError'; conn: number; code: number; reason: string }
  | { t: 'close'; conn: number; reason: string }
  /** ping_delay_disconnect. */
  | { t: 'pingDisconnect'; conn: number; seconds: number }
  /** The answer to `idle`. */
  | { t: 'signedIn'; conn: number; signedIn: boolean };

/** What a local gateway process needs to run (its parent sends it first). */
export interface GatewaySetup {
  index: number;
  logLevel: string;
  /** The connection limits' deadlines, idle timeouts and back-pressure (admission stays with the parent). */
  limits?: ConnectionLimitsConfig;
}

/** Parent process -> local gateway process: the setup, sockets (with their handle), item batches, shutdown. */
export type ToGatewayProcess =
  | { t: 'setup'; setup: GatewaySetup }
  | { t: 'socket'; conn: number }
  /** A batch of CoreItems (item-codec.ts). */
  | { t: 'items'; batch: Buffer }
  | { t: 'shutdown' };

/** Local gateway process -> parent: ready, then batches of GatewayItems (item-codec.ts). */
export type FromGatewayProcess = { t: 'ready' } | { t: 'items'; batch: Buffer };
