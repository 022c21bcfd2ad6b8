// Fuzz targets for the transport codecs (src/mtproto/transport), obfuscated2 included: valid streams
// round-trip whatever the TCP chunking, and arbitrary or mutated streams give frames or a TransportError,
// nothing else.
import fc from 'fast-check';
import { ClientTransport, ServerTransport, TransportError, type TransportKind } from '../../../src/mtproto/transport/index.js';
import { chunk, mutate, mutationArb, seededBytes, syncTarget } from './harness.js';

export const KINDS: readonly TransportKind[] = [
  'abridged', 'intermediate', 'padded', 'full', 'obfuscated2/abridged', 'obfuscated2/intermediate', 'obfuscated2/padded',
];

const framingOf = (kind: TransportKind) => kind.replace('obfuscated2/', '');

interface Packet {
  /** Length in 4-byte words (the padded framing also gets a ragged tail). */
  words: number;
  tail: number;
  quickAck: boolean;
  fill: number;
}

const packetArb: fc.Arbitrary<Packet> = fc.record({
  words: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 2, max: 140 }) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 20_000 }) }),
  tail: fc.integer({ min: 0, max: 3 }),
  quickAck: fc.boolean(),
  fill: fc.nat(),
});

function payloadOf(p: Packet, kind: TransportKind): Buffer {
  const len = p.words * 4 + (framingOf(kind) === 'padded' ? p.tail : 0);
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = (p.fill + i * 31) & 0xff;
  return b;
}

function sameFrame(kind: TransportKind, got: Buffer, sent: Buffer): boolean {
  // The padded framing carries 0..15 padding bytes the receiver cannot strip.
  if (framingOf(kind) === 'padded') return got.length - sent.length >= 0 && got.length - sent.length <= 15 && got.subarray(0, sent.length).equals(sent);
  return got.equals(sent);
}

function fail(message: string): never {
  throw new Error(message);
}

/** Client frames reach the server intact and in order, however the stream is cut; and back. */
export const transportRoundTrip = syncTarget('transport-roundtrip', () =>
  fc.property(
    fc.constantFrom(...KINDS),
    fc.array(packetArb, { minLength: 1, maxLength: 6 }),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.integer(),
    (kind, packets, cutsUp, cutsDown, seed) => {
      const random = seededBytes(seed);
      const client = new ClientTransport(kind, random);
      const server = new ServerTransport({ random });
      const sent = packets.map((p) => payloadOf(p, kind));
      const quickAcks = packets.map((p) => p.quickAck && framingOf(kind) !== 'full');
      const stream = Buffer.concat([client.start(), ...sent.map((s, i) => client.encode(s, quickAcks[i]))]);
      const frames = chunk(stream, cutsUp).flatMap((c) => server.feed(c));
      if (server.kind !== kind) fail(`recognised ${server.kind} instead of ${kind}`);
      if (frames.length !== sent.length) fail(`${frames.length} frames for ${sent.length} packets`);
      frames.forEach((f, i) => {
        if (!sameFrame(kind, f.payload, sent[i]!)) fail(`frame ${i} differs`);
        if (f.quickAck !== quickAcks[i]) fail(`frame ${i} quick ack ${f.quickAck}`);
      });
      // Server -> client: packets, a quick ACK and a transport error, through the same cuts.
      const down = Buffer.concat([...sent.map((s) => server.encode(s)), server.encodeQuickAck(0x1234567), server.encodeError(404)]);
      const messages = chunk(down, cutsDown).flatMap((c) => client.feed(c));
      if (messages.length !== sent.length + 2) fail(`client got ${messages.length} messages for ${sent.length + 2}`);
      sent.forEach((s, i) => {
        const m = messages[i]!;
        if (m.type !== 'packet' || !sameFrame(kind, m.payload, s)) fail(`server packet ${i} differs: ${m.type}`);
      });
      const ack = messages[sent.length]!;
      if (ack.type !== 'quickAck' || ack.token !== (0x1234567 | 0x80000000) >>> 0) fail(`quick ack came back as ${JSON.stringify(ack)}`);
      const err = messages[sent.length + 1]!;
      if (err.type !== 'error' || err.code !== -404) fail(`transport error came back as ${JSON.stringify(err)}`);
      return true;
    },
  ),
);

/** Feeds chunks to `feed` until one throws; anything but a TransportError is a bug. Returns the frame count. */
function feedAll(chunks: Buffer[], feed: (c: Buffer) => { length: number }, maxFrame: number, payloads: (r: any) => Buffer[]): void {
  for (const c of chunks) {
    let out;
    try {
      out = feed(c);
    } catch (e) {
      if (e instanceof TransportError) return;
      throw e;
    }
    if (!Array.isArray(out)) fail('feed() did not return an array');
    for (const p of payloads(out)) {
      if (!Buffer.isBuffer(p)) fail('a frame without a payload buffer');
      if (p.length > maxFrame + 15) fail(`a ${p.length}-byte frame over the ${maxFrame}-byte limit`);
    }
  }
}

const streamArb = fc.oneof(
  // Pure noise, sometimes behind a real framing tag so the codecs themselves see it.
  fc.tuple(fc.constantFrom<number[]>([], [0xef], [0xee, 0xee, 0xee, 0xee], [0xdd, 0xdd, 0xdd, 0xdd]), fc.uint8Array({ maxLength: 600 })).map(([tag, noise]) =>
    Buffer.concat([Buffer.from(tag), noise]),
  ),
  // A valid client stream, then broken.
  fc
    .tuple(fc.constantFrom(...KINDS), fc.array(packetArb.map((p) => ({ ...p, words: Math.min(p.words, 200) })), { minLength: 1, maxLength: 4 }), fc.integer(), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
    .map(([kind, packets, seed, mutations]) => {
      const client = new ClientTransport(kind, seededBytes(seed));
      const stream = Buffer.concat([client.start(), ...packets.map((p) => client.encode(payloadOf(p, kind), p.quickAck && framingOf(kind) !== 'full'))]);
      return mutate(stream, mutations);
    }),
);

/** Arbitrary and mutated byte streams, arbitrarily cut: frames or TransportError, on both sides. */
export const transportGarbage = syncTarget('transport-garbage', () =>
  fc.property(streamArb, fc.array(fc.nat(), { maxLength: 16 }), fc.constantFrom(1024, 1 << 20), fc.constantFrom(...KINDS), (stream, cuts, max, clientKind) => {
    const chunks = chunk(stream, cuts);
    const server = new ServerTransport({ maxFrameLength: max });
    feedAll(chunks, (c) => server.feed(c), max, (frames) => frames.map((f: { payload: Buffer }) => f.payload));
    // The client side parses what a (hostile) server sends.
    const client = new ClientTransport(clientKind, seededBytes(stream.length + 1), { maxFrameLength: max });
    client.start();
    feedAll(chunks, (c) => client.feed(c), max, (messages) => messages.filter((m: { type: string }) => m.type === 'packet').map((m: { payload: Buffer }) => m.payload));
    return true;
  }),
);
