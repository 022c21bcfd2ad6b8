import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TlObject } from '../../../src/tl/index.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { MAX_PRIVACY_IDS, rulesFromInput, rulesFromJson, rulesToJson, ruleToTl } from '../../../src/service/privacy/tl-rules.js';
import { privacyKeyFromInput, privacyKeyObject } from '../../../src/service/privacy/keys.js';
import { PRIVACY_KEYS } from '../../../src/service/privacy/rules.js';
import type { StoredRule } from '../../../src/service/privacy/evaluate.js';

const idsOf = async (users: readonly TlObject[]) => users.map((u) => (u as unknown as { userId: bigint }).userId);

function rpcError(message: string) {
  return (err: unknown) => err instanceof RpcError && err.errorMessage === message;
}

test('every input privacy key maps to its key and back to the privacyKey constructor', () => {
  for (const key of PRIVACY_KEYS) {
    const input = { _: 'inputPrivacyKey' + key[0]!.toUpperCase() + key.slice(1) };
    assert.equal(privacyKeyFromInput(input), key);
    assert.equal(privacyKeyObject(key)._, 'privacyKey' + key[0]!.toUpperCase() + key.slice(1));
  }
});

test('an unknown privacy key answers PRIVACY_KEY_INVALID', () => {
  assert.throws(() => privacyKeyFromInput({ _: 'inputPrivacyKeyNonsense' }), rpcError('PRIVACY_KEY_INVALID'));
  assert.throws(() => privacyKeyFromInput({ _: 'privacyKeyPhoneNumber' }), rpcError('PRIVACY_KEY_INVALID'));
});

test('input rules convert to stored rules, users resolved and deduplicated, chats kept', async () => {
  const rules = await rulesFromInput(
    [
      { _: 'inputPrivacyValueAllowContacts' },
      { _: 'inputPrivacyValueDisallowUsers', users: [{ _: 'inputUser', userId: 7n, accessHash: 1n }, { _: 'inputUser', userId: 7n, accessHash: 1n }] } as TlObject,
      { _: 'inputPrivacyValueAllowChatParticipants', chats: [9n] } as TlObject,
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
  await assert.rejects(rulesFromInput([{ _: 'privacyValueAllowAll' }], idsOf), rpcError('PRIVACY_VALUE_INVALID'));
  await assert.rejects(rulesFromInput([{ _: 'inputPrivacyValueAllowEverything' }], idsOf), rpcError('PRIVACY_VALUE_INVALID'));
});

test('too many users answers PRIVACY_TOO_LONG', async () => {
  const users = Array.from({ length: MAX_PRIVACY_IDS + 1 }, (_, i) => ({ _: 'inputUser', userId: BigInt(i + 1), accessHash: 0n }));
  await assert.rejects(rulesFromInput([{ _: 'inputPrivacyValueAllowUsers', users } as TlObject], idsOf), rpcError('PRIVACY_TOO_LONG'));
  const ok = users.slice(0, MAX_PRIVACY_IDS);
  assert.equal((await rulesFromInput([{ _: 'inputPrivacyValueAllowUsers', users: ok } as TlObject], idsOf)).length, 1);
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
