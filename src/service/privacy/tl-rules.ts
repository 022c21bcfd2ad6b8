// Conversion between TL privacy rules (inputPrivacyValue* / privacyValue*), the stored form and its JSON.
import type { TlObject } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { RuleKind, StoredRule } from './evaluate.js';

/** More user or chat ids than this in one rule set answers PRIVACY_TOO_LONG. */
export const MAX_PRIVACY_IDS = 1000;

const SIMPLE_KINDS = new Set<RuleKind>(['allowAll', 'disallowAll', 'allowContacts', 'disallowContacts', 'allowCloseFriends', 'allowPremium', 'allowBots', 'disallowBots']);
const USER_KINDS = new Set<RuleKind>(['allowUsers', 'disallowUsers']);
const CHAT_KINDS = new Set<RuleKind>(['allowChatParticipants', 'disallowChatParticipants']);

function kindOf(predicate: string, prefix: string): RuleKind | undefined {
  if (!predicate.startsWith(prefix)) return undefined;
  const rest = predicate.slice(prefix.length);
  const kind = (rest[0]?.toLowerCase() + rest.slice(1)) as RuleKind;
  return SIMPLE_KINDS.has(kind) || USER_KINDS.has(kind) || CHAT_KINDS.has(kind) ? kind : undefined;
}

/**
 * inputPrivacyValue* -> stored rules. `resolveUsers` turns the InputUser list of a rule into ids (it rejects
 * users the caller may not name). Chat ids are stored as given: chats do not exist yet to check them against.
 */
export async function rulesFromInput(inputs: readonly TlObject[], resolveUsers: (users: readonly TlObject[]) => Promise<bigint[]>): Promise<StoredRule[]> {
  const out: StoredRule[] = [];
  let ids = 0;
  for (const input of inputs) {
    const kind = kindOf(input._, 'inputPrivacyValue');
    if (!kind) throw RpcError.badRequest('PRIVACY_VALUE_INVALID');
    if (USER_KINDS.has(kind)) {
      const users = [...new Set(await resolveUsers((input as unknown as { users?: TlObject[] }).users ?? []))];
      ids += users.length;
      out.push({ kind: kind as 'allowUsers', users });
    } else if (CHAT_KINDS.has(kind)) {
      const chats = [...new Set((input as unknown as { chats?: bigint[] }).chats ?? [])];
      ids += chats.length;
      out.push({ kind: kind as 'allowChatParticipants', chats });
    } else {
      out.push({ kind } as StoredRule);
    }
    if (ids > MAX_PRIVACY_IDS) throw RpcError.badRequest('PRIVACY_TOO_LONG');
  }
  return out;
}

/** stored rule -> privacyValue*. */
export function ruleToTl(rule: StoredRule): TlObject {
  const _ = 'privacyValue' + rule.kind[0]!.toUpperCase() + rule.kind.slice(1);
  if ('users' in rule) return { _, users: rule.users } as TlObject;
  if ('chats' in rule) return { _, chats: rule.chats } as TlObject;
  return { _ };
}

/** JSON for the database (ids as decimal strings: JSON has no 64-bit integers). */
export function rulesToJson(rules: readonly StoredRule[]): string {
  return JSON.stringify(
    rules.map((r) => ('users' in r ? { kind: r.kind, users: r.users.map(String) } : 'chats' in r ? { kind: r.kind, chats: r.chats.map(String) } : { kind: r.kind })),
  );
}

export function rulesFromJson(json: string): StoredRule[] {
  const raw = JSON.parse(json) as { kind: RuleKind; users?: string[]; chats?: string[] }[];
  return raw.map((r) => {
    if (USER_KINDS.has(r.kind)) return { kind: r.kind as 'allowUsers', users: (r.users ?? []).map((u) => BigInt(u)) };
    if (CHAT_KINDS.has(r.kind)) return { kind: r.kind as 'allowChatParticipants', chats: (r.chats ?? []).map((c) => BigInt(c)) };
    return { kind: r.kind } as StoredRule;
  });
}
