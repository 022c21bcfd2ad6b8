// How inner layers reach clients: the session layer (src/interface/session) implements this, so
// services can push updates and manage sign-ins without knowing about connections.
import type { TlObject } from '../tl/index.js';

/** A session that must not receive a push (the one whose request caused it: it gets the RPC result). */
export interface SessionRef {
  authKeyId: bigint;
  sessionId: bigint;
}

export interface UpdatePusher {
  /** Sends an Updates object to every signed-in device of the user that is online now, each in its own layer. */
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef): void;
  /**
   * Sends an Updates object to one device, signed in or not, by its perm key (QR login: the device waiting
   * for auth.acceptLoginToken has no user yet). Its most recently active live session gets it.
   */
  pushToAuthKey(permKeyId: bigint, updates: TlObject): void;
  /**
   * The device waits on this node, for `ttlMs`, for a push by its perm key (QR login: the device that just
   * exported a token). Several nodes: recorded in the shared route map, so that pushToAuthKey on any node finds
   * it; absent on one node, where every device is this node's.
   */
  holdDevice?(permKeyId: bigint, ttlMs: number): Promise<void>;
  /**
   * True when at least one device of the user has a live connection. With several nodes this node cannot know
   * synchronously, and answers true ("maybe": build the push, the routing drops it if no node holds the user).
   */
  isOnline(userId: bigint): boolean;
  /** Whether some node holds a live connection of the user, asked of the shared route map (several nodes). */
  isOnlineAnywhere?(userId: bigint): Promise<boolean>;
  /** The users among these with a live connection on some node, one round trip to the route map (several nodes). */
  onlineAmong?(userIds: readonly bigint[]): Promise<Set<bigint>>;
  /**
   * Adds a listener called when a user's first device connects (true) or the last one has been gone a moment
   * (false); every listener added is called.
   */
  onConnectivity(listener: (userId: bigint, online: boolean) => void): void;
}

/** An update a node held unacknowledged for a device, serialized in `layer` (src/interface/session/hand-over.ts). */
export interface HandedOverUpdate {
  body: Uint8Array;
  layer: number;
  /** The push it came from, when a router gave it an id. */
  eventId?: string;
}

/**
 * The session layer of a node among several (src/messenger/sync-routes.ts routes through it): pushes carry the
 * router's event id, and a device's unacknowledged updates follow it to the node it subscribes on.
 */
export interface NodeSessions extends UpdatePusher {
  pushToUser(userId: bigint, updates: TlObject, except?: SessionRef, eventId?: string): void;
  pushToAuthKey(permKeyId: bigint, updates: TlObject, eventId?: string): void;
  /** `listener` learns of each signed-in device (perm key) that subscribes to updates on this node. */
  onDeviceArrival(listener: (permKeyId: bigint, userId: bigint) => void): void;
  /**
   * The device subscribed on another node, signed in as `userId`: takes what its sessions here without a
   * connection hold unacknowledged for that user, oldest first, and stops queuing pushes for it there.
   */
  releaseDevice(permKeyId: bigint, userId: bigint): HandedOverUpdate[];
  /**
   * Updates another node released for a device subscribed here as `userId`: queued to it, those it was given
   * here skipped.
   */
  adoptDevice(permKeyId: bigint, userId: bigint, updates: readonly HandedOverUpdate[]): number;
}

export interface SignInControl {
  /** Binds the caller's perm key (and its temp keys) to the user. */
  signIn(permKeyId: bigint, userId: bigint): Promise<void>;
  /** Unbinds the perm key: its next request answers 401; live connections of that device are closed when `kick`. */
  signOut(permKeyId: bigint, opts?: { kick?: boolean }): Promise<void>;
}
