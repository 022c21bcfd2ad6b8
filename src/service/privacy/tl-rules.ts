// Conversion between TL privacy rules (inputPrivacyValue* / privacyValue*), the stored form and its JSON.
import type { TlType } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { RuleKind, StoredRule } from './evaluate.js';

/** More user or chat ids than this in one rule set answers PRIVACY_TOO_LONG. */
export const MAX_PRIVACY_IDS = 1000;

type UserKind = 'allowUsers' | 'disallowUsers';
type ChatKind = 'allowChatParticipants' | 'disallowChatParticipants';
type SimpleKind = Exclude<RuleKind, UserKind | ChatKind>;
/** The privacyValue* constructors without a list. */
type SimpleRuleTl = Exclude<TlType<'PrivacyRule'>, { users: bigint[] } | { chats: bigint[] }>;

const USER_KINDS = new Set<RuleKind>(['allowUsers', 'disallowUsers']);
const CHAT_KINDS = new Set<RuleKind>(['allowChatParticipants', 'disallowChatParticipants']);

/** The rules without a list, by their input and output constructors. */
const SIMPLE_RULES: { readonly [K in SimpleKind]: { input: TlType<'InputPrivacyRule'>['_']; output: SimpleRuleTl['_'] } } = {
  allowAll: { input: 'inputPrivacyValueAllowAll', output: 'privacyValueAllowAll' },
  disallowAll: { input: 'inputPrivacyValueDisallowAll', output: 'privacyValueDisallowAll' },
  allowContacts: { input: 'inputPrivacyValueAllowContacts', output: 'privacyValueAllowContacts' },
  disallowContacts: { input: 'inputPrivacyValueDisallowContacts', output: 'privacyValueDisallowContacts' },
  allowCloseFriends: { input: 'inputPrivacyValueAllowCloseFriends', output: 'privacyValueAllowCloseFriends' },
  allowPremium: { input: 'inputPrivacyValueAllowPremium', output: 'privacyValueAllowPremium' },
  allowBots: { input: 'inputPrivacyValueAllowBots', output: 'privacyValueAllowBots' },
  disallowBots: { input: 'inputPrivacyValueDisallowBots', output: 'privacyValueDisallowBots' },
};
const SIMPLE_KINDS: readonly SimpleKind[] = ['allowAll', 'disallowAll', 'allowContacts', 'disallowContacts', 'allowCloseFriends', 'allowPremium', 'allowBots', 'disallowBots'];
const SIMPLE_BY_INPUT = new Map<string, SimpleKind>(SIMPLE_KINDS.map((kind) => [SIMPLE_RULES[kind].input, kind]));

/**
 * inputPrivacyValue* -> stored rules. `resolveUsers` turns the InputUser list of a rule into ids (it rejects
 * users the caller may not name). Chat ids are stored as given: chats do not exist yet to check them against.
 */
export async function rulesFromInput(
  inputs: readonly TlType<'InputPrivacyRule'>[],
  resolveUsers: (users: readonly TlType<'InputUser'>[]) => Promise<bigint[]>,
): Promise<StoredRule[]> {
  const out: StoredRule[] = [];
  let ids = 0;
  for (const input of inputs) {
    switch (input._) {
      case 'inputPrivacyValueAllowUsers':
      case 'inputPrivacyValueDisallowUsers': {
        const users = [...new Set(await resolveUsers(input.users))];
        ids += users.length;
        out.push({ kind: input._ === 'inputPrivacyValueAllowUsers' ? 'allowUsers' : 'disallowUsers', users });
        break;
      }
      case 'inputPrivacyValueAllowChatParticipants':
      case 'inputPrivacyValueDisallowChatParticipants': {
        const chats = [...new Set(input.chats)];
        ids += chats.length;
        out.push({ kind: input._ === 'inputPrivacyValueAllowChatParticipants' ? 'allowChatParticipants' : 'disallowChatParticipants', chats });
        break;
      }
      default: {
        const kind = SIMPLE_BY_INPUT.get(input._);
        if (!kind) throw RpcError.badRequest('PRIVACY_VALUE_INVALID');
        out.push({ kind });
      }
    }
    if (ids > MAX_PRIVACY_IDS) throw RpcError.badRequest('PRIVACY_TOO_LONG');
  }
  return out;
}

/** stored rule -> privacyValue*. */
export function ruleToTl(rule: StoredRule): TlType<'PrivacyRule'> {
  switch (rule.kind) {
    case 'allowUsers':
      return { _: 'privacyValueAllowUsers', users: rule.users };
    case 'disallowUsers':
      return { _: 'privacyValueDisallowUsers', users: rule.users };
    case 'allowChatParticipants':
      return { _: 'privacyValueAllowChatParticipants', chats: rule.chats };
    case 'disallowChatParticipants':
      return { _: 'privacyValueDisallowChatParticipants', chats: rule.chats };
    default:
      return { _: SIMPLE_RULES[rule.kind].output };
  }
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
