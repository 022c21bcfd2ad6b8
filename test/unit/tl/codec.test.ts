import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CANONICAL_LAYER,
  SUPPORTED_LAYERS,
  TlError,
  TlReader,
  TlWriter,
  constructorId,
  decodeObject,
  decodeResult,
  encodeObject,
  encodeResult,
  isMethod,
  methodNames,
  registerLayerFallback,
  schemaLayerFor,
  writeObject,
  type Obj,
  type Req,
  type Res,
  type TlObject,
  type TlType,
} from '../../../src/tl/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('layers: the newest schema file is canonical, clamping and the closest older schema file', () => {
  const files = readdirSync(fileURLToPath(new URL('../../../../schema/layers', import.meta.url))).map((n) => /^api-(\d+)\.tl$/.exec(n)).filter((m) => m !== null);
  const newest = Math.max(...files.map((m) => Number(m[1])));
  assert.equal(CANONICAL_LAYER, newest);
  assert.deepEqual(SUPPORTED_LAYERS, files.map((m) => Number(m[1])).sort((a, b) => a - b));
  assert.ok(CANONICAL_LAYER >= 229);
  assert.equal(SUPPORTED_LAYERS[0], 158);
  assert.equal(schemaLayerFor(100), 158);
  assert.equal(schemaLayerFor(158), 158);
  assert.equal(schemaLayerFor(168), 167); // no api-168.tl
  assert.equal(schemaLayerFor(198), 198);
  assert.equal(schemaLayerFor(226), 225);
  assert.equal(schemaLayerFor(228), 228);
  assert.equal(schemaLayerFor(229), 229);
  assert.equal(schemaLayerFor(400), CANONICAL_LAYER);
  assert.equal(schemaLayerFor(Number.NaN), 158);
});

test('req_pq_multi encodes to its id and the nonce', () => {
  const nonce = hex('79F0AFB50252E5FC96924BFCECDA4F05');
  const bytes = encodeObject({ _: 'req_pq_multi', nonce } satisfies Req<'req_pq_multi'>);
  assert.deepEqual(bytes, Buffer.concat([hex('f18e7ebe'), nonce]));
  assert.equal(bytes.readUInt32LE(0), 0xbe7e8ef1);
});

test('decodes the resPQ of the MTProto auth key sample', () => {
  // core.telegram.org/mtproto/samples-auth_key, received payload after the 20-byte plaintext header.
  const body = hex(`
    63 24 16 05 75 E6 22 F3 BC 7D 71 46 32 B8 33 82 1F D7 BB 0C 8E C5 3E C0 50 CB 2D 47
    5B 45 7B AF 44 5B 49 F5 08 16 E7 48 B2 95 22 C6 8F 00 00 00 15 C4 B5 1C 03 00 00 00
    85 FD 64 DE 85 1D 9D D0 A5 B7 F7 09 35 5F C3 0B 21 6B E8 6C 02 2B B4 C3`);
  const r = new TlReader(body);
  const res = decodeObject(r) as Obj<'resPQ'>;
  assert.equal(r.remaining, 0);
  assert.deepEqual(res, {
    _: 'resPQ',
    nonce: hex('75E622F3BC7D714632B833821FD7BB0C'),
    serverNonce: hex('8EC53EC050CB2D475B457BAF445B49F5'),
    pq: hex('16E748B29522C68F'),
    serverPublicKeyFingerprints: [-3414540481677951611n, 847625836280919973n, -4344800451088585951n],
  });
  assert.equal(BigInt.asUintN(64, res.serverPublicKeyFingerprints[2]!), 0xc3b42b026ce86b21n);
  // and back to the same bytes
  assert.deepEqual(encodeObject(res), body);
});

test('msgs_ack: a boxed vector of long', () => {
  const bytes = encodeObject({ _: 'msgs_ack', msgIds: [1n, -2n, 0x7fffffffffffffffn] });
  assert.deepEqual(
    bytes,
    hex('59b4d662 15c4b51c 03000000 0100000000000000 feffffffffffffff ffffffffffffff7f'),
  );
  assert.deepEqual(decodeObject(bytes), { _: 'msgs_ack', msgIds: [1n, -2n, 0x7fffffffffffffffn] });
});

test('message with flags and flags2: flag words follow the optional fields present', () => {
  const msg = {
    _: 'message',
    out: true, // flags.1
    id: 42,
    peerId: { _: 'peerUser', userId: 7n },
    date: 1700000000,
    message: 'hello',
    views: 3, // flags.10
    forwards: 4, // flags.10 too
    offline: true, // flags2.1
    effect: 99n, // flags2.2
  } satisfies Obj<'message'>;
  const bytes = encodeObject(msg);
  assert.equal(bytes.readUInt32LE(0), constructorId('message'));
  assert.equal(bytes.readUInt32LE(4), (1 << 1) | (1 << 10));
  assert.equal(bytes.readUInt32LE(8), (1 << 1) | (1 << 2));
  const back = decodeObject(bytes) as Obj<'message'>;
  assert.equal(back.out, true);
  assert.equal(back.pinned, false);
  assert.equal(back.offline, true);
  assert.equal(back.views, 3);
  assert.equal(back.effect, 99n);
  assert.equal(back.fromId, undefined);
  assert.equal('flags' in back || 'flags2' in back, false);
  assert.deepEqual(back.peerId, { _: 'peerUser', userId: 7n });
  // false and undefined both mean "absent"
  assert.deepEqual(encodeObject({ ...msg, pinned: false, fromId: undefined }), bytes);
});

test('invokeWithLayer(initConnection(help.getConfig)) nests generic queries', () => {
  const req = {
    _: 'invokeWithLayer',
    layer: 198,
    query: {
      _: 'initConnection',
      apiId: 2040,
      deviceModel: 'PC',
      systemVersion: 'Linux',
      appVersion: '1.0',
      systemLangCode: 'en',
      langPack: '',
      langCode: 'en',
      query: { _: 'help.getConfig' },
    },
  } satisfies Req<'invokeWithLayer'>;
  const bytes = encodeObject(req);
  assert.deepEqual(bytes.subarray(0, 12), hex('0d0d9bda c6000000 a95ecdc1'));
  assert.deepEqual(bytes.subarray(12, 16), hex('00000000')); // initConnection flags: no proxy, no params
  assert.deepEqual(bytes.subarray(-4), hex('6b18f9c4'));
  const back = decodeObject(bytes);
  assert.deepEqual(back, { ...req, query: { ...req.query, proxy: undefined, params: undefined } });
});

test('Object and !X fields accept pre-encoded bytes; rpc_result carries a vector result', () => {
  const result = encodeResult('messages.receivedQueue', [5n, 6n]);
  assert.deepEqual(result, hex('15c4b51c 02000000 0500000000000000 0600000000000000'));
  const rpc = encodeObject({ _: 'rpc_result', reqMsgId: 77n, result });
  assert.deepEqual(rpc, Buffer.concat([hex('016d5cf3 4d00000000000000'), result]));
  const back = decodeObject(rpc) as Obj<'rpc_result'>;
  assert.equal(back.reqMsgId, 77n);
  assert.ok(back.result instanceof Uint8Array);
  assert.deepEqual(decodeResult('messages.receivedQueue', back.result as Uint8Array), [5n, 6n]);

  const objResult = encodeObject({ _: 'rpc_result', reqMsgId: 1n, result: { _: 'boolTrue' } });
  assert.deepEqual((decodeObject(objResult) as Obj<'rpc_result'>).result, { _: 'boolTrue' });

  const inner = encodeObject({ _: 'help.getConfig' });
  assert.deepEqual(encodeObject({ _: 'invokeWithoutUpdates', query: inner }), Buffer.concat([hex('b75994bf'), inner]));
});

test('results: Bool, vectors and objects', () => {
  assert.deepEqual(encodeResult('account.updateStatus', true), hex('b5757299'));
  assert.equal(decodeResult('account.updateStatus', hex('379779bc')), false);
  assert.deepEqual(decodeResult('contacts.getContactIDs', hex('15c4b51c 02000000 01000000 02000000')), [1, 2]);
  const pong = encodeResult('ping', { _: 'pong', msgId: 1n, pingId: 2n });
  assert.deepEqual(decodeResult('ping', pong), { _: 'pong', msgId: 1n, pingId: 2n });
  assert.throws(() => decodeResult('ping', encodeObject({ _: 'boolTrue' })), TlError); // not a Pong
  assert.throws(() => encodeResult('no.such' as 'ping', { _: 'pong', msgId: 1n, pingId: 2n }), TlError);
});

test('msg_container of service messages: message length is computed', () => {
  const body1 = { _: 'ping', pingId: 5n };
  const body2 = { _: 'msgs_ack', msgIds: [9n] };
  const container = {
    _: 'msg_container',
    messages: [
      { _: 'mt_message', msgId: 100n, seqno: 1, bytes: 0, body: body1 },
      { _: 'mt_message', msgId: 104n, seqno: 3, bytes: 0, body: body2 },
    ],
  } satisfies Obj<'msg_container'>;
  const bytes = encodeObject(container);
  assert.equal(bytes.readUInt32LE(0), 0x73f1f8dc);
  assert.equal(bytes.readUInt32LE(4), 2); // bare vector: count, no vector id
  assert.equal(bytes.readUInt32LE(8 + 12), 12); // ping: id + long
  const back = decodeObject(bytes) as Obj<'msg_container'>;
  assert.deepEqual(back.messages, [
    { _: 'mt_message', msgId: 100n, seqno: 1, bytes: 12, body: body1 },
    { _: 'mt_message', msgId: 104n, seqno: 3, bytes: 20, body: body2 },
  ]);
});

test('future_salts: a bare vector of bare constructors', () => {
  const salts = { _: 'future_salts', reqMsgId: 1n, now: 2, salts: [{ _: 'future_salt', validSince: 3, validUntil: 4, salt: 5n }] } satisfies Obj<'future_salts'>;
  const bytes = encodeObject(salts);
  assert.deepEqual(bytes, hex('950850ae 0100000000000000 02000000 01000000 03000000 04000000 0500000000000000'));
  assert.deepEqual(decodeObject(bytes), salts);
});

test('service strings are bytes, except rpc_error.error_message', () => {
  const pq = Buffer.from([0x17, 0xed, 0x48, 0x94, 0xff]);
  const back = decodeObject(encodeObject({ _: 'resPQ', nonce: Buffer.alloc(16), serverNonce: Buffer.alloc(16), pq, serverPublicKeyFingerprints: [] })) as Obj<'resPQ'>;
  assert.deepEqual(back.pq, pq);
  const err = decodeObject(encodeObject({ _: 'rpc_error', errorCode: 420, errorMessage: 'FLOOD_WAIT_3' })) as Obj<'rpc_error'>;
  assert.equal(err.errorMessage, 'FLOOD_WAIT_3');
});

test('encoding for an older layer uses that layer\'s constructor and nests in the same layer', () => {
  const msg = { _: 'message', id: 1, peerId: { _: 'peerUser', userId: 2n }, date: 3, message: 'x', offline: true };
  const old = encodeObject(msg, 158);
  assert.equal(old.readUInt32LE(0), 0x38116ee0); // message as layer 158 had it
  assert.equal(constructorId('message', 158), 0x38116ee0);
  assert.notEqual(constructorId('message'), 0x38116ee0);
  const back = decodeObject(old) as Obj<'message'>;
  assert.equal(back._, 'message');
  assert.equal(back.offline, undefined); // layer 158 has no flags2
  assert.equal(back.id, 1);

  // nested: updateNewMessage wraps the message, which must be in the old shape too
  const upd = encodeObject({ _: 'updateNewMessage', message: msg, pts: 1, ptsCount: 1 }, 158);
  assert.equal(upd.readUInt32LE(4), 0x38116ee0);
});

test('a predicate the layer lacks throws unless a fallback replaces it', () => {
  const media = { _: 'messageMediaPaidMedia', starsAmount: 5n, extendedMedia: [] } satisfies Obj<'messageMediaPaidMedia'>;
  assert.ok(encodeObject(media).length > 0);
  assert.throws(() => encodeObject(media, 158), (e: unknown) => e instanceof TlError && /messageMediaPaidMedia/.test(e.message) && /158/.test(e.message));
  assert.equal(constructorId('messageMediaPaidMedia', 158), undefined);

  const seen: number[] = [];
  registerLayerFallback('messageMediaPaidMedia', (_obj, layer) => {
    seen.push(layer);
    return { _: 'messageMediaUnsupported' };
  });
  assert.deepEqual(encodeObject(media, 160), hex('9ef4849f'));
  assert.deepEqual(seen, [160]);
  assert.deepEqual(encodeObject(media), encodeObject(media, CANONICAL_LAYER)); // canonical untouched
  registerLayerFallback('messageMediaPaidMedia', () => undefined);
  assert.throws(() => encodeObject(media, 160), TlError);
});

test('predicates only older layers have encode for those layers and decode everywhere', () => {
  // updateChannelPinnedTopic existed in layers 158..214.
  const upd = { _: 'updateChannelPinnedTopic', pinned: true, channelId: 5n, topicId: 6 };
  const bytes = encodeObject(upd, 200);
  assert.equal(bytes.readUInt32LE(0), 0x192efbe3);
  assert.deepEqual(decodeObject(bytes), upd);
  assert.throws(() => encodeObject(upd), (e: unknown) => e instanceof TlError && /updateChannelPinnedTopic/.test(e.message) && e.message.includes(`layer ${CANONICAL_LAYER}`));
  assert.equal(constructorId('updateChannelPinnedTopic', 214), 0x192efbe3);
  assert.equal(constructorId('updateChannelPinnedTopic', 216), undefined);
  // a method an old client may still call
  assert.equal(isMethod('channels.editCreator'), true);
  assert.equal(constructorId('no.suchThing'), undefined);
  assert.throws(() => encodeObject({ _: 'no.suchThing' }), (e: unknown) => e instanceof TlError && /no\.suchThing/.test(e.message));
});

test('fields sharing a flag bit are written together', () => {
  // views and forwards are both flags.10: setting one must not produce a truncated object.
  const msg = { _: 'message', id: 1, peerId: { _: 'peerUser', userId: 2n }, date: 3, message: '', views: 9 };
  const back = decodeObject(encodeObject(msg)) as Obj<'message'>;
  assert.equal(back.views, 9);
  assert.equal(back.forwards, 0);
});

test('writeObject appends to a writer', () => {
  const w = new TlWriter();
  w.int32(1);
  writeObject(w, { _: 'boolFalse' });
  writeObject(w, Buffer.from([1, 2, 3, 4]));
  assert.deepEqual(w.finish(), hex('01000000 379779bc 01020304'));
});

test('isMethod, methodNames, constructorId', () => {
  assert.equal(isMethod('help.getConfig'), true);
  assert.equal(isMethod('req_pq_multi'), true);
  assert.equal(isMethod('help.config'), false);
  assert.ok(methodNames.has('invokeWithLayer'));
  assert.equal(constructorId('help.getConfig'), 0xc4f9186b);
  assert.equal(constructorId('resPQ'), 0x05162463);
});

test('generated types', () => {
  // Compile-time checks: these lines only typecheck if the generated types are right.
  const cfg: Res<'help.getConfig'> = {} as Obj<'config'>;
  const cfgBack: Obj<'config'> = {} as Res<'help.getConfig'>;
  const pq: Res<'req_pq_multi'> = {} as Obj<'resPQ'>;
  const req: Req<'invokeWithLayer'> = { _: 'invokeWithLayer', layer: 1, query: { _: 'help.getConfig' } };
  const layer: number = req.layer;
  const query: TlObject = req.query;
  const peer: TlType<'InputPeer'> = { _: 'inputPeerSelf' };
  const ids: Res<'messages.receivedQueue'> = [1n];
  const ok: Res<'account.updateStatus'> = true;
  void [cfg, cfgBack, pq, layer, query, peer, ids, ok];
  assert.ok(true);
});

// ---------------------------------------------------------------- bad input

const isTlError = (e: unknown) => e instanceof TlError;

test('unknown constructor id: TlError naming the id in hex', () => {
  assert.throws(() => decodeObject(hex('efbeadde')), (e: unknown) => isTlError(e) && /deadbeef/.test((e as Error).message));
  // inside a typed field too
  const bad = Buffer.concat([hex('0d0d9bda c6000000'), hex('efbeadde')]);
  assert.throws(() => decodeObject(bad), (e: unknown) => isTlError(e) && /deadbeef/.test((e as Error).message));
});

test('a constructor of the wrong type in a typed field is rejected', () => {
  // updateNewMessage whose message is a boolTrue
  const bytes = encodeObject({ _: 'updateNewMessage', message: { _: 'messageEmpty', id: 1 }, pts: 1, ptsCount: 1 });
  bytes.writeUInt32LE(0x997275b5, 4);
  assert.throws(() => decodeObject(bytes), (e: unknown) => isTlError(e) && /not a Message/.test((e as Error).message));
});

test('every truncation of a valid object throws TlError', () => {
  const bytes = encodeObject({
    _: 'message',
    id: 1,
    peerId: { _: 'peerUser', userId: 2n },
    date: 3,
    message: 'a longer text that needs some bytes',
    entities: [{ _: 'messageEntityBold', offset: 0, length: 1 }],
    offline: true,
    effect: 5n,
  });
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeObject(bytes.subarray(0, n)), isTlError, `prefix ${n}`);
  assert.doesNotThrow(() => decodeObject(bytes));
});

test('absurd and negative vector lengths throw TlError', () => {
  assert.throws(() => decodeObject(hex('59b4d662 15c4b51c ffffff7f 0100000000000000')), isTlError);
  assert.throws(() => decodeObject(hex('59b4d662 15c4b51c ffffffff')), isTlError);
  assert.throws(() => decodeObject(hex('59b4d662 15c4b51c 00000010')), isTlError);
  // a boxed vector without its vector id
  assert.throws(() => decodeObject(hex('59b4d662 01000000 0100000000000000')), isTlError);
  // results too
  assert.throws(() => decodeResult('messages.receivedQueue', hex('15c4b51c ffffff7f')), isTlError);
});

test('bad lengths inside service messages throw TlError', () => {
  const c = encodeObject({ _: 'msg_container', messages: [{ _: 'mt_message', msgId: 1n, seqno: 1, bytes: 0, body: { _: 'ping', pingId: 1n } }] });
  const bad = Buffer.from(c);
  bad.writeInt32LE(1000, 8 + 12);
  assert.throws(() => decodeObject(bad), isTlError);
  bad.writeInt32LE(-4, 8 + 12);
  assert.throws(() => decodeObject(bad), isTlError);
  assert.throws(() => decodeObject(hex('6d5cf3 00')), isTlError);
  // bytes with the reserved 0xff length marker
  assert.throws(() => decodeObject(hex('a1cf7230 ff000000')), isTlError);
  // Bool that is neither boolTrue nor boolFalse
  assert.throws(() => decodeResult('account.updateStatus', hex('01020304')), isTlError);
});

test('nesting deeper than the limit throws TlError', () => {
  let q: TlObject = { _: 'help.getConfig' };
  for (let i = 0; i < 100; i++) q = { _: 'invokeWithoutUpdates', query: q };
  const bytes = encodeObject(q);
  assert.throws(() => decodeObject(bytes), (e: unknown) => isTlError(e) && /nested/.test((e as Error).message));
  let ok: TlObject = { _: 'help.getConfig' };
  for (let i = 0; i < 30; i++) ok = { _: 'invokeWithoutUpdates', query: ok };
  assert.doesNotThrow(() => decodeObject(encodeObject(ok)));
});

test('random garbage after a valid id only ever throws TlError', () => {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  const ids = ['message', 'updateShortMessage', 'user', 'config', 'msg_container', 'invokeWithLayer', 'initConnection', 'messages.sendMessage', 'updates']
    .map((n) => constructorId(n)!);
  for (let i = 0; i < 3000; i++) {
    const len = 4 + (rand() % 200);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rand() & 0xff;
    b.writeUInt32LE(ids[i % ids.length]!, 0);
    try {
      decodeObject(b);
    } catch (e) {
      assert.ok(e instanceof TlError, `${(e as Error).name}: ${(e as Error).message}`);
    }
  }
});
