import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TlError, decodeObject, encodeObject, type TlObject } from '../../../src/tl/index.js';

// Pyrogram-family clients send InputPeer constructors in fields typed InputUser / InputChannel; the
// encoder writes whatever constructor it is given, so these bytes are what such a client puts on the wire.
const roundtrip = (o: TlObject) => decodeObject(encodeObject(o)) as any;
const peerMsg = { _: 'inputPeerChat', chatId: 5n };

test('InputUser fields and vectors accept the InputPeer user constructors as their InputUser twins', () => {
  const got = roundtrip({
    _: 'users.getUsers',
    id: [
      { _: 'inputPeerUser', userId: 42n, accessHash: -7n },
      { _: 'inputPeerSelf' },
      { _: 'inputPeerUserFromMessage', peer: peerMsg, msgId: 9, userId: 43n },
      { _: 'inputPeerEmpty' },
      { _: 'inputUser', userId: 44n, accessHash: 1n },
    ],
  } as TlObject);
  assert.deepEqual(got.id, [
    { _: 'inputUser', userId: 42n, accessHash: -7n },
    { _: 'inputUserSelf' },
    // The nested peer of a FromMessage stays an InputPeer: only the InputUser-typed field is coerced.
    { _: 'inputUserFromMessage', peer: peerMsg, msgId: 9, userId: 43n },
    { _: 'inputUserEmpty' },
    { _: 'inputUser', userId: 44n, accessHash: 1n },
  ]);
  assert.deepEqual(roundtrip({ _: 'users.getFullUser', id: { _: 'inputPeerUser', userId: 42n, accessHash: 3n } } as TlObject).id, {
    _: 'inputUser',
    userId: 42n,
    accessHash: 3n,
  });
  const chat = roundtrip({ _: 'messages.createChat', users: [{ _: 'inputPeerUser', userId: 42n, accessHash: 3n }], title: 't' } as TlObject);
  assert.deepEqual(chat.users, [{ _: 'inputUser', userId: 42n, accessHash: 3n }]);
  const add = roundtrip({ _: 'messages.addChatUser', chatId: 5n, userId: { _: 'inputPeerSelf' }, fwdLimit: 0 } as TlObject);
  assert.deepEqual(add.userId, { _: 'inputUserSelf' });
});

test('InputChannel fields accept the InputPeer channel constructors', () => {
  const got = roundtrip({
    _: 'channels.getChannels',
    id: [
      { _: 'inputPeerChannel', channelId: 77n, accessHash: 8n },
      { _: 'inputPeerChannelFromMessage', peer: peerMsg, msgId: 3, channelId: 78n },
      { _: 'inputPeerEmpty' },
    ],
  } as TlObject);
  assert.deepEqual(got.id, [
    { _: 'inputChannel', channelId: 77n, accessHash: 8n },
    { _: 'inputChannelFromMessage', peer: peerMsg, msgId: 3, channelId: 78n },
    { _: 'inputChannelEmpty' },
  ]);
  assert.deepEqual(roundtrip({ _: 'channels.getFullChannel', channel: { _: 'inputPeerChannel', channelId: 77n, accessHash: 8n } } as TlObject).channel, {
    _: 'inputChannel',
    channelId: 77n,
    accessHash: 8n,
  });
});

test('only the twins are coerced: other constructors stay wrong types, InputPeer fields keep InputPeers', () => {
  assert.throws(() => roundtrip({ _: 'users.getFullUser', id: { _: 'inputPeerChat', chatId: 1n } } as TlObject), (e: unknown) => e instanceof TlError && /is not a InputUser/.test(e.message));
  assert.throws(() => roundtrip({ _: 'users.getFullUser', id: { _: 'inputPeerChannel', channelId: 1n, accessHash: 1n } } as TlObject), TlError);
  assert.throws(() => roundtrip({ _: 'channels.getFullChannel', channel: { _: 'inputPeerUser', userId: 1n, accessHash: 1n } } as TlObject), TlError);
  const hist = roundtrip({ _: 'messages.getHistory', peer: { _: 'inputPeerUser', userId: 42n, accessHash: 3n }, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0, hash: 0n } as TlObject);
  assert.deepEqual(hist.peer, { _: 'inputPeerUser', userId: 42n, accessHash: 3n });
});
