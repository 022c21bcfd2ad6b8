// Fuzz target for the auth key handshake (src/mtproto/handshake) as the packet router drives it: a real
// client runs the exchange and, at one step, its message is replaced by a mutated packet or a random object
// of a handshake type. The server must answer, finish, or fail cleanly (an error with transport error -404
// or -444), never throw; and the same server, like a fresh one, still completes a correct exchange.
import fc from 'fast-check';
import { PlainMessageError, encodePlainMessage, parsePlainMessage } from '../../../src/mtproto/plain-message.js';
import type { HandshakeStep, ServerHandshake } from '../../../src/mtproto/handshake/server-handshake.js';
import { TlError, decodeObject, encodeObject, type TlObject } from '../../../src/tl/index.js';
import { CANONICAL_LAYER } from '../../../src/tl/index.js';
import { defsOf, loadSchemaSet } from '../tl/synth.js';
import { makeClient, makeServer, runHandshake, seededRandom } from '../handshake/helpers.js';
import { TlArbitraries } from './tl-arbitrary.js';
import { mutate, mutationArb, syncTarget } from './harness.js';

const HANDSHAKE_OBJECTS = ['req_pq', 'req_pq_multi', 'req_DH_params', 'set_client_DH_params', 'msgs_ack', 'p_q_inner_data', 'client_DH_inner_data', 'ping'];

type Corruption =
  | { kind: 'mutate'; mutations: Parameters<typeof mutate>[1] }
  | { kind: 'replace'; object: TlObject }
  | { kind: 'field'; object: TlObject; field: number };

let tl: TlArbitraries | undefined;
function objectArb(): fc.Arbitrary<TlObject> {
  tl ??= new TlArbitraries(defsOf(loadSchemaSet(), CANONICAL_LAYER), CANONICAL_LAYER);
  const defs = loadSchemaSet().canonical;
  return fc.oneof(...HANDSHAKE_OBJECTS.map((n) => tl!.object(defs.get(n)!)));
}

function corruptionArb(): fc.Arbitrary<Corruption> {
  return fc.oneof(
    fc.record({ kind: fc.constant('mutate' as const), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('replace' as const), object: objectArb() }),
    // One field of the real message swapped for the same field of a random object of that kind.
    fc.record({ kind: fc.constant('field' as const), object: objectArb(), field: fc.nat() }),
  );
}

function fail(message: string): never {
  throw new Error(message);
}

function checkStep(step: HandshakeStep): void {
  if (step.error !== undefined) {
    if (step.transportError !== -404 && step.transportError !== -444) fail(`error "${step.error}" with transport error ${step.transportError}`);
    if (step.reply || step.completed) fail(`error "${step.error}" together with a reply`);
  }
}

/** What the packet router does with one unencrypted packet: parse, decode, hand to the server. */
function deliver(server: ServerHandshake, packet: Buffer): HandshakeStep | 'closed' {
  let request: TlObject;
  try {
    request = decodeObject(parsePlainMessage(packet).body);
  } catch (e) {
    if (e instanceof PlainMessageError || e instanceof TlError) return 'closed';
    throw e;
  }
  const step = server.handle(request);
  checkStep(step);
  return step;
}

function corrupt(message: TlObject, c: Corruption): Buffer {
  const packet = (o: TlObject | Buffer) => encodePlainMessage(0x6000000000000000n, Buffer.isBuffer(o) ? o : encodeObject(o));
  switch (c.kind) {
    case 'mutate':
      return mutate(packet(message), c.mutations);
    case 'replace':
      return packet(c.object);
    case 'field': {
      const keys = Object.keys(message).filter((k) => k !== '_');
      const key = keys[c.field % keys.length]!;
      const value = (c.object as Record<string, unknown>)[key];
      let bytes: Buffer;
      try {
        bytes = encodeObject({ ...message, [key]: value === undefined ? Buffer.alloc(0) : value } as TlObject);
      } catch {
        // A field of another type that cannot be encoded in its place: send the random object itself.
        bytes = encodeObject(c.object);
      }
      return packet(bytes);
    }
  }
}

export const handshakeTarget = syncTarget('handshake', () =>
  fc.property(fc.integer({ min: 0, max: 2 }), corruptionArb(), fc.integer(), fc.constantFrom('plain', 'dc', 'temp', 'temp_dc'), (at, c, seed, innerData) => {
    const server = makeServer({ random: seededRandom(`server${seed}`) });
    const client = makeClient({ random: seededRandom(`client${seed}`), innerData: innerData as 'plain', expiresIn: 3600 });
    let request: TlObject | undefined = client.start();
    for (let i = 0; i < 4 && request; i++) {
      const step = deliver(server, i === at ? corrupt(request, c) : encodePlainMessage(0x6000000000000000n, encodeObject(request)));
      if (step === 'closed' || step.error || !step.reply) break;
      let next;
      try {
        next = client.handle(decodeObject(encodeObject(step.reply)));
      } catch {
        break; // the test client's own complaints are not under test
      }
      if (next.error || next.completed) break;
      request = next.request;
    }
    // No state corruption: a new exchange on the same instance (as on the same connection) and on a fresh one.
    for (const s of [server, makeServer({ random: seededRandom(`fresh${seed}`) })]) {
      const log = runHandshake(s, makeClient({ random: seededRandom(`again${seed}`) }));
      const last = log.server[log.server.length - 1];
      if (!last?.completed) fail(`a correct handshake failed afterwards: ${last?.error}`);
    }
    return true;
  }),
);
