// Interop with an independent client implementation: GramJS (devDependency) encrypts client messages with its own
// SHA-256 KDF and pure-JS AES-IGE; Echo's server side must read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthKey as GramAuthKey } from 'telegram/crypto/AuthKey.js';
import { MTProtoState } from 'telegram/network/MTProtoState.js';
import { makeAuthKey } from '../../../src/mtproto/crypto/auth-key.js';
import { decryptMessage } from '../../../src/mtproto/crypto/message.js';
import { seededRandom } from './helpers.js';

test('a message encrypted by GramJS decrypts with direction "client"', async () => {
  const keyBytes = seededRandom('gramjs')(256);
  const gramKey = new GramAuthKey();
  await gramKey.setKey(keyBytes);
  const state = new MTProtoState(gramKey, undefined as never);
  const internals = state as unknown as { salt: unknown; id: unknown };
  internals.salt = internals.id; // any non-zero long
  // msg_id ‖ seq_no ‖ message_data_length ‖ body (GramJS prepends salt ‖ session_id)
  const body = Buffer.concat([Buffer.alloc(12, 1), Buffer.from([16, 0, 0, 0]), Buffer.from('0123456789abcdef')]);
  const packet: Buffer = await state.encryptMessageData(body);
  const key = makeAuthKey(keyBytes);
  assert.deepEqual(packet.subarray(0, 8), key.idBytes);
  const plain = decryptMessage(key, packet, 'client');
  assert.deepEqual(plain.subarray(16, 48), body);
});
