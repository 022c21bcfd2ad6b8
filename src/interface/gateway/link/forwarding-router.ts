// The packet sink of a gateway process: decrypts what clients send and passes it to the core as plaintext;
// handshake packets go to the core as they are. Keys come from the core once per connection that uses them
// and are forgotten when no connection here uses them any more. A key the core deleted may still decrypt here
// for a moment: the core checks every key's state again and answers such a packet with -404.
import type { Logger } from 'pino';
import { makeAuthKey, type AuthKey } from '../../../mtproto/crypto/auth-key.js';
import { decryptMessage, encryptMessage, quickAckToken } from '../../../mtproto/crypto/message.js';
import { isPlainMessage } from '../../../mtproto/plain-message.js';
import type { ConnectionHandle } from '../../session/connection.js';
import type { PacketSink } from '../mtproto-connection.js';
import type { RouterConnectionState } from '../packet-router.js';
import type { GatewayItem } from './items.js';

/** The smallest encrypted packet: auth_key_id, msg_key and one AES block of 32 bytes' worth of header. */
const MIN_ENCRYPTED_PACKET = 8 + 16 + 32;

interface CachedKey {
  key: AuthKey;
  /** Connections here that sent packets under it. */
  users: number;
}

export class ForwardingRouter implements PacketSink {
  private readonly keys = new Map<bigint, CachedKey>();
  private readonly wanted = new Map<bigint, { promise: Promise<Buffer | null>; resolve: (key: Buffer | null) => void }>();
  private readonly perConnection = new Map<number, { state: RouterConnectionState; keys: Set<bigint>; announced: boolean }>();

  constructor(
    private readonly post: (item: GatewayItem) => void,
    private readonly random: (n: number) => Buffer,
    private readonly log: Logger,
  ) {}

  async route(conn: ConnectionHandle, state: RouterConnectionState, packet: Buffer, quickAck: boolean): Promise<void> {
    const mine = this.connection(conn.id, state);
    if (!mine.announced) {
      mine.announced = true;
      this.post({ t: 'framing', conn: conn.id, transport: conn.transport });
    }
    if (packet.length === 4) {
      // A bare int32 from a client is meaningless here (transport errors only go server -> client).
      conn.close('4-byte packet from client');
      return;
    }
    if (isPlainMessage(packet)) {
      this.post({ t: 'plain', conn: conn.id, packet });
      return;
    }
    state.keyed = true;
    if (packet.length < MIN_ENCRYPTED_PACKET) {
      conn.failWithTransportError(-404, `encrypted packet too short (${packet.length} bytes)`);
      return;
    }
    const keyId = packet.readBigInt64LE(0);
    const cached = this.keys.get(keyId) ?? (await this.fetchKey(keyId));
    if (!cached) {
      conn.failWithTransportError(-404, 'unknown auth key');
      return;
    }
    if (conn.closed) {
      if (cached.users === 0) this.keys.delete(keyId);
      return;
    }
    if (!mine.keys.has(keyId)) {
      mine.keys.add(keyId);
      cached.users++;
    }
    const key = cached.key;
    let plain: Buffer;
    try {
      plain = decryptMessage(key, packet, 'client');
    } catch (err) {
      conn.close(`decryption failed: ${(err as Error).message}`);
      return;
    }
    if (quickAck) conn.sendQuickAck(quickAckToken(key.key, plain));
    this.post({ t: 'message', conn: conn.id, keyId, plain });
  }

  connectionClosed(_state: RouterConnectionState, conn: ConnectionHandle): void {
    const mine = this.perConnection.get(conn.id);
    if (!mine) return;
    this.perConnection.delete(conn.id);
    for (const keyId of mine.keys) {
      const cached = this.keys.get(keyId);
      if (cached && --cached.users <= 0) this.keys.delete(keyId);
    }
  }

  /** The core's answer to keyWanted. */
  keyArrived(keyId: bigint, key: Buffer | null): void {
    const waiting = this.wanted.get(keyId);
    if (!waiting) return;
    this.wanted.delete(keyId);
    waiting.resolve(key);
  }

  /** A handshake reply from the core created a key on this connection (the handshake deadline is met). */
  markKeyed(connId: number): void {
    const mine = this.perConnection.get(connId);
    if (mine) mine.state.keyed = true;
  }

  /** Encrypts what the core sends under a key some connection here brought; undefined when none did. */
  encrypt(keyId: bigint, plain: Buffer): Buffer | undefined {
    const cached = this.keys.get(keyId);
    return cached ? encryptMessage(cached.key, plain, 'server', this.random) : undefined;
  }

  /** Keys held (for tests and the gateway's stats). */
  get keyCount(): number {
    return this.keys.size;
  }

  private connection(id: number, state: RouterConnectionState) {
    let mine = this.perConnection.get(id);
    if (!mine) {
      mine = { state, keys: new Set(), announced: false };
      this.perConnection.set(id, mine);
    }
    return mine;
  }

  private async fetchKey(keyId: bigint): Promise<CachedKey | undefined> {
    let waiting = this.wanted.get(keyId);
    if (!waiting) {
      let resolve!: (key: Buffer | null) => void;
      const promise = new Promise<Buffer | null>((r) => (resolve = r));
      waiting = { promise, resolve };
      this.wanted.set(keyId, waiting);
      this.post({ t: 'keyWanted', keyId });
    }
    const bytes = await waiting.promise;
    if (!bytes) return undefined;
    let cached = this.keys.get(keyId);
    if (!cached) {
      try {
        cached = { key: makeAuthKey(bytes), users: 0 };
      } catch (err) {
        this.log.error({ keyId: keyId.toString(), err: (err as Error).message }, 'the core sent an unusable key');
        return undefined;
      }
      this.keys.set(keyId, cached);
    }
    return cached;
  }
}
