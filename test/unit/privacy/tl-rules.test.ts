import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TlObject, TlType } from '../../../src/tl/index.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { MAX_PRIVACY_IDS, rulesFromInput, rulesFromJson, rulesToJson, ruleToTl } from '../../../src/service/privacy/tl-rules.js';
import { privacyKeyFromInput, privacyKeyObject } from '../../../src/service/privacy/keys.js';
import { PRIVACY_KEYS } from '../../../src/service/privacy/rules.js';
import type { StoredRule } from '../../../src/service/privacy/evaluate.js';

const idsOf = async (users: readonly TlType<'InputUser'>[]) => users.map((u) => (u._ === 'inputUser' ? u.userId : 0n));

/** What the schema's decoder never hands over (it checks each field's type); the converters still refuse it. */
const undecodable = <T>(obj: TlObject) => obj as unknown as T;

function rpcError(message: string) {
  return (err: unknown) => err instanceof RpcError && err.errorMessage === message;
}

test('every input privacy key maps to its key and back to the privacyKey constructor', () => {
  for (const key of PRIVACY_KEYS) {
    const input = undecodable<TlType<'InputPrivacyKey'>>({ _: 'inputPrivacyKey' + key[0]!.toUpperCase() + key.slice(1) });
    assert.equal(privacyKeyFromInput(input), key);
    assert.equal(privacyKeyObject(key)._, 'privacyKey' + key[0]!.toUpperCase() + key.slice(1));
  }
});

test('an unknown privacy key answers PRIVACY_KEY_INVALID', () => {
  assert.throws(() => privacyKeyFromInput(undecodable({ _: 'inputPrivacyKeyNonsense' })), rpcError('PRIVACY_KEY_INVALID'));
  assert.throws(() => privacyKeyFromInput(undecodable({ _: 'privacyKeyPhoneNumber' })), rpcError('PRIVACY_KEY_INVALID'));
});

test('input rules convert to stored rules, users resolved and deduplicated, chats kept', async () => {
  const rules = await rulesFromInput(
    [
      { _: 'inputPrivacyValueAllowContacts' },
      { _: 'inputPrivacyValueDisallowUsers', users: [{ _: 'inputUser', userId: 7n, accessHash: 1n }, { _: 'inputUser', userId: 7n, accessHash: 1n }] },
      { _: 'inputPrivacyValueAllowChatParticipants', chats: [9n] },
      { _: 'inputPrivacyValueAllowCloseFriends' },
      { _: 'inputPrivacyValueDisallowAll' },
    ],
    idsOf,
  );
  assert.deepEqual(rules, [
    { kind: 'allowContacts' },
    { kind: 'disallowUsers', users: [7n] },
    { kind: 'allowChatParticipants', chats: [9n] },
    { kind: 'allowCloseFriends' },
    { kind: 'disallowAll' },
  ]);
});

test('a rule that is not an inputPrivacyValue answers PRIVACY_VALUE_INVALID', async () => {
  await assert.rejects(rulesFromInput([undecodable({ _: 'privacyValueAllowAll' })], idsOf), rpcError('PRIVACY_VALUE_INVALID'));
  await assert.rejects(rulesFromInput([undecodable({ _: 'inputPrivacyValueAllowEverything' })], idsOf), rpcError('PRIVACY_VALUE_INVALID'));
});

test('too many users answers PRIVACY_TOO_LONG', async () => {
  const users = Array.from({ length: MAX_PRIVACY_IDS + 1 }, (_, i): TlType<'InputUser'> => ({ _: 'inputUser', userId: BigInt(i + 1), accessHash: 0n }));
  await assert.rejects(rulesFromInput([{ _: 'inputPrivacyValueAllowUsers', users }], idsOf), rpcError('PRIVACY_TOO_LONG'));
  const ok = users.slice(0, MAX_PRIVACY_IDS);
  assert.equal((await rulesFromInput([{ _: 'inputPrivacyValueAllowUsers', users: ok }], idsOf)).length, 1);
});

test('stored rules become privacyValue constructors', () => {
  assert.deepEqual(ruleToTl({ kind: 'allowAll' }), { _: 'privacyValueAllowAll' });
  assert.deepEqual(ruleToTl({ kind: 'disallowUsers', users: [5n] }), { _: 'privacyValueDisallowUsers', users: [5n] });
  assert.deepEqual(ruleToTl({ kind: 'disallowChatParticipants', chats: [6n] }), { _: 'privacyValueDisallowChatParticipants', chats: [6n] });
});

test('JSON round trip keeps 64-bit ids exact', () => {
  const rules: StoredRule[] = [{ kind: 'allowUsers', users: [9223372036854775807n, 1n] }, { kind: 'allowChatParticipants', chats: [-5n] }, { kind: 'disallowAll' }];
  assert.deepEqual(rulesFromJson(rulesToJson(rules)), rules);
});
