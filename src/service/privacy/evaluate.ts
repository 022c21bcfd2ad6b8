// Privacy rule evaluation (core.telegram.org/api/privacy). A rule list reads like the apps' settings
// screen: a base ("everybody", "my contacts", "nobody") plus "always share with" / "never share with"
// exceptions. So the most specific rule that names the viewer decides: explicit user lists first, then
// the contact rules, then allowAll/disallowAll; within one level a disallow beats an allow, and when
// nothing matches the answer is no.

export type StoredRule =
  | { kind: 'allowAll' | 'disallowAll' | 'allowContacts' | 'disallowContacts' | 'allowCloseFriends' | 'allowPremium' | 'allowBots' | 'disallowBots' }
  | { kind: 'allowUsers' | 'disallowUsers'; users: bigint[] }
  | { kind: 'allowChatParticipants' | 'disallowChatParticipants'; chats: bigint[] };

export type RuleKind = StoredRule['kind'];

type Verdict = 'allow' | 'deny' | undefined;

/** A rule list reduced to what evaluation needs, built once per (owner, key) and cached. */
export interface CompiledRules {
  readonly rules: readonly StoredRule[];
  readonly allowedUsers: ReadonlySet<bigint>;
  readonly deniedUsers: ReadonlySet<bigint>;
  readonly contacts: Verdict;
  readonly everybody: Verdict;
}

function merge(current: Verdict, next: 'allow' | 'deny'): Verdict {
  return current === 'deny' ? 'deny' : next;
}

export function compileRules(rules: readonly StoredRule[]): CompiledRules {
  const allowedUsers = new Set<bigint>();
  const deniedUsers = new Set<bigint>();
  let contacts: Verdict;
  let everybody: Verdict;
  for (const rule of rules) {
    switch (rule.kind) {
      case 'allowUsers':
        for (const u of rule.users) allowedUsers.add(u);
        break;
      case 'disallowUsers':
        for (const u of rule.users) deniedUsers.add(u);
        break;
      case 'allowContacts':
        contacts = merge(contacts, 'allow');
        break;
      case 'disallowContacts':
        contacts = merge(contacts, 'deny');
        break;
      case 'allowAll':
        everybody = merge(everybody, 'allow');
        break;
      case 'disallowAll':
        everybody = merge(everybody, 'deny');
        break;
      // Stored as given, not enforced yet: chat membership comes with groups, close friends, premium
      // and bots do not exist in Echo, so these rules never match a viewer.
      default:
        break;
    }
  }
  return { rules, allowedUsers, deniedUsers, contacts, everybody };
}

/** The decision for a viewer; `isContact` says whether the viewer is in the owner's contact list. */
export function evaluateCompiled(c: CompiledRules, viewer: bigint, isContact: boolean): boolean {
  if (c.deniedUsers.has(viewer)) return false;
  if (c.allowedUsers.has(viewer)) return true;
  if (isContact && c.contacts !== undefined) return c.contacts === 'allow';
  return c.everybody === 'allow';
}

export function evaluatePrivacy(rules: readonly StoredRule[], viewer: bigint, isContact: boolean): boolean {
  return evaluateCompiled(compileRules(rules), viewer, isContact);
}

/** Whether the answer for this viewer hinges on the contact relation (so it is worth looking up). */
export function dependsOnContact(c: CompiledRules, viewer: bigint): boolean {
  return evaluateCompiled(c, viewer, true) !== evaluateCompiled(c, viewer, false);
}

/** Every user id the rules name (account.privacyRules lists them in `users`). */
export function usersNamed(rules: readonly StoredRule[]): bigint[] {
  const out = new Set<bigint>();
  for (const r of rules) if ('users' in r) for (const u of r.users) out.add(u);
  return [...out];
}

export function chatsNamed(rules: readonly StoredRule[]): bigint[] {
  const out = new Set<bigint>();
  for (const r of rules) if ('chats' in r) for (const c of r.chats) out.add(c);
  return [...out];
}
