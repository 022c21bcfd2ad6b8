// Fuzz target for the encrypted session layer (src/interface/session/session-service.ts with
// src/mtproto/session), on a real SessionService as test/unit/ops/session-drain.test.ts builds it: correctly
// encrypted packets whose plaintext carries random salts, session ids, msg_ids, seqnos, service messages,
// invoke wrappers, containers (nested too), gzip_packed (valid or not) and garbage, plus undecryptable packets.
// The server may answer, send bad_msg_notification/bad_server_salt, or close the connection; it must never
// throw, leave a promise rejected, log an internal error, or send a packet its client cannot decrypt.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pino } from 'pino';
import { openDatabase } from '../../../src/infra/db/index.js';
import { AuthKeyRegistry } from '../../../src/interface/session/auth-keys.js';
import { SessionService } from '../../../src/interface/session/session-service.js';
import type { ConnectionHandle } from '../../../src/interface/session/connection.js';
import { SaltSchedule } from '../../../src/mtproto/session/salts.js';
import { ServerMsgIdGenerator, msgIdFromTime } from '../../../src/mtproto/session/msg-id.js';
import { encryptMessage } from '../../../src/mtproto/crypto/message.js';
import { RpcDispatcher } from '../../../src/bff/registry.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { ClientSession } from '../../../src/client/client-session.js';
import { CANONICAL_LAYER, encodeObject, type TlObject } from '../../../src/tl/index.js';
import { defsOf, loadSchemaSet } from '../tl/synth.js';
import { TlArbitraries } from './tl-arbitrary.js';
import { asyncTarget, mutate, mutationArb, seededBytes } from './harness.js';

const T0 = 1_750_000_000_000;
const SESSION_IDS = [0x1111n, 0x2222n, -5n];
/** Service messages and wrappers, with random fields; destroy_auth_key is left out (it ends the fixture's key). */
const SERVICE = ['ping', 'ping_delay_disconnect', 'msgs_ack', 'get_future_salts', 'msgs_state_req', 'msg_resend_req', 'destroy_session', 'rpc_drop_answer', 'http_wait', 'msgs_all_info', 'msg_detailed_info'];
const WRAPPERS = ['invokeWithLayer', 'initConnection', 'invokeAfterMsg', 'invokeAfterMsgs', 'invokeWithoutUpdates', 'invokeWithTakeout'];
const QUERIES = ['help.getNearestDc', 'help.getConfig', 'updates.getState', 'auth.bindTempAuthKey', 'messages.getHistory', 'auth.sendCode'];

interface Fixture {
  dir: string;
  close(): Promise<void>;
  sessions: SessionService;
  client: ClientSession;
  salt: bigint;
  random: (n: number) => Buffer;
  clock: { now: number };
  errors: string[];
  nextConn: number;
}

async function setup(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-fuzz-session-'));
  const db = await openDatabase(dir);
  const keys = new AuthKeyRegistry(db.authKeys);
  const rpc = new RpcDispatcher();
  rpc.register('help.getNearestDc', () => ({ _: 'nearestDc', country: 'NL', thisDc: 2, nearestDc: 2 }));
  rpc.register('updates.getState', () => {
    throw new RpcError(420, 'FLOOD_WAIT_3');
  });
  const errors: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => { const l = JSON.parse(s); if (l.level >= 50) errors.push(s); } });
  const clock = { now: T0 };
  const now = () => clock.now;
  const random = seededBytes(7);
  const sessions = new SessionService({ keys, salts: new SaltSchedule(Buffer.alloc(32, 3)), rpc, log, now, random, msgIds: new ServerMsgIdGenerator(now) });
  const keyBytes = seededBytes(11)(256);
  const salt = 0x1234n;
  await keys.add(keyBytes, 'perm', Math.floor(T0 / 1000), undefined, salt, T0 + 365 * 86400_000);
  const client = new ClientSession(keyBytes, salt, random, now);
  return { dir, close: () => db.close(), sessions, client, salt, random, clock, errors, nextConn: 1 };
}

let tl: TlArbitraries | undefined;
function arbs(): TlArbitraries {
  return (tl ??= new TlArbitraries(defsOf(loadSchemaSet(), CANONICAL_LAYER), CANONICAL_LAYER));
}
const def = (name: string) => loadSchemaSet().canonical.get(name)!;

/** msg_ids around the fixture's clock (valid, stale, future, misaligned) or anything at all. */
const msgIdArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: -400_000, max: 60_000 }), fc.integer({ min: 0, max: 3 })).map(([ms, low]) => (msgIdFromTime(T0 + ms) & ~3n) | BigInt(low)) },
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((ms) => msgIdFromTime(T0 + ms) & ~3n) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) },
);

function bodyArb(): fc.Arbitrary<Buffer> {
  const a = arbs();
  const query = fc.oneof(...QUERIES.map((n) => a.object(def(n))));
  // Wrappers around a query: each wrapper's own fields random, its query the next one in.
  const wrapped = fc.tuple(fc.array(fc.oneof(...WRAPPERS.map((n) => a.object(def(n)))), { maxLength: 3 }), query).map(([ws, q]) =>
    ws.reduceRight<TlObject>((inner, w) => ({ ...w, query: inner }), q),
  );
  const service = fc.oneof(...SERVICE.map((n) => a.object(def(n))));
  const plain = fc.oneof(service, wrapped, query).map((o) => encodeObject(o));
  const gzipped = fc.tuple(fc.oneof(plain, fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))), fc.constantFrom('gzip', 'zlib', 'raw', 'garbage'), fc.array(mutationArb, { maxLength: 2 })).map(([inner, how, muts]) => {
    const packed = how === 'gzip' ? gzipSync(inner) : how === 'zlib' ? deflateSync(inner) : how === 'raw' ? deflateRawSync(inner) : inner;
    return encodeObject({ _: 'gzip_packed', packedData: mutate(packed, muts) } as TlObject);
  });
  const leaf = fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: gzipped }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) });
  const itemOf = (body: fc.Arbitrary<Buffer>) =>
    fc.record({ msgId: msgIdArb, seqNo: fc.integer({ min: -2, max: 40 }), body, lie: fc.option(fc.integer({ min: -8, max: 4096 }), { nil: undefined }) });
  const container = fc.array(itemOf(leaf), { maxLength: 5 }).map(containerBytes);
  // A container inside a container is a protocol error the server must answer, not crash on.
  const nested = fc.array(itemOf(fc.oneof(leaf, container)), { maxLength: 3 }).map(containerBytes);
  const withContainers = fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 2, arbitrary: container }, { weight: 1, arbitrary: nested });
  return fc.tuple(withContainers, fc.option(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), { freq: 4, nil: undefined })).map(([b, muts]) => (muts ? mutate(b, muts) : b));
}

function containerBytes(items: { msgId: bigint; seqNo: number; body: Buffer; lie?: number }[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(8)];
  parts[0]!.writeUInt32LE(0x73f1f8dc, 0);
  parts[0]!.writeInt32LE(items.length, 4);
  for (const i of items) {
    const h = Buffer.alloc(16);
    h.writeBigInt64LE(BigInt.asIntN(64, i.msgId), 0);
    h.writeInt32LE(i.seqNo, 8);
    h.writeInt32LE(i.lie ?? i.body.length, 12);
    parts.push(h, i.body);
  }
  return Buffer.concat(parts);
}

interface PacketSpec {
  kind: 'message' | 'undecryptable' | 'short';
  salt: 'valid' | bigint;
  session: number | bigint;
  msgId: bigint;
  seqNo: number;
  body: Buffer;
  length?: number;
  quickAck: boolean;
}

function packetArb(): fc.Arbitrary<PacketSpec> {
  return fc.record({
    kind: fc.constantFrom('message', 'message', 'message', 'message', 'undecryptable', 'short'),
    salt: fc.oneof({ weight: 5, arbitrary: fc.constant('valid' as const) }, { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
    session: fc.oneof(fc.integer({ min: 0, max: SESSION_IDS.length - 1 }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })),
    msgId: msgIdArb,
    seqNo: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer()),
    body: bodyArb(),
    length: fc.option(fc.integer({ min: -16, max: 2048 }), { freq: 8, nil: undefined }),
    quickAck: fc.boolean(),
  });
}

function encrypt(f: Fixture, p: PacketSpec): Buffer {
  if (p.kind === 'short') return Buffer.concat([f.client.authKey.idBytes, p.body.subarray(0, 40)]);
  const header = Buffer.alloc(32);
  header.writeBigInt64LE(BigInt.asIntN(64, p.salt === 'valid' ? f.salt : p.salt), 0);
  header.writeBigInt64LE(BigInt.asIntN(64, typeof p.session === 'number' ? SESSION_IDS[p.session]! : p.session), 8);
  header.writeBigInt64LE(BigInt.asIntN(64, p.msgId), 16);
  header.writeInt32LE(p.seqNo | 0, 24);
  // Bodies that are not whole words are padded, as the length must be a multiple of 4 to decrypt at all.
  const body = Buffer.concat([p.body, Buffer.alloc((4 - (p.body.length % 4)) % 4)]);
  header.writeInt32LE(p.length ?? body.length, 28);
  const packet = encryptMessage(f.client.authKey, Buffer.concat([header, body]), 'client', f.random);
  if (p.kind === 'undecryptable') packet[packet.length - 1]! ^= 0x40;
  return packet;
}

function fail(message: string): never {
  throw new Error(message);
}

export const sessionTarget = asyncTarget(
  'session',
  setup,
  (f) =>
    fc.asyncProperty(fc.array(packetArb(), { minLength: 1, maxLength: 4 }), async (packets) => {
      f.clock.now += 1000;
      const sent: Buffer[] = [];
      let closed = false;
      const conn: ConnectionHandle = {
        id: f.nextConn++,
        remoteAddress: '192.0.2.1',
        transport: 'tcp/intermediate',
        get closed() {
          return closed;
        },
        sendPacket: (p) => sent.push(p),
        sendQuickAck: () => {},
        failWithTransportError: () => {
          closed = true;
        },
        close: () => {
          closed = true;
        },
        setPingDisconnect: () => {},
      };
      for (const p of packets) {
        if (closed) break;
        await f.sessions.handlePacket(conn, encrypt(f, p), p.quickAck);
      }
      if (!(await f.sessions.whenIdle(10_000))) fail('RPCs still running 10 s later');
      await new Promise((r) => setImmediate(r));
      f.sessions.connectionClosed(conn);
      if (f.errors.length > 0) fail(`internal errors logged: ${f.errors.splice(0).join('\n')}`);
      for (const packet of sent) {
        try {
          f.client.decrypt(packet);
        } catch (e) {
          fail(`the server sent a packet its client cannot read: ${(e as Error).message}`);
        }
      }
      return true;
    }),
  async (f) => {
    await f.close();
    rmSync(f.dir, { recursive: true, force: true });
  },
);
