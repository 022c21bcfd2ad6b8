// Client side of the transports, for tests and the load generator: produces the opening bytes and frames, and
// parses what the server sends back (packets, quick ACKs, transport errors).
import type { RandomFn } from '../crypto/errors.js';
import { createObfuscatedHeader, type ObfuscatedStreams } from '../crypto/obfuscation.js';
import { AbridgedClientCodec } from './abridged.js';
import type { ClientCodec, CodecOptions, ServerMessage } from './codec.js';
import { FullClientCodec } from './full.js';
import { IntermediateClientCodec } from './intermediate.js';
import type { Framing, TransportKind } from './server.js';

export class ClientTransport {
  private readonly codec: ClientCodec;
  private readonly obfuscation: ObfuscatedStreams | null = null;
  private opening: Buffer | null;

  constructor(readonly kind: TransportKind, random: RandomFn, options: CodecOptions & { dcId?: number } = {}) {
    const obfuscated = kind.startsWith('obfuscated2/');
    const framing = (obfuscated ? kind.slice('obfuscated2/'.length) : kind) as Framing;
    const codecOptions: CodecOptions = { ...options, random };
    this.codec =
      framing === 'abridged' ? new AbridgedClientCodec(codecOptions)
      : framing === 'full' ? new FullClientCodec(codecOptions)
      : new IntermediateClientCodec({ ...codecOptions, padded: framing === 'padded' });
    if (obfuscated) {
      const o = createObfuscatedHeader(framing as Exclude<Framing, 'full'>, options.dcId ?? 2, random);
      this.obfuscation = o;
      this.opening = o.header;
    } else {
      this.opening = this.codec.tag;
    }
  }

  /** The opening bytes if not sent yet (empty afterwards); encode() prepends them to the first frame otherwise. */
  start(): Buffer {
    const out = this.opening ?? Buffer.alloc(0);
    this.opening = null;
    return out;
  }

  encode(payload: Buffer, quickAck = false): Buffer {
    let bytes = this.codec.encode(payload, quickAck);
    if (this.obfuscation) bytes = this.obfuscation.encrypt(bytes);
    const opening = this.start();
    return opening.length ? Buffer.concat([opening, bytes]) : bytes;
  }

  feed(chunk: Buffer): ServerMessage[] {
    return this.codec.feed(this.obfuscation ? this.obfuscation.decrypt(chunk) : chunk);
  }
}
