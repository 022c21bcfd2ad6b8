// One batch of items as one buffer. The items that carry client traffic (decrypted messages, plaintexts to
// encrypt, handshake packets) are written as fixed headers and raw bytes, read back as views of the batch
// without copying; the rest (a few per connection's life) as V8-serialized objects. Measured on the 2-core
// machine of the README, V8-serializing a 200-byte message item and reading it back costs about 3 µs; the
// fixed layout a fraction of that, and the batch crosses the IPC channel or the link as one buffer.
import { deserialize, serialize } from 'node:v8';
import type { CoreItem, GatewayItem } from './items.js';

const TAG_MESSAGE = 1; // gateway -> core: conn u32, keyId i64, length u32, plaintext
const TAG_SEND = 2; // core -> gateway: conn u32, keyId i64, length u32, plaintext
const TAG_PLAIN = 3; // gateway -> core: conn u32, length u32, packet
const TAG_RAW = 4; // core -> gateway: conn u32, keyed u8, length u32, packet
const TAG_OTHER = 0; // length u32, V8-serialized item

type Item = GatewayItem | CoreItem;

export class ItemCodecError extends Error {}

export function encodeItems(items: readonly Item[]): Buffer {
  const parts: (Buffer | Uint8Array)[] = [];
  let size = 0;
  const headers = Buffer.allocUnsafe(items.length * 18);
  let at = 0;
  for (const item of items) {
    const start = at;
    let payload: Uint8Array;
    switch (item.t) {
      case 'message':
      case 'send':
        at = headers.writeUInt8(item.t === 'message' ? TAG_MESSAGE : TAG_SEND, at);
        at = headers.writeUInt32LE(item.conn, at);
        at = headers.writeBigInt64LE(item.keyId, at);
        at = headers.writeUInt32LE(item.plain.length, at);
        payload = item.plain;
        break;
      case 'plain':
        at = headers.writeUInt8(TAG_PLAIN, at);
        at = headers.writeUInt32LE(item.conn, at);
        at = headers.writeUInt32LE(item.packet.length, at);
        payload = item.packet;
        break;
      case 'raw':
        at = headers.writeUInt8(TAG_RAW, at);
        at = headers.writeUInt32LE(item.conn, at);
        at = headers.writeUInt8(item.keyed ? 1 : 0, at);
        at = headers.writeUInt32LE(item.packet.length, at);
        payload = item.packet;
        break;
      default: {
        payload = serialize(item);
        at = headers.writeUInt8(TAG_OTHER, at);
        at = headers.writeUInt32LE(payload.length, at);
      }
    }
    parts.push(headers.subarray(start, at), payload);
    size += at - start + payload.length;
  }
  return Buffer.concat(parts, size);
}

/** The batch as a Buffer without copying (IPC and V8 deserialization may hand over a plain Uint8Array). */
export function batchBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new ItemCodecError('an item batch that is not bytes');
}

/** The items of a batch; their byte fields are views of `batch`. Throws ItemCodecError on a malformed batch. */
export function decodeItems<T extends Item>(batch: Buffer): T[] {
  const items: Item[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > batch.length) throw new ItemCodecError(`item batch cut short at byte ${at}`);
  };
  const bytes = (n: number) => {
    need(n);
    const out = batch.subarray(at, at + n);
    at += n;
    return out;
  };
  while (at < batch.length) {
    const tag = batch[at++];
    switch (tag) {
      case TAG_MESSAGE:
      case TAG_SEND: {
        need(16);
        const conn = batch.readUInt32LE(at);
        const keyId = batch.readBigInt64LE(at + 4);
        const length = batch.readUInt32LE(at + 12);
        at += 16;
        const plain = bytes(length);
        items.push(tag === TAG_MESSAGE ? { t: 'message', conn, keyId, plain } : { t: 'send', conn, keyId, plain });
        break;
      }
      case TAG_PLAIN: {
        need(8);
        const conn = batch.readUInt32LE(at);
        const length = batch.readUInt32LE(at + 4);
        at += 8;
        items.push({ t: 'plain', conn, packet: bytes(length) });
        break;
      }
      case TAG_RAW: {
        need(9);
        const conn = batch.readUInt32LE(at);
        const keyed = batch[at + 4] === 1;
        const length = batch.readUInt32LE(at + 5);
        at += 9;
        items.push({ t: 'raw', conn, keyed, packet: bytes(length) });
        break;
      }
      case TAG_OTHER: {
        need(4);
        const length = batch.readUInt32LE(at);
        at += 4;
        let item: unknown;
        try {
          item = deserialize(bytes(length));
        } catch (err) {
          throw new ItemCodecError(`undecodable item: ${(err as Error).message}`);
        }
        if (typeof item !== 'object' || item === null || typeof (item as { t?: unknown }).t !== 'string') throw new ItemCodecError('an item without a type');
        items.push(item as Item);
        break;
      }
      default:
        throw new ItemCodecError(`unknown item tag ${tag} at byte ${at - 1}`);
    }
  }
  return items as T[];
}
