import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeConstructorId, crc32, parseDeclaration, parseTl, snakeToCamel, TlParseError } from '../../../src/tl/parser.js';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
});

test('computed ids match the ids Telegram published', () => {
  // Declarations copied without their #id; `?true` fields and bytes->string are part of the normalization.
  assert.equal(computeConstructorId('boolFalse = Bool'), 0xbc799737);
  assert.equal(computeConstructorId('resPQ nonce:int128 server_nonce:int128 pq:string server_public_key_fingerprints:Vector<long> = ResPQ'), 0x05162463);
  assert.equal(computeConstructorId('inputMediaPhoto flags:# spoiler:flags.1?true live_photo:flags.2?true id:InputPhoto ttl_seconds:flags.0?int video:flags.2?InputDocument = InputMedia'), 0xe3af4434);
  assert.equal(computeConstructorId('invokeWithLayer {X:Type} layer:int query:!X = X'), 0xda9b0d0d);
  assert.equal(computeConstructorId('rsa_public_key n:string e:string = RSAPublicKey'), 0x7a19cb76);
});

test('sections, comments, explicit ids and skipped builtins', () => {
  const defs = parseTl(`
int ? = Int;
vector {t:Type} # [ t ] = Vector t;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
int128 4*[ int ] = Int128;
bytes = Bytes;
// a comment line
pong#347773c5 msg_id:long ping_id:long = Pong; // trailing comment
---functions---
ping#7abe77ec ping_id:long = Pong;
---types---
true#3fedd339 = True;
`);
  assert.deepEqual(defs.map((d) => [d.kind, d.name, d.id]), [
    ['constructor', 'pong', 0x347773c5],
    ['method', 'ping', 0x7abe77ec],
    ['constructor', 'true', 0x3fedd339],
  ]);
  assert.equal(defs[0]!.explicitId, true);
  assert.deepEqual(defs[0]!.params.map((p) => p.name), ['msg_id', 'ping_id']);
});

test('a bare constructor without id gets its CRC32 id', () => {
  const d = parseDeclaration('message msg_id:long seqno:int bytes:int body:Object = Message', 'constructor')!;
  assert.equal(d.explicitId, false);
  assert.equal(d.id, 0x5bb8e511);
  assert.deepEqual(d.params[3]!.type, { kind: 'boxed', name: 'Object' });
});

test('flags and flags2 conditional fields', () => {
  const d = parseDeclaration('x#12345678 flags:# a:flags.0?true b:flags.31?int flags2:# c:flags2.3?true d:flags2.0?Vector<long> = X', 'constructor')!;
  assert.deepEqual(d.params.map((p) => [p.name, p.cond?.field, p.cond?.bit, p.type.kind]), [
    ['flags', undefined, undefined, 'nat'],
    ['a', 'flags', 0, 'prim'],
    ['b', 'flags', 31, 'prim'],
    ['flags2', undefined, undefined, 'nat'],
    ['c', 'flags2', 3, 'prim'],
    ['d', 'flags2', 0, 'vector'],
  ]);
});

test('generics with !X', () => {
  const d = parseDeclaration('initConnection#c1cd5ea9 {X:Type} flags:# api_id:int proxy:flags.0?InputClientProxy query:!X = X', 'method')!;
  assert.deepEqual(d.generics, [{ name: 'X', type: 'Type' }]);
  assert.deepEqual(d.params.at(-1)!.type, { kind: 'generic', name: 'X', bang: true });
  assert.deepEqual(d.type, { kind: 'generic', name: 'X', bang: false });
});

test('boxed and bare vectors, %Type and lowercase bare references', () => {
  const salts = parseDeclaration('future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts', 'constructor')!;
  assert.deepEqual(salts.params[2]!.type, { kind: 'vector', boxed: false, elem: { kind: 'bare', name: 'future_salt', byType: false } });
  const cont = parseDeclaration('msg_container#73f1f8dc messages:vector<%Message> = MessageContainer', 'constructor')!;
  assert.deepEqual(cont.params[0]!.type, { kind: 'vector', boxed: false, elem: { kind: 'bare', name: 'Message', byType: true } });
  const ack = parseDeclaration('msgs_ack#62d6b459 msg_ids:Vector<long> = MsgsAck', 'constructor')!;
  assert.deepEqual(ack.params[0]!.type, { kind: 'vector', boxed: true, elem: { kind: 'prim', name: 'long' } });
  const ns = parseDeclaration('help.getConfig#c4f9186b = Config', 'method')!;
  assert.deepEqual(ns.type, { kind: 'boxed', name: 'Config' });
  const vres = parseDeclaration('messages.receivedQueue#55a5bb66 max_qts:int = Vector<long>', 'method')!;
  assert.equal(vres.type.kind, 'vector');
});

test('declarations may span lines', () => {
  const defs = parseTl('a#00000001 x:int\n   y:long = A;\n');
  assert.deepEqual(defs[0]!.params.map((p) => p.name), ['x', 'y']);
});

test('malformed declarations are rejected', () => {
  assert.throws(() => parseTl('a#1 x:int = A'), TlParseError); // no semicolon
  assert.throws(() => parseTl('a#1 x:flags.0?int = A;'), TlParseError); // flags field not declared
  assert.throws(() => parseTl('a#1 flags:# x:flags.32?int = A;'), TlParseError);
  assert.throws(() => parseTl('a#1 x = A;'), TlParseError);
  assert.throws(() => parseTl('a#1 q:!Y = A;'), TlParseError);
  assert.throws(() => parseTl('---stuff---'), TlParseError);
});

test('snake_case to camelCase', () => {
  assert.equal(snakeToCamel('server_nonce'), 'serverNonce');
  assert.equal(snakeToCamel('g_a'), 'gA');
  assert.equal(snakeToCamel('md5_checksum'), 'md5Checksum');
  assert.equal(snakeToCamel('ipv4'), 'ipv4');
});
