// One client connection's transport, server side: recognises the framing from the first bytes, then turns bytes
// into frames and payloads into bytes (sans-IO; the TCP gateway and the WebSocket server both drive it).
// Recognition, in order (core.telegram.org/mtproto/mtproto-transports):
//   0xef -> abridged; 0xeeeeeeee -> intermediate; 0xdddddddd -> padded intermediate;
//   bytes 4..8 all zero -> full (seqno 0 of its first packet);
//   an HTTP method or a TLS handshake -> rejected (obfuscated2 clients never start like that);
//   anything else -> after 64 bytes, an obfuscated2 header whose decrypted tag picks the framing.
import { OBFUSCATED_HEADER_LENGTH, parseObfuscatedHeader, type ObfuscatedStreams } from '../crypto/obfuscation.js';
import { ABRIDGED_TAG, AbridgedCodec } from './abridged.js';
import { ByteQueue } from './byte-queue.js';
import type { CodecOptions, TransportCodec, TransportFrame } from './codec.js';
import { TransportError } from './errors.js';
import { FullCodec } from './full.js';
import { INTERMEDIATE_TAG, IntermediateCodec, PADDED_TAG } from './intermediate.js';

export type Framing = 'abridged' | 'intermediate' | 'padded' | 'full';
export type TransportKind = Framing | `obfuscated2/${Exclude<Framing, 'full'>}`;

/** Without `random` the padded framing sends no padding (0 bytes is a valid amount), keeping this sans-IO. */
export type ServerTransportOptions = CodecOptions;

/** First four bytes (little-endian) that reveal a protocol other than MTProto. */
const FOREIGN_PREFIXES = new Map<number, string>([
  [0x44414548, 'an HTTP request (HEAD)'],
  [0x54534f50, 'an HTTP request (POST)'],
  [0x20544547, 'an HTTP request (GET)'],
  [0x4954504f, 'an HTTP request (OPTIONS)'],
  [0x02010316, 'a TLS handshake (fake-TLS is not supported)'],
]);

export class ServerTransport {
  /** Null until enough bytes arrived to recognise the framing. */
  kind: TransportKind | null = null;
  /** The DC id announced in an obfuscated2 header (int16, negative for media DCs); null otherwise. */
  dcId: number | null = null;
  private codec: TransportCodec | null = null;
  private obfuscation: ObfuscatedStreams | null = null;
  private readonly pending = new ByteQueue();

  constructor(private readonly options: ServerTransportOptions = {}) {}

  feed(chunk: Buffer): TransportFrame[] {
    if (this.codec) return this.codec.feed(this.obfuscation ? this.obfuscation.decrypt(chunk) : chunk);
    this.pending.push(chunk);
    const rest = this.detect();
    // detect() sets the codec whenever it returns bytes (TypeScript still narrows this.codec to null here).
    const codec = this.codec as TransportCodec | null;
    return rest && codec ? codec.feed(rest) : [];
  }

  encode(payload: Buffer): Buffer {
    return this.wrap(this.ready().encode(payload));
  }

  encodeQuickAck(token: number): Buffer {
    return this.wrap(this.ready().encodeQuickAck(token));
  }

  encodeError(code: number): Buffer {
    return this.wrap(this.ready().encodeError(code));
  }

  private ready(): TransportCodec {
    if (!this.codec) throw new TransportError('the transport has not been recognised yet');
    return this.codec;
  }

  private wrap(bytes: Buffer): Buffer {
    return this.obfuscation ? this.obfuscation.encrypt(bytes) : bytes;
  }

  private use(kind: TransportKind, framing: Framing): void {
    this.kind = kind;
    const options = this.options;
    this.codec =
      framing === 'abridged' ? new AbridgedCodec(options)
      : framing === 'full' ? new FullCodec(options)
      : new IntermediateCodec({ ...options, padded: framing === 'padded' });
  }

  /** Recognises the framing once enough bytes are queued; returns the bytes that follow the tag, or null to wait. */
  private detect(): Buffer | null {
    const q = this.pending;
    if (q.length < 1) return null;
    if (q.byteAt(0) === ABRIDGED_TAG) {
      this.use('abridged', 'abridged');
      q.skip(1);
      return q.takeAll();
    }
    if (q.length < 4) return null;
    const first = q.uint32LE(0);
    if (first === INTERMEDIATE_TAG || first === PADDED_TAG) {
      const framing = first === PADDED_TAG ? 'padded' : 'intermediate';
      this.use(framing, framing);
      q.skip(4);
      return q.takeAll();
    }
    const foreign = FOREIGN_PREFIXES.get(first);
    if (foreign) throw new TransportError(`not an MTProto transport: ${foreign}`);
    if (q.length < 8) return null;
    if (q.uint32LE(4) === 0) {
      this.use('full', 'full');
      return q.takeAll();
    }
    if (q.length < OBFUSCATED_HEADER_LENGTH) return null;
    let header;
    try {
      header = parseObfuscatedHeader(q.take(OBFUSCATED_HEADER_LENGTH));
    } catch (e) {
      throw new TransportError(`unrecognised transport: ${(e as Error).message}`);
    }
    this.use(`obfuscated2/${header.protocol}`, header.protocol);
    this.dcId = header.dcId;
    this.obfuscation = header;
    return header.decrypt(q.takeAll());
  }
}
