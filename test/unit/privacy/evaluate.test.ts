import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, dependsOnContact, evaluatePrivacy, usersNamed, type StoredRule } from '../../../src/service/privacy/evaluate.js';
import { DEFAULT_RULES } from '../../../src/service/privacy/keys.js';

const A = 101n;
const B = 102n;
const C = 103n;

interface Case {
  name: string;
  rules: StoredRule[];
  viewer: bigint;
  contact: boolean;
  expect: boolean;
}

const cases: Case[] = [
  { name: 'everybody: a stranger sees', rules: [{ kind: 'allowAll' }], viewer: A, contact: false, expect: true },
  { name: 'everybody: a contact sees', rules: [{ kind: 'allowAll' }], viewer: A, contact: true, expect: true },
  { name: 'nobody: a contact does not see', rules: [{ kind: 'disallowAll' }], viewer: A, contact: true, expect: false },
  { name: 'nobody: a stranger does not see', rules: [{ kind: 'disallowAll' }], viewer: A, contact: false, expect: false },
  { name: 'my contacts: a contact sees', rules: [{ kind: 'allowContacts' }, { kind: 'disallowAll' }], viewer: A, contact: true, expect: true },
  { name: 'my contacts: a stranger does not', rules: [{ kind: 'allowContacts' }, { kind: 'disallowAll' }], viewer: A, contact: false, expect: false },
  { name: 'allowContacts alone: a stranger does not (no match means no)', rules: [{ kind: 'allowContacts' }], viewer: A, contact: false, expect: false },
  { name: 'empty rule list: nobody', rules: [], viewer: A, contact: true, expect: false },
  { name: 'everybody except contacts: a contact does not', rules: [{ kind: 'allowAll' }, { kind: 'disallowContacts' }], viewer: A, contact: true, expect: false },
  { name: 'everybody except contacts: a stranger does', rules: [{ kind: 'allowAll' }, { kind: 'disallowContacts' }], viewer: A, contact: false, expect: true },
  { name: 'nobody but A: A sees', rules: [{ kind: 'disallowAll' }, { kind: 'allowUsers', users: [A] }], viewer: A, contact: false, expect: true },
  { name: 'nobody but A: B does not', rules: [{ kind: 'disallowAll' }, { kind: 'allowUsers', users: [A] }], viewer: B, contact: true, expect: false },
  { name: 'everybody but A: A does not', rules: [{ kind: 'allowAll' }, { kind: 'disallowUsers', users: [A] }], viewer: A, contact: false, expect: false },
  { name: 'everybody but A: B does', rules: [{ kind: 'allowAll' }, { kind: 'disallowUsers', users: [A] }], viewer: B, contact: false, expect: true },
  { name: 'user list beats contacts: a contact never-shared-with does not see', rules: [{ kind: 'allowContacts' }, { kind: 'disallowUsers', users: [A] }], viewer: A, contact: true, expect: false },
  { name: 'user list beats nobody, whatever the order', rules: [{ kind: 'allowUsers', users: [C] }, { kind: 'disallowAll' }], viewer: C, contact: false, expect: true },
  { name: 'a user in both lists is denied', rules: [{ kind: 'allowUsers', users: [A] }, { kind: 'disallowUsers', users: [A] }, { kind: 'allowAll' }], viewer: A, contact: false, expect: false },
  { name: 'contradicting contact rules deny', rules: [{ kind: 'allowContacts' }, { kind: 'disallowContacts' }, { kind: 'allowAll' }], viewer: A, contact: true, expect: false },
  { name: 'contradicting base rules deny', rules: [{ kind: 'allowAll' }, { kind: 'disallowAll' }], viewer: A, contact: false, expect: false },
  { name: 'close friends are stored but match nobody yet', rules: [{ kind: 'allowCloseFriends' }, { kind: 'disallowAll' }], viewer: A, contact: true, expect: false },
  { name: 'chat participants are stored but match nobody yet', rules: [{ kind: 'allowChatParticipants', chats: [5n] }, { kind: 'disallowAll' }], viewer: A, contact: false, expect: false },
  { name: 'disallowed chat participants fall through to the base rule', rules: [{ kind: 'disallowChatParticipants', chats: [5n] }, { kind: 'allowAll' }], viewer: A, contact: false, expect: true },
];

for (const c of cases) {
  test(`privacy rules: ${c.name}`, () => {
    assert.equal(evaluatePrivacy(c.rules, c.viewer, c.contact), c.expect);
  });
}

test('the contact relation is only looked up when it changes the answer', () => {
  assert.equal(dependsOnContact(compileRules([{ kind: 'allowAll' }]), A), false);
  assert.equal(dependsOnContact(compileRules([{ kind: 'disallowAll' }]), A), false);
  assert.equal(dependsOnContact(compileRules([{ kind: 'allowContacts' }, { kind: 'disallowAll' }]), A), true);
  // Named explicitly: the contact rules cannot matter.
  assert.equal(dependsOnContact(compileRules([{ kind: 'allowContacts' }, { kind: 'disallowAll' }, { kind: 'allowUsers', users: [A] }]), A), false);
  // allowContacts with allowAll gives the same answer either way.
  assert.equal(dependsOnContact(compileRules([{ kind: 'allowContacts' }, { kind: 'allowAll' }]), A), false);
});

test('defaults: phone number and birthday for contacts, the rest for everybody', () => {
  assert.equal(evaluatePrivacy(DEFAULT_RULES.phoneNumber, A, true), true);
  assert.equal(evaluatePrivacy(DEFAULT_RULES.phoneNumber, A, false), false);
  assert.equal(evaluatePrivacy(DEFAULT_RULES.birthday, A, false), false);
  for (const key of ['statusTimestamp', 'profilePhoto', 'addedByPhone', 'about', 'chatInvite', 'phoneCall', 'forwards'] as const) {
    assert.equal(evaluatePrivacy(DEFAULT_RULES[key], A, false), true, key);
  }
});

test('usersNamed lists each user of the user rules once', () => {
  assert.deepEqual(usersNamed([{ kind: 'allowUsers', users: [A, B] }, { kind: 'disallowUsers', users: [B, C] }, { kind: 'allowAll' }]), [A, B, C]);
});
