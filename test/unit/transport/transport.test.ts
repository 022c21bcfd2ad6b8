import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { ClientTransport, ServerTransport, TransportError, type TransportFrame, type TransportKind } from '../../../src/mtproto/transport/index.js';
import type { ServerMessage } from '../../../src/mtproto/transport/codec.js';
import { seededRandom } from '../crypto/helpers.js';

const KINDS: TransportKind[] = [
  'abridged',
  'intermediate',
  'padded',
  'full',
  'obfuscated2/abridged',
  'obfuscated2/intermediate',
  'obfuscated2/padded',
];
// 504 and 508 straddle the abridged one-byte/four-byte length boundary (126 and 127 words).
const SIZES = [4, 8, 100, 504, 508, 4096, 70000];

/** Cuts `data` at random points (1-byte pieces included) to simulate TCP chunking. */
function split(data: Buffer, random: (n: number) => Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < data.length) {
    const r = random(2).readUInt16LE(0);
    const len = r % 7 === 0 ? 1 : 1 + (r % 600);
    out.push(data.subarray(off, off + len));
    off += len;
  }
  return out;
}

function feedAll(server: ServerTransport, chunks: Buffer[]): TransportFrame[] {
  // Copies, since frames may be views of a fed chunk.
  return chunks.flatMap((c) => server.feed(Buffer.from(c)).map((f) => ({ payload: Buffer.from(f.payload), quickAck: f.quickAck })));
}

function framesFor(kind: TransportKind, seed: string) {
  const random = seededRandom(seed);
  const client = new ClientTransport(kind, random, { dcId: 3 });
  const payloads = SIZES.map((s) => random(s));
  const quick = payloads.map((_, i) => !kind.endsWith('full') && i % 2 === 1);
  const stream = Buffer.concat(payloads.map((p, i) => client.encode(p, quick[i])));
  return { random, client, payloads, quick, stream };
}

function assertPayload(kind: TransportKind, got: Buffer, expected: Buffer): void {
  if (kind.endsWith('padded')) {
    assert.ok(got.length - expected.length >= 0 && got.length - expected.length <= 15, `padding of ${got.length - expected.length}`);
    assert.deepEqual(got.subarray(0, expected.length), expected);
  } else {
    assert.deepEqual(got, expected);
  }
}

for (const kind of KINDS) {
  test(`${kind}: client -> server frames survive any split, with quick-ack flags`, () => {
    for (const seed of ['a', 'b', 'c']) {
      const { random, payloads, quick, stream } = framesFor(kind, `${kind}-${seed}`);
      const server = new ServerTransport({ random });
      const frames = feedAll(server, split(stream, random));
      assert.equal(server.kind, kind);
      assert.equal(server.dcId, kind.startsWith('obfuscated2/') ? 3 : null);
      assert.equal(frames.length, payloads.length);
      frames.forEach((f, i) => {
        assertPayload(kind, f.payload, payloads[i]!);
        assert.equal(f.quickAck, quick[i]);
      });
    }
  });

  test(`${kind}: byte-by-byte feeding`, () => {
    const { random, payloads, stream } = framesFor(kind, `${kind}-bytes`);
    const server = new ServerTransport({ random });
    const frames = feedAll(server, [...stream.subarray(0, 1200)].map((b) => Buffer.from([b])).concat([stream.subarray(1200)]));
    assert.equal(frames.length, payloads.length);
  });

  test(`${kind}: server -> client packets, quick ACKs and errors`, () => {
    const { random, client, stream } = framesFor(kind, `${kind}-down`);
    const server = new ServerTransport({ random });
    server.feed(stream);
    const sent: ServerMessage[] = [];
    const bytes: Buffer[] = [];
    for (const size of SIZES.filter((s) => s !== 4)) {
      const payload = random(size);
      sent.push({ type: 'packet', payload });
      bytes.push(server.encode(payload));
      const token = (random(4).readUInt32LE(0) | 0x80000000) >>> 0;
      sent.push({ type: 'quickAck', token });
      bytes.push(server.encodeQuickAck(token));
    }
    sent.push({ type: 'error', code: -404 });
    bytes.push(server.encodeError(404));
    const got = split(Buffer.concat(bytes), random).flatMap((c) =>
      client.feed(Buffer.from(c)).map((m) => (m.type === 'packet' ? { ...m, payload: Buffer.from(m.payload) } : m)),
    );
    assert.equal(got.length, sent.length);
    got.forEach((m, i) => {
      const want = sent[i]!;
      assert.equal(m.type, want.type);
      if (m.type === 'packet' && want.type === 'packet') assertPayload(kind, m.payload, want.payload);
      else assert.deepEqual(m, want);
    });
  });

  test(`${kind}: a truncated frame yields nothing until it completes`, () => {
    const { random, payloads, stream } = framesFor(kind, `${kind}-trunc`);
    const server = new ServerTransport({ random });
    const head = server.feed(Buffer.from(stream.subarray(0, stream.length - 1)));
    assert.equal(head.length, payloads.length - 1);
    const tail = server.feed(Buffer.from(stream.subarray(stream.length - 1)));
    assert.equal(tail.length, 1);
    assertPayload(kind, tail[0]!.payload, payloads.at(-1)!);
  });
}

test('nothing is decided on too few bytes, and encoding before that throws', () => {
  const server = new ServerTransport();
  assert.deepEqual(server.feed(Buffer.from([0x01, 0x02, 0x03])), []);
  assert.equal(server.kind, null);
  assert.throws(() => server.encode(Buffer.alloc(8)), TransportError);
  assert.deepEqual(server.feed(Buffer.alloc(0)), []);
});

test('plain framings put the documented bytes on the wire', () => {
  const abridged = new ServerTransport();
  abridged.feed(Buffer.from([0xef]));
  assert.equal(abridged.encode(Buffer.alloc(8, 1)).toString('hex'), '02' + '01'.repeat(8));
  assert.equal(abridged.encode(Buffer.alloc(508)).subarray(0, 4).toString('hex'), '7f7f0000');
  assert.equal(abridged.encodeQuickAck(0x81020304).toString('hex'), '81020304'); // byte-swapped (big-endian)
  assert.equal(abridged.encodeError(404).toString('hex'), '016cfeffff');

  const intermediate = new ServerTransport();
  intermediate.feed(Buffer.from('eeeeeeee', 'hex'));
  assert.equal(intermediate.encode(Buffer.alloc(4, 9)).toString('hex'), '04000000' + '09'.repeat(4));
  assert.equal(intermediate.encodeQuickAck(0x01020304).toString('hex'), '04030281'); // top bit forced
  assert.equal(intermediate.encodeError(-429).toString('hex'), '0400000053feffff');

  // Without a random source the padded framing sends no padding; errors are never padded.
  const padded = new ServerTransport();
  padded.feed(Buffer.from('dddddddd', 'hex'));
  assert.equal(padded.encode(Buffer.alloc(5, 2)).toString('hex'), '05000000' + '02'.repeat(5));
  const paddedRandom = new ServerTransport({ random: seededRandom('pad') });
  paddedRandom.feed(Buffer.from('dddddddd', 'hex'));
  assert.equal(paddedRandom.encodeError(404).length, 8);

  const full = new ServerTransport();
  const first = Buffer.alloc(16);
  first.writeUInt32LE(16, 0);
  first.writeUInt32LE(crc32(first.subarray(0, 12)), 12);
  assert.equal(full.feed(first).length, 1);
  assert.equal(full.kind, 'full');
  const f0 = full.encode(Buffer.alloc(4, 7));
  const f1 = full.encode(Buffer.alloc(4, 7));
  assert.equal(f0.readUInt32LE(0), 16);
  assert.equal(f0.readInt32LE(4), 0);
  assert.equal(f1.readInt32LE(4), 1);
  assert.equal(f0.readUInt32LE(12), crc32(f0.subarray(0, 12)));
});

test('abridged and intermediate quick-ack request bits are read from the length', () => {
  const abridged = new ServerTransport();
  const [a] = abridged.feed(Buffer.concat([Buffer.from([0xef, 0x81]), Buffer.alloc(4, 5)]));
  assert.deepEqual(a, { payload: Buffer.alloc(4, 5), quickAck: true });
  const [b] = abridged.feed(Buffer.concat([Buffer.from([0xff, 0x7f, 0, 0]), Buffer.alloc(508)]));
  assert.equal(b!.quickAck, true);
  assert.equal(b!.payload.length, 508);
  const intermediate = new ServerTransport();
  const [c] = intermediate.feed(Buffer.concat([Buffer.from('eeeeeeee04000080', 'hex'), Buffer.alloc(4)]));
  assert.equal(c!.quickAck, true);
  assert.equal(c!.payload.length, 4);
});

test('absurd and too small lengths throw', () => {
  const cases: [string, Buffer][] = [
    ['abridged 64 MiB', Buffer.from('ef7fffffff', 'hex')],
    ['abridged zero', Buffer.from('ef00', 'hex')],
    ['intermediate 2 GiB', Buffer.from('eeeeeeeefffffff7', 'hex')],
    ['intermediate zero', Buffer.from('eeeeeeee00000000', 'hex')],
    ['intermediate unaligned', Buffer.from('eeeeeeee05000000', 'hex')],
    ['padded 17 MiB', Buffer.from('dddddddd00000011', 'hex')],
    ['full huge', Buffer.from('f0ffff7f00000000', 'hex')],
    ['full shorter than its overhead', Buffer.from('0800000000000000', 'hex')],
    ['full unaligned', Buffer.from('1100000000000000', 'hex')],
  ];
  for (const [why, bytes] of cases) {
    assert.throws(() => new ServerTransport().feed(bytes), TransportError, why);
  }
  // The limit is configurable.
  const small = new ServerTransport({ maxFrameLength: 1024 });
  assert.throws(() => small.feed(Buffer.from('eeeeeeee04040000', 'hex')), /exceeds the 1024-byte limit/);
  assert.deepEqual(new ServerTransport({ maxFrameLength: 1024 }).feed(Buffer.from('eeeeeeee00040000', 'hex')), []);
});

test('padded intermediate accepts unaligned lengths', () => {
  const server = new ServerTransport();
  const frames = server.feed(Buffer.concat([Buffer.from('dddddddd07000000', 'hex'), Buffer.alloc(7, 3)]));
  assert.deepEqual(frames, [{ payload: Buffer.alloc(7, 3), quickAck: false }]);
});

function fullFrame(seq: number, payload: Buffer): Buffer {
  const f = Buffer.alloc(payload.length + 12);
  f.writeUInt32LE(f.length, 0);
  f.writeInt32LE(seq, 4);
  payload.copy(f, 8);
  f.writeUInt32LE(crc32(f.subarray(0, f.length - 4)), f.length - 4);
  return f;
}

test('full transport: wrong CRC and wrong seqno throw', () => {
  const badCrc = fullFrame(0, Buffer.alloc(8, 1));
  badCrc[10] = badCrc[10]! ^ 0xff;
  assert.throws(() => new ServerTransport().feed(badCrc), /CRC32/);

  const server = new ServerTransport();
  assert.equal(server.feed(fullFrame(0, Buffer.alloc(8))).length, 1);
  assert.equal(server.feed(fullFrame(1, Buffer.alloc(8))).length, 1);
  assert.throws(() => server.feed(fullFrame(3, Buffer.alloc(8))), /seqno 3, expected 2/);

  // A stream whose first frame does not start at seqno 0 is not recognised as full at all.
  assert.throws(() => new ServerTransport().feed(Buffer.concat([fullFrame(1, Buffer.alloc(60)), Buffer.alloc(8)])), TransportError);
});

test('an HTTP request or a TLS handshake on the TCP port throws at once', () => {
  for (const line of ['GET / HTTP/1.1\r\n', 'POST /api HTTP/1.1\r\n', 'HEAD / HTTP/1.0\r\n', 'OPTIONS * HTTP/1.1\r\n']) {
    assert.throws(() => new ServerTransport().feed(Buffer.from(line)), /HTTP request/, line);
  }
  assert.throws(() => new ServerTransport().feed(Buffer.from('1603010200', 'hex')), /TLS/);
});

test('an unknown obfuscated tag throws', () => {
  const random = seededRandom('bad-tag');
  // A well-formed header whose decrypted tag is changed: flip the encrypted tag bytes.
  const client = new ClientTransport('obfuscated2/intermediate', random);
  const header = Buffer.from(client.start());
  header[57] = header[57]! ^ 0x55;
  assert.throws(() => new ServerTransport().feed(header), /unknown obfuscated protocol tag/);
});

test('random bytes: either TransportError or frames, never another error', () => {
  let thrown = 0;
  for (let i = 0; i < 200; i++) {
    const random = seededRandom(`garbage-${i}`);
    const server = new ServerTransport({ maxFrameLength: 64 * 1024 });
    try {
      for (const chunk of split(random(2048), random)) server.feed(chunk);
    } catch (e) {
      assert.ok(e instanceof TransportError, String(e));
      thrown++;
    }
  }
  assert.ok(thrown > 190, `only ${thrown} of 200 garbage streams were rejected`);
});

test('garbage that does not look like any framing is rejected after the 64-byte header', () => {
  const random = seededRandom('garbage-64');
  const bytes = random(64);
  bytes[0] = 0x01; // not 0xef
  bytes.writeUInt32LE(0x01010101, 4); // not full
  const server = new ServerTransport();
  assert.deepEqual(server.feed(bytes.subarray(0, 63)), []);
  assert.throws(() => server.feed(bytes.subarray(63)), TransportError);
});
