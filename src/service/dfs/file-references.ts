// file_reference values (core.telegram.org/api/file_reference): opaque bytes a client must present with a
// file location, which stop working after a while so that a leaked location does not grant access forever.
// Ours are stateless: version ‖ time slot (u32) ‖ HMAC(kind, id, slot)[0..16). The server recomputes the
// HMAC; a valid one from a slot older than the validity window answers FILE_REFERENCE_EXPIRED, a forged or
// mangled one FILE_REFERENCE_INVALID. Every photo/document object the server returns carries a fresh one,
// so re-fetching the origin (messages.getMessages, photos.getUserPhotos, ...) refreshes it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RpcError } from '../../common/rpc-error.js';

export type FileReferenceKind = 'photo' | 'document';

const VERSION = 1;
const MAC_BYTES = 16;
export const FILE_REFERENCE_LENGTH = 1 + 4 + MAC_BYTES;

export interface FileReferenceOptions {
  /** Length of one slot (default 1 hour). */
  slotMs?: number;
  /** How many slots a reference stays valid after the one it was made in (default 24). */
  validSlots?: number;
}

export type FileReferenceCheck = 'ok' | 'expired' | 'invalid';

export class FileReferences {
  private readonly slotMs: number;
  private readonly validSlots: number;

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number,
    opts: FileReferenceOptions = {},
  ) {
    this.slotMs = opts.slotMs ?? 60 * 60 * 1000;
    this.validSlots = opts.validSlots ?? 24;
  }

  make(kind: FileReferenceKind, id: bigint): Buffer {
    const slot = Math.floor(this.now() / this.slotMs) >>> 0;
    const out = Buffer.alloc(FILE_REFERENCE_LENGTH);
    out[0] = VERSION;
    out.writeUInt32BE(slot, 1);
    this.mac(kind, id, slot).copy(out, 5);
    return out;
  }

  check(kind: FileReferenceKind, id: bigint, ref: Uint8Array): FileReferenceCheck {
    const buf = Buffer.from(ref);
    if (buf.length !== FILE_REFERENCE_LENGTH || buf[0] !== VERSION) return 'invalid';
    const slot = buf.readUInt32BE(1);
    if (!timingSafeEqual(this.mac(kind, id, slot), buf.subarray(5))) return 'invalid';
    const current = Math.floor(this.now() / this.slotMs) >>> 0;
    if (slot > current) return 'invalid';
    return current - slot > this.validSlots ? 'expired' : 'ok';
  }

  /** Throws FILE_REFERENCE_EXPIRED / FILE_REFERENCE_INVALID (with `index` for sendMultiMedia's form). */
  require(kind: FileReferenceKind, id: bigint, ref: Uint8Array, index?: number): void {
    const result = this.check(kind, id, ref);
    if (result === 'ok') return;
    const name = result === 'expired' ? 'EXPIRED' : 'INVALID';
    throw RpcError.badRequest(index === undefined ? `FILE_REFERENCE_${name}` : `FILE_REFERENCE_${index}_${name}`);
  }

  private mac(kind: FileReferenceKind, id: bigint, slot: number): Buffer {
    const buf = Buffer.alloc(12);
    buf.writeBigInt64LE(BigInt.asIntN(64, id), 0);
    buf.writeUInt32LE(slot, 8);
    return createHmac('sha256', this.secret).update(kind).update(buf).digest().subarray(0, MAC_BYTES);
  }
}
